package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
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
		{name: "bad value type", file: "mail:\n  smtp:\n    port: many\n", wantErr: "mail.smtp.port: must be a whole number, got \"many\""},
		{name: "bad env value names variable", env: map[string]string{"NASHRA_DIGEST_WINDOW": "soon"}, wantErr: "environment NASHRA_DIGEST_WINDOW: digest.window"},
		{name: "invalid env value names variable", env: map[string]string{"NASHRA_SERVER_GC_PERCENT": "0"}, wantErr: "environment NASHRA_SERVER_GC_PERCENT: server.gc_percent: must be a positive"},
		{name: "bad trusted proxy from env", env: map[string]string{"NASHRA_SERVER_TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"}, wantErr: `environment NASHRA_SERVER_TRUSTED_PROXIES: server.trusted_proxies: "proxy.local" is neither`},
		{name: "bad port when smtp", file: "mail:\n  transport: smtp\n  smtp:\n    port: 0\n", wantErr: "mail.smtp.port: must be 1-65535, got 0"},
		{name: "bad driver", file: "store:\n  driver: mysql\n", wantErr: "store.driver: must be sqlite or postgres"},
		{name: "bad timezone", file: "site:\n  timezone: Mars/Olympus\n", wantErr: "site.timezone"},
		{name: "bad cron", file: "digest:\n  schedule: every morning\n", wantErr: "digest.schedule"},
		{name: "bad slug", file: "feeds:\n  categories:\n    - name: رياضة\n      slug: رياضة\n", wantErr: "feeds.categories[0].slug"},
		{name: "not yaml", file: "site: [\n", wantErr: "not valid YAML"},
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
