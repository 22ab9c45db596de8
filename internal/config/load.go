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

	"github.com/nashra/nashra/internal/arabic"
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
		Server: Server{Listen: "127.0.0.1:8080", ShutdownTimeout: 30 * time.Second, WatchInterval: 2 * time.Second, GCPercent: 400, FastPath: true,
			TrustedProxies: []string{"127.0.0.0/8", "::1/128"}, ReadTimeout: 30 * time.Second, RequestTimeout: 60 * time.Second,
			MetricsAllow: []string{"127.0.0.0/8", "::1/128"}},
		Feeds: Feeds{Items: 50, FullContent: true, CacheMaxAge: 5 * time.Minute},
		Text: Text{SummaryWords: 60, RelatedK: 5, RelatedMinScore: arabic.DefaultMinScore,
			RelatedTopicWeight: arabic.DefaultIndexOptions.TopicWeight},
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
			Schedule:      "0 7 * * *",
			Window:        24 * time.Hour,
			Approval:      "none",
			PrepareBefore: time.Hour,
			MaxArticles:   20,
			Related:       3,
			Hijri:         true,
			DateStyle:     "gulf",
			Digits:        "latin",
		},
		Import: Import{MaxBytes: 4 << 20},
		Sources: Sources{Interval: 15 * time.Minute, Timeout: 20 * time.Second, MaxBody: 15 << 20,
			PerHostInterval: time.Second, FailAfter: 5, MaxBackoff: 12 * time.Hour, Workers: 8},
		Security:  Security{TokenTTL: 7 * 24 * time.Hour, SessionIdle: 2 * time.Hour, SessionMaxAge: 12 * time.Hour},
		Subscribe: Subscribe{PendingTTL: 7 * 24 * time.Hour, ConfirmMailsPerDay: 5},
		Log:       Log{Level: "info", Format: "text"},
	}
}

// Load reads the config file (path, else $NASHRA_CONFIG, else ./config.yaml
// when it exists), applies NASHRA_* environment overrides for every key —
// also keys the file does not mention — fills defaults and validates.
// Unknown keys in the file and unknown NASHRA_* variables are errors that
// name the key or variable. Every problem is reported at once (errors.Join,
// one line each); the returned Config is non-nil whenever the file could be
// read, so that callers such as `config check` can look further.
func Load(path string) (*Config, error) {
	return LoadFrom(path, os.Environ())
}

// LoadFrom is Load with an explicit environment ("KEY=value" entries, as
// os.Environ returns them), for tests.
func LoadFrom(path string, environ []string) (*Config, error) {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return load(path, env)
}

func load(path string, env map[string]string) (*Config, error) {
	lookupEnv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
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

	var errs []error
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
			errs = append(errs, checkUnknown(path, v, keys)...)
		}
	}
	errs = append(errs, checkUnknownEnv(env, keys)...)

	// Environment overrides: looked up key by key so that keys absent from
	// the file work too (viper's AutomaticEnv misses those on Unmarshal).
	for _, k := range keys {
		if val, ok := lookupEnv(k.Env()); ok {
			v.Set(k.Name, val)
		}
	}

	// Each key is decoded on its own first, so that every bad value is
	// reported (not only the first) and the rest can still be validated:
	// a bad value is reported and replaced by its default.
	for _, k := range keys {
		if err := decodeKey(k, v.Get(k.Name)); err != nil {
			src := path
			if _, ok := lookupEnv(k.Env()); ok {
				src = "environment " + k.Env()
			}
			errs = append(errs, &Error{Source: src, Key: k.Name, Msg: fmt.Sprintf("must be %s, got %q", k.Kind(), fmt.Sprint(v.Get(k.Name)))})
			v.Set(k.Name, k.value(reflect.ValueOf(def)))
		}
	}

	// Decode the known keys only (unknown ones are reported above); unused
	// fields are still errors, which catches typos inside list elements.
	tree := map[string]any{}
	for _, k := range keys {
		put(tree, strings.Split(k.Name, "."), v.Get(k.Name))
	}
	var cfg Config
	if err := decode(tree, &cfg); err != nil {
		errs = append(errs, decodeError(path, keys, lookupEnv, v, err))
		return nil, errors.Join(errs...)
	}
	cfg.File = path
	cfg.splitFrom()
	if err := cfg.Validate(); err != nil {
		errs = append(errs, fromEnvironment(err, lookupEnv))
	}
	return &cfg, errors.Join(errs...)
}

