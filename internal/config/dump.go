package config

import (
	"io"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Redacted is what Dump prints in place of a secret.
const Redacted = "<redacted>"

// Dump writes the effective configuration as YAML with secrets redacted:
// keys marked secret, and any password inside store.dsn.
func (c *Config) Dump(w io.Writer) error {
	root := map[string]any{}
	rv := reflect.ValueOf(*c)
	for _, k := range Keys() {
		val := k.value(rv)
		switch {
		case k.Secret:
			if s, _ := val.(string); s != "" {
				val = Redacted
			}
		case k.Name == "store.dsn":
			val = RedactDSN(val.(string))
		}
		if d, ok := val.(time.Duration); ok {
			val = d.String()
		}
		if k.List && k.Type.Elem().Kind() == reflect.Struct {
			val = structList(reflect.ValueOf(val))
		}
		put(root, strings.Split(k.Name, "."), val)
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return err
	}
	return enc.Close()
}

func structList(v reflect.Value) []map[string]any {
	out := make([]map[string]any, v.Len())
	for i := range out {
		m := map[string]any{}
		e := v.Index(i)
		for j := 0; j < e.NumField(); j++ {
			m[e.Type().Field(j).Tag.Get("mapstructure")] = e.Field(j).Interface()
		}
		out[i] = m
	}
	return out
}

func put(m map[string]any, path []string, val any) {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = val
}

// RedactDSN hides passwords in a DSN: the user info of a URL, query
// parameters such as ?password= or ?sslpassword=, and password= fields of a
// key=value DSN.
func RedactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme != "" || u.User != nil) {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			dsn = strings.Replace(u.String(), "xxxxx", Redacted, 1)
		}
		base, query, ok := strings.Cut(dsn, "?")
		if !ok {
			return dsn
		}
		params := strings.Split(query, "&")
		for i, p := range params {
			k, _, _ := strings.Cut(p, "=")
			if name, err := url.QueryUnescape(k); err == nil && isPasswordKey(name) {
				params[i] = k + "=" + Redacted
			}
		}
		return base + "?" + strings.Join(params, "&")
	}
	fields := strings.Fields(dsn)
	for i, f := range fields {
		if k, _, ok := strings.Cut(f, "="); ok && isPasswordKey(k) {
			fields[i] = k + "=" + Redacted
		}
	}
	return strings.Join(fields, " ")
}

func isPasswordKey(k string) bool {
	return strings.Contains(strings.ToLower(k), "password")
}

// NewLogger builds the structured logger for l.
func NewLogger(l Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(l.Level))
	opts := &slog.HandlerOptions{Level: level}
	if l.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
