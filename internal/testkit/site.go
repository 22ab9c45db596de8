package testkit

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Site is a nashra site for a test: a config file in a temporary folder,
// with the SQLite store, the mail outbox and a content folder beside it
// and an address that was free to serve on.
type Site struct {
	Dir     string // the folder
	Config  string // Dir/config.yaml
	DB      string // Dir/nashra.db, the store unless a layer names another
	Outbox  string // Dir/outbox
	Content string // Dir/content, made empty; site.content_dir only if a layer says so
	Addr    string // host:port for server.listen
	Base    string // http://Addr, site.base_url
}

// siteBase is the config every test site starts from: its own store,
// outbox and address, no content folder; the rest is nashra's defaults.
const siteBase = `
site:
  base_url: "http://$ADDR"
  content_dir: ""
store:
  dsn: "$DIR/nashra.db"
server:
  listen: "$ADDR"
mail:
  outbox: "$DIR/outbox"
`

// NewSite writes a site's config: the base above, then each layer (YAML)
// merged over it key by key, a mapping into a mapping and anything else
// replacing what was there. In the base and the layers $DIR stands for the
// site's folder, $ADDR for its address and $BASE for http://$ADDR.
func NewSite(t testing.TB, layers ...string) *Site {
	t.Helper()
	dir := t.TempDir()
	s := &Site{Dir: dir, Config: filepath.Join(dir, "config.yaml"), DB: filepath.Join(dir, "nashra.db"),
		Outbox: filepath.Join(dir, "outbox"), Content: filepath.Join(dir, "content"), Addr: FreeAddr(t)}
	s.Base = "http://" + s.Addr
	if err := os.MkdirAll(s.Content, 0o755); err != nil {
		t.Fatal(err)
	}
	vars := strings.NewReplacer("$DIR", dir, "$ADDR", s.Addr, "$BASE", s.Base)
	cfg := map[string]any{}
	for i, layer := range append([]string{siteBase}, layers...) {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(vars.Replace(layer)), &m); err != nil {
			t.Fatalf("testkit.NewSite: layer %d: %v\n%s", i, err, layer)
		}
		merge(cfg, m)
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(cfg); err != nil {
		t.Fatal(err)
	}
	s.WriteConfig(t, b.String())
	return s
}

// WriteConfig replaces the site's config file with text.
func (s *Site) WriteConfig(t testing.TB, text string) {
	t.Helper()
	if err := os.WriteFile(s.Config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// ReadConfig returns the text of the site's config file.
func (s *Site) ReadConfig(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(s.Config)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// merge merges src into dst: mappings key by key, other values replacing.
func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// SMTPLayer is a config layer sending mail through the SMTP server at addr
// (host:port) without TLS.
func SMTPLayer(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("mail:\n  transport: smtp\n  smtp:\n    host: %q\n    port: %s\n    tls: none\n", host, port)
}