// decodeHook converts config values as viper's defaults do (durations from
// strings, lists from comma-separated strings), but refuses a bare number
// for a duration: YAML's `watch_interval: 2` would otherwise be 2ns.
func decodeHook() mapstructure.DecodeHookFunc {
	return mapstructure.ComposeDecodeHookFunc(
		bareNumberDurationHook(),
		mapstructure.StringToTimeDurationHookFunc(),
		stringToListHook(),
	)
}

func bareNumberDurationHook() mapstructure.DecodeHookFuncType {
	return func(from, to reflect.Type, data any) (any, error) {
		if to != durationType || from == durationType {
			return data, nil
		}
		switch from.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64:
			if reflect.ValueOf(data).IsZero() {
				return time.Duration(0), nil
			}
			return nil, fmt.Errorf("a duration needs a unit, got %v", data)
		}
		return data, nil
	}
}

// decodeKey decodes one key's value into its Go type as load will.
func decodeKey(k Key, val any) error {
	return decode(val, reflect.New(k.Type).Interface())
}

// decode is viper's UnmarshalExact on a plain value: weakly typed input
// (YAML's 25 for a string key), nashra's hooks, unknown fields refused.
func decode(in, out any) error {
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook:       decodeHook(),
		WeaklyTypedInput: true,
		ErrorUnused:      true,
		Result:           out,
	})
	if err != nil {
		return err
	}
	return dec.Decode(in)
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

// checkUnknown reports each key in the file that nashra does not know.
func checkUnknown(file string, v *viper.Viper, keys []Key) []error {
	known := map[string]Key{}
	names := make([]string, len(keys))
	for i, k := range keys {
		known[k.Name] = k
		names[i] = k.Name
	}
	var unknown []string
	for _, k := range v.AllKeys() {
		if _, ok := known[k]; ok {
			continue
		}
		// Elements of lists of structs (feeds.categories) are checked
		// when decoded (ErrorUnused); a key under a list key is fine here.
		if isUnderList(k, keys) {
			continue
		}
		unknown = append(unknown, k)
	}
	sort.Strings(unknown)
	var errs []error
	for _, k := range unknown {
		errs = append(errs, &Error{Source: filepath.Clean(file), Key: k, Msg: unknownMsg("key", k, names)})
	}
	return errs
}

// envNotKey reports the NASHRA_* variables that are not config keys: the
// config file's own, and the test suite's (NASHRA_TEST_*).
func envNotKey(name string) bool {
	return name == EnvPrefix+"_CONFIG" || strings.HasPrefix(name, EnvPrefix+"_TEST_")
}

// checkUnknownEnv reports each NASHRA_* variable that names no key, with
// the closest variable that does: a typo in the environment is as silent
// as one in the file otherwise.
func checkUnknownEnv(env map[string]string, keys []Key) []error {
	known := map[string]bool{}
	envs := make([]string, len(keys))
	for i, k := range keys {
		known[k.Env()] = true
		envs[i] = k.Env()
	}
	var unknown []string
	for name := range env {
		if strings.HasPrefix(name, EnvPrefix+"_") && !known[name] && !envNotKey(name) {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	var errs []error
	for _, name := range unknown {
		errs = append(errs, &Error{Source: "environment " + name, Msg: unknownMsg("variable", name, envs)})
	}
	return errs
}

func isUnderList(k string, keys []Key) bool {
	for _, key := range keys {
		if key.List && strings.HasPrefix(k, key.Name+".") {
			return true
		}
	}
	return false
}

// unknownMsg is "unknown WHAT", with the closest of names when one is close.
func unknownMsg(what, name string, names []string) string {
	if s := suggest(name, names); s != "" {
		return fmt.Sprintf("unknown %s (did you mean %s?)", what, s)
	}
	return "unknown " + what
}

// suggest returns the known name closest to k, if it is close enough.
func suggest(k string, names []string) string {
	best, bestD := "", 4
	for _, n := range names {
		if d := levenshtein(k, n); d < bestD {
			best, bestD = n, d
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
