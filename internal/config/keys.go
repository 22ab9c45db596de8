package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Key describes one configuration key, derived from the Config struct.
type Key struct {
	Name   string // dotted: mail.smtp.port
	Index  []int  // field index path in Config
	Type   reflect.Type
	Secret bool
	List   bool
}

// Env is the environment variable that overrides the key.
func (k Key) Env() string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(k.Name, ".", "_"))
}

// Kind describes the expected value in words, for error messages.
func (k Key) Kind() string {
	switch {
	case k.Type == reflect.TypeOf(time.Duration(0)):
		return "a duration with a unit such as 30s, 5m or 24h"
	case k.Type.Kind() == reflect.Int:
		return "a whole number"
	case k.Type.Kind() == reflect.Float64:
		return "a number"
	case k.Type.Kind() == reflect.Bool:
		return "true or false"
	case k.List && k.Type.Elem().Kind() == reflect.Struct:
		return "a list of mappings"
	case k.List:
		return "a list"
	}
	return "a string"
}

func (k Key) value(root reflect.Value) any {
	v := root.FieldByIndex(k.Index)
	if k.List && v.Len() == 0 {
		return reflect.MakeSlice(k.Type, 0, 0).Interface()
	}
	return v.Interface()
}

var durationType = reflect.TypeOf(time.Duration(0))

// Keys lists every configuration key, in struct order.
func Keys() []Key {
	var out []Key
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("mapstructure")
			if tag == "" || tag == "-" {
				continue
			}
			name := tag
			if prefix != "" {
				name = prefix + "." + tag
			}
			idx := append(append([]int(nil), index...), i)
			if f.Type.Kind() == reflect.Struct && f.Type != durationType {
				walk(f.Type, name, idx)
				continue
			}
			out = append(out, Key{
				Name:   name,
				Index:  idx,
				Type:   f.Type,
				Secret: f.Tag.Get("secret") == "true",
				List:   f.Type.Kind() == reflect.Slice,
			})
		}
	}
	walk(reflect.TypeOf(Config{}), "", nil)
	return out
}

func parseJSONList(s string) (any, error) {
	var out []map[string]any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("want a JSON array of objects: %w", err)
	}
	list := make([]any, len(out))
	for i := range out {
		list[i] = out[i]
	}
	return list, nil
}
