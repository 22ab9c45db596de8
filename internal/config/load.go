package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// EnvPrefix is the prefix of every environment override.
const EnvPrefix = "NASHRA"

// Error is a configuration error. It names the file (or the environment
// variable) and the key at fault.
type Error struct {
	Source string // file name, or "environment"
	Key    string
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Defaults returns the embedded defaults: SQLite under data/, the file
// outbox, Arabic, Asia/Riyadh.
func Defaults() Config {
	return Config{
		Site: Site{
			Title:       "نشرة",
			Description: "آخر الأخبار من نشرة",
			BaseURL:     "http://localhost:8080",
			Language:    "ar",
			Timezone:    "Asia/Riyadh",
			Email:       "",
			ContentDir:  "content",
		},
		Store: Store{Driver: "sqlite", DSN: "data/nashra.db"},
		Server: Server{Listen: "127.0.0.1:8080", ShutdownTimeout: 30 * time.Second, WatchInterval: 2 * time.Second, GCPercent: 400,
			TrustedProxies: []string{"127.0.0.0/8", "::1/128"}},
		Feeds: Feeds{Items: 50, FullContent: true, CacheMaxAge: 5 * time.Minute},
		Text:  Text{SummaryWords: 60, RelatedK: 5},
		Mail: Mail{
			Transport:    "file",
			Outbox:       "outbox",
			From:         "digest@localhost.localdomain",
			FromName:     "نشرة",
			MaxBounces:   3,
			MaxAttempts:  8,
			RetryBackoff: time.Minute,
			SMTP:         SMTP{Host: "localhost", Port: 25, TLS: "opportunistic", Pool: 4, Timeout: 30 * time.Second},
		},
		Digest: Digest{
			Schedule:    "0 7 * * *",
			Window:      24 * time.Hour,
			MaxArticles: 20,
			Related:     3,
			Hijri:       true,
			DateStyle:   "gulf",
			Digits:      "latin",
		},
		Security: Security{TokenTTL: 7 * 24 * time.Hour},
		Log:      Log{Level: "info", Format: "text"},
	}
}

// Load reads the config file (path, else $NASHRA_CONFIG, else ./config.yaml
// when it exists), applies NASHRA_* environment overrides for every key —
// also keys the file does not mention — fills defaults and validates. Unknown
// keys in the file are errors that name the key.
func Load(path string) (*Config, error) {
	return load(path, os.LookupEnv, true)
}

// LoadFrom is Load with an explicit environment lookup (for tests).
func LoadFrom(path string, lookupEnv func(string) (string, bool)) (*Config, error) {
	return load(path, lookupEnv, true)
}

func load(path string, lookupEnv func(string) (string, bool), mustValidate bool) (*Config, error) {
	explicit := path != ""
	if path == "" {
		if p, ok := lookupEnv(EnvPrefix + "_CONFIG"); ok && p != "" {
			path, explicit = p, true
		} else if _, err := os.Stat("config.yaml"); err == nil {
			path = "config.yaml"
		}
	}

	v := viper.New()
	v.SetConfigType("yaml")
	keys := Keys()
	def := Defaults()
	for _, k := range keys {
		v.SetDefault(k.Name, k.value(reflect.ValueOf(def)))
	}

	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && !explicit {
				path = ""
			} else {
				return nil, &Error{Source: path, Msg: "cannot read config file: " + unwrapPathErr(err)}
			}
		} else {
			err = v.ReadConfig(f)
			f.Close()
			if err != nil {
				return nil, &Error{Source: path, Msg: "not valid YAML: " + err.Error()}
			}
			if err := checkUnknown(path, v, keys); err != nil {
				return nil, err
			}
		}
	}

	// Environment overrides: looked up key by key so that keys absent from
	// the file work too (viper's AutomaticEnv misses those on Unmarshal).
	for _, k := range keys {
		if val, ok := lookupEnv(k.Env()); ok {
			v.Set(k.Name, val)
		}
	}

	var cfg Config
	hook := mapstructure.ComposeDecodeHookFunc(
		mapstructure.StringToTimeDurationHookFunc(),
		stringToListHook(),
	)
	if err := v.UnmarshalExact(&cfg, viper.DecodeHook(hook)); err != nil {
		return nil, decodeError(path, keys, lookupEnv, v, err)
	}
	cfg.File = path
	if mustValidate {
		if err := cfg.Validate(); err != nil {
			return &cfg, fromEnvironment(err, lookupEnv)
		}
	}
	return &cfg, nil
}

