package config

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// env turns m into an environment as os.Environ gives it.
func env(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsValidate(t *testing.T) {
	c := Defaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

func TestRepositoryConfigLoads(t *testing.T) {
	c, err := LoadFrom("../../config.yaml", env(nil))
	if err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	if c.Site.Language != "ar" || c.Store.Driver != "sqlite" || c.Mail.Transport != "file" {
		t.Errorf("config.yaml is not the embedded default setup: %+v", c)
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		check   func(t *testing.T, c *Config)
		wantErr string // substring; "" = no error
	}{
		{name: "file value", file: "site:\n  title: أخبار اليوم\n", check: func(t *testing.T, c *Config) {
			if c.Site.Title != "أخبار اليوم" {
				t.Errorf("title = %q", c.Site.Title)
			}
		}},
		{name: "env overrides file", file: "site:\n  title: a\n", env: map[string]string{"NASHRA_SITE_TITLE": "ب"}, check: func(t *testing.T, c *Config) {
			if c.Site.Title != "ب" {
				t.Errorf("title = %q", c.Site.Title)
			}
		}},
		{name: "env for key absent from file", file: "site:\n  title: a\n", env: map[string]string{
			"NASHRA_MAIL_SMTP_PASSWORD": "s3cret", "NASHRA_MAIL_RATE": "12.5", "NASHRA_DIGEST_WINDOW": "36h",
			"NASHRA_DIGEST_CATEGORY_ORDER": "سياسة, اقتصاد", "NASHRA_FEEDS_FULL_CONTENT": "false",
		}, check: func(t *testing.T, c *Config) {
			if c.Mail.SMTP.Password != "s3cret" || c.Mail.Rate != 12.5 || c.Digest.Window != 36*time.Hour || c.Feeds.FullContent {
				t.Errorf("env not applied: %+v %+v", c.Mail, c.Digest)
			}
			if len(c.Digest.CategoryOrder) != 2 || c.Digest.CategoryOrder[1] != "اقتصاد" {
				t.Errorf("category_order = %q", c.Digest.CategoryOrder)
			}
		}},
		{name: "list of structs from env as JSON", env: map[string]string{"NASHRA_FEEDS_CATEGORIES": `[{"name":"رياضة","slug":"sport"}]`}, check: func(t *testing.T, c *Config) {
			if len(c.Feeds.Categories) != 1 || c.Feeds.Categories[0].Slug != "sport" {
				t.Errorf("categories = %+v", c.Feeds.Categories)
			}
		}},
		{name: "categories in file", file: "feeds:\n  categories:\n    - name: اقتصاد\n      slug: economy\n", check: func(t *testing.T, c *Config) {
			if len(c.Feeds.Categories) != 1 || c.Feeds.Categories[0].Name != "اقتصاد" {
				t.Errorf("categories = %+v", c.Feeds.Categories)
			}
		}},
		{name: "typo key named with suggestion", file: "site:\n  titel: x\n", wantErr: "site.titel: unknown key (did you mean site.title?)"},
		{name: "typo inside list element", file: "feeds:\n  categories:\n    - nmae: x\n      slug: y\n", wantErr: "nmae"},
		{name: "fast path off", file: "server:\n  fast_path: false\n", check: func(t *testing.T, c *Config) {
			if c.Server.FastPath {
				t.Error("server.fast_path: false left it on")
			}
		}},
		{name: "fast path on by default", check: func(t *testing.T, c *Config) {
			if !c.Server.FastPath {
				t.Error("server.fast_path is off by default")
			}
		}},
		{name: "fast path not a bool", env: map[string]string{"NASHRA_SERVER_FAST_PATH": "sometimes"}, wantErr: `environment NASHRA_SERVER_FAST_PATH: server.fast_path: must be true or false, got "sometimes"`},
		{name: "bad value type", file: "mail:\n  smtp:\n    port: many\n", wantErr: "mail.smtp.port: must be a whole number, got \"many\""},
		{name: "bad env value names variable", env: map[string]string{"NASHRA_DIGEST_WINDOW": "soon"}, wantErr: "environment NASHRA_DIGEST_WINDOW: digest.window"},
		{name: "invalid env value names variable", env: map[string]string{"NASHRA_SERVER_GC_PERCENT": "0"}, wantErr: "environment NASHRA_SERVER_GC_PERCENT: server.gc_percent: must be a positive"},
		{name: "bad trusted proxy from env", env: map[string]string{"NASHRA_SERVER_TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"}, wantErr: `environment NASHRA_SERVER_TRUSTED_PROXIES: server.trusted_proxies: "proxy.local" is neither`},
		{name: "bad metrics client", file: "server:\n  metrics_allow: [\"127.0.0.1\", \"monitor\"]\n", wantErr: `server.metrics_allow: "monitor" is neither`},
		{name: "metrics on the main listener twice", file: "server:\n  listen: 127.0.0.1:8080\n  metrics_listen: 127.0.0.1:8080\n", wantErr: "server.metrics_listen: must differ from server.listen"},
		{name: "metrics listener not host:port", env: map[string]string{"NASHRA_SERVER_METRICS_LISTEN": "9100"}, wantErr: "server.metrics_listen: must be host:port"},
		{name: "pending sign-ups shorter than their links", file: "security:\n  token_ttl: 72h\nsubscribe:\n  pending_ttl: 24h\n", wantErr: "subscribe.pending_ttl: must be at least security.token_ttl (72h0m0s)"},
		{name: "no confirmation mail at all", env: map[string]string{"NASHRA_SUBSCRIBE_CONFIRM_MAILS_PER_DAY": "0"}, wantErr: "subscribe.confirm_mails_per_day: must be at least 1, got 0"},
		{name: "no trusted proxy", file: "server:\n  trusted_proxies: []\n", check: func(t *testing.T, c *Config) {
			if p, err := c.Server.Proxies(); err != nil || p == nil || len(p) != 0 {
				t.Errorf("trusted_proxies: [] gave %#v, %v; want an empty list (trust none), not the default", p, err)
			}
		}},
		{name: "sign-up defaults", check: func(t *testing.T, c *Config) {
			if c.Subscribe.PendingTTL != 7*24*time.Hour || c.Subscribe.ConfirmMailsPerDay != 5 {
				t.Errorf("subscribe = %+v", c.Subscribe)
			}
		}},
		{name: "read timeout zero", file: "server:\n  read_timeout: 0s\n", wantErr: "server.read_timeout: must be positive"},
		{name: "server timeouts and metrics defaults", check: func(t *testing.T, c *Config) {
			if c.Server.ReadTimeout != 30*time.Second || c.Server.RequestTimeout != 60*time.Second || c.Server.MetricsListen != "" {
				t.Errorf("server = %+v", c.Server)
			}
			if p, err := c.Server.MetricsClients(); err != nil || len(p) != 2 || !p[0].Contains(netip.MustParseAddr("127.0.0.1")) || !p[1].Contains(netip.IPv6Loopback()) {
				t.Errorf("metrics_allow = %v (%v), want the loopback addresses", p, err)
			}
		}},
		{name: "bad port when smtp", file: "mail:\n  transport: smtp\n  smtp:\n    port: 0\n", wantErr: "mail.smtp.port: must be 1-65535, got 0"},
		{name: "bad driver", file: "store:\n  driver: mysql\n", wantErr: "store.driver: must be sqlite or postgres"},
		{name: "related floor out of range", file: "text:\n  related_min_score: 1.5\n", wantErr: "text.related_min_score: must be at least 0 and under 1, got 1.5"},
		{name: "topic weight out of range", file: "text:\n  related_topic_weight: -0.5\n", wantErr: "text.related_topic_weight: must be from 0 to 1, got -0.5"},
		{name: "bad timezone", file: "site:\n  timezone: Mars/Olympus\n", wantErr: "site.timezone"},
		{name: "bad approval", file: "digest:\n  approval: always\n", wantErr: `digest.approval: must be none or required, got "always"`},
		{name: "approval required from env", env: map[string]string{"NASHRA_DIGEST_APPROVAL": "required", "NASHRA_DIGEST_PREPARE_BEFORE": "90m"}, check: func(t *testing.T, c *Config) {
			if !c.Digest.RequireApproval() || c.Digest.PrepareBefore != 90*time.Minute {
				t.Errorf("approval %q, prepare_before %s", c.Digest.Approval, c.Digest.PrepareBefore)
			}
		}},
		{name: "prepare_before too long", file: "digest:\n  prepare_before: 30h\n", wantErr: "digest.prepare_before: must be between 1m and 23h, got 30h0m0s"},
		{name: "bad cron", file: "digest:\n  schedule: every morning\n", wantErr: "digest.schedule"},
		{name: "bad slug", file: "feeds:\n  categories:\n    - name: رياضة\n      slug: رياضة\n", wantErr: "feeds.categories[0].slug"},
		{name: "not yaml", file: "site: [\n", wantErr: "not valid YAML"},
		{name: "duration without unit", file: "server:\n  watch_interval: 2\n", wantErr: `server.watch_interval: must be a duration with a unit such as 30s, 5m or 24h, got "2"`},
		{name: "fractional duration without unit", file: "digest:\n  window: 1.5\n", wantErr: `digest.window: must be a duration with a unit`},
		{name: "duration without unit from env", env: map[string]string{"NASHRA_SERVER_WATCH_INTERVAL": "2"}, wantErr: "environment NASHRA_SERVER_WATCH_INTERVAL: server.watch_interval: must be a duration with a unit"},
		{name: "zero duration needs no unit", file: "server:\n  watch_interval: 0\n", check: func(t *testing.T, c *Config) {
			if c.Server.WatchInterval != 0 {
				t.Errorf("watch_interval = %v", c.Server.WatchInterval)
			}
		}},
		{name: "unknown env variable with suggestion", env: map[string]string{"NASHRA_SITE_TITEL": "x"}, wantErr: "environment NASHRA_SITE_TITEL: unknown variable (did you mean NASHRA_SITE_TITLE?)"},
		{name: "unknown env variable without suggestion", env: map[string]string{"NASHRA_COLOUR": "x"}, wantErr: "environment NASHRA_COLOUR: unknown variable"},
		{name: "variables that are not keys", env: map[string]string{"NASHRA_TEST_POSTGRES_URL": "postgres://x", "NASHRA_CONFIG": "", "NASHRAX": "y"}, check: func(t *testing.T, c *Config) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = write(t, tt.file)
			}
			c, err := LoadFrom(path, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				if strings.Count(err.Error(), "\n") > 0 {
					t.Errorf("error is not one line: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestUnreadableFile(t *testing.T) {
	_, err := LoadFrom(filepath.Join(t.TempDir(), "missing.yaml"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml: cannot read config file") {
		t.Fatalf("error = %v", err)
	}
}

func TestConfigFromEnvVariable(t *testing.T) {
	p := write(t, "site:\n  title: من المتغير\n")
	c, err := LoadFrom("", env(map[string]string{"NASHRA_CONFIG": p}))
	if err != nil || c.Site.Title != "من المتغير" || c.File != p {
		t.Fatalf("c=%+v err=%v", c, err)
	}
}

func TestDumpRedactsSecrets(t *testing.T) {
	c, err := LoadFrom("", env(map[string]string{
		"NASHRA_MAIL_SMTP_PASSWORD": "hunter2hunter2",
		"NASHRA_SECURITY_SECRET":    strings.Repeat("k", 40),
		"NASHRA_STORE_DSN":          "postgres://nashra:pg-pass-123@db/nashra",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := c.Dump(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, secret := range []string{"hunter2hunter2", strings.Repeat("k", 40), "pg-pass-123"} {
		if strings.Contains(out, secret) {
			t.Errorf("dump shows secret %q", secret)
		}
	}
	if !strings.Contains(out, "postgres://nashra:"+Redacted+"@db/nashra") {
		t.Errorf("dsn not redacted as expected:\n%s", out)
	}
}

func TestEveryKeyHasEnvAndIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		leaf := k.Name[strings.LastIndex(k.Name, ".")+1:]
		if !strings.Contains(string(doc), leaf+":") {
			t.Errorf("config.yaml does not document %s", k.Name)
		}
	}
}

// TestEveryErrorAtOnce: a config with several mistakes, in the file and in
// the environment, gets all of them in one run, one line each.
func TestEveryErrorAtOnce(t *testing.T) {
	p := write(t, "site:\n  titel: x\n  timezone: Mars/Olympus\nmail:\n  smtp:\n    port: many\n    hots: x\nserver:\n  watch_interval: 2\n")
	_, err := LoadFrom(p, env(map[string]string{"NASHRA_DIGEST_SCHEDUEL": "x", "NASHRA_DIGEST_WINDOW": "soon"}))
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		"site.titel: unknown key (did you mean site.title?)",
		"mail.smtp.hots: unknown key (did you mean mail.smtp.host?)",
		"environment NASHRA_DIGEST_SCHEDUEL: unknown variable (did you mean NASHRA_DIGEST_SCHEDULE?)",
		`mail.smtp.port: must be a whole number, got "many"`,
		"server.watch_interval: must be a duration with a unit",
		"environment NASHRA_DIGEST_WINDOW: digest.window: must be a duration",
		"site.timezone: must be an IANA time zone",
	}
	lines := strings.Split(err.Error(), "\n")
	for _, w := range want {
		n := 0
		for _, l := range lines {
			if strings.Contains(l, w) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d lines contain %q; error:\n%s", n, w, err)
		}
	}
	if len(lines) != len(want) {
		t.Errorf("%d lines, want %d:\n%s", len(lines), len(want), err)
	}
}

func TestRedactDSN(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://nashra:pg-pass@db/nashra", "postgres://nashra:" + Redacted + "@db/nashra"},
		{"postgres://nashra@db/nashra?sslmode=require&password=pg-pass", "postgres://nashra@db/nashra?sslmode=require&password=" + Redacted},
		{"postgres://db/nashra?user=n&PASSWORD=pg-pass&sslpassword=pg-pass2", "postgres://db/nashra?user=n&PASSWORD=" + Redacted + "&sslpassword=" + Redacted},
		{"host=db user=nashra password=pg-pass dbname=nashra", "host=db user=nashra password=" + Redacted + " dbname=nashra"},
		{"file:data/nashra.db?_pragma=busy_timeout(5000)", "file:data/nashra.db?_pragma=busy_timeout(5000)"},
		{"data/nashra.db", "data/nashra.db"},
	}
	for _, tt := range tests {
		if got := RedactDSN(tt.dsn); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}