// fromEnvironment names the environment variable instead of the file in
// the validation errors of keys that an environment variable set.
func fromEnvironment(err error, lookupEnv func(string) (string, bool)) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		var ce *Error
		if errors.As(e, &ce) && ce.Key != "" {
			if _, set := lookupEnv(Key{Name: ce.Key}.Env()); set {
				ce.Source = "environment " + Key{Name: ce.Key}.Env()
			}
		}
	}
	return err
}

func unwrapPathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// checkUnknown reports keys in the file that nashra does not know.
func checkUnknown(file string, v *viper.Viper, keys []Key) error {
	known := map[string]Key{}
	for _, k := range keys {
		known[k.Name] = k
	}
	var unknown []string
	for _, k := range v.AllKeys() {
		if _, ok := known[k]; ok {
			continue
		}
		// Elements of lists of structs (feeds.categories) are checked by
		// UnmarshalExact; a key under a list key is fine here.
		if isUnderList(k, keys) {
			continue
		}
		unknown = append(unknown, k)
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	k := unknown[0]
	msg := "unknown key"
	if s := suggest(k, keys); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	if len(unknown) > 1 {
		msg += fmt.Sprintf("; also unknown: %s", strings.Join(unknown[1:], ", "))
	}
	return &Error{Source: filepath.Clean(file), Key: k, Msg: msg}
}

func isUnderList(k string, keys []Key) bool {
	for _, key := range keys {
		if key.List && strings.HasPrefix(k, key.Name+".") {
			return true
		}
	}
	return false
}

// suggest returns the known key closest to k, if it is close enough.
func suggest(k string, keys []Key) string {
	best, bestD := "", 4
	for _, key := range keys {
		if d := levenshtein(k, key.Name); d < bestD {
			best, bestD = key.Name, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// decodeError turns a mapstructure error into one line naming the key, and
// the environment variable when the bad value came from there.
func decodeError(file string, keys []Key, lookupEnv func(string) (string, bool), v *viper.Viper, err error) error {
	msg := err.Error()
	for _, k := range keys {
		if !strings.Contains(msg, "'"+k.Name+"'") && !strings.Contains(msg, "\""+k.Name+"\"") {
			continue
		}
		src := file
		if _, ok := lookupEnv(k.Env()); ok {
			src = "environment " + k.Env()
		}
		return &Error{Source: src, Key: k.Name, Msg: fmt.Sprintf("must be %s, got %q", k.Kind(), fmt.Sprint(v.Get(k.Name)))}
	}
	if strings.Contains(msg, "has invalid keys") {
		// An unknown key inside a list element, e.g. feeds.categories[0].nmae.
		return &Error{Source: file, Msg: "unknown key " + lastPart(msg)}
	}
	return &Error{Source: file, Msg: msg}
}

func lastPart(msg string) string {
	msg = strings.TrimSpace(msg)
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// stringToListHook turns "a,b,c" (from the environment) into a list; for
// lists of structs it accepts a JSON array.
func stringToListHook() mapstructure.DecodeHookFuncType {
	return func(from, to reflect.Type, data any) (any, error) {
		if from.Kind() != reflect.String || to.Kind() != reflect.Slice {
			return data, nil
		}
		s := strings.TrimSpace(data.(string))
		if s == "" {
			return []any{}, nil
		}
		if to.Elem().Kind() == reflect.Struct {
			return parseJSONList(s)
		}
		parts := strings.Split(s, ",")
		out := make([]any, 0, len(parts))
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out, nil
	}
}
