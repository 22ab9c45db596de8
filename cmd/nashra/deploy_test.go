package main

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/web"
)

// TestDeployTrustedProxies: with deploy/config.postgres.yaml (nodes in
// containers behind a proxy in another container), two visitors behind
// the proxy are told apart by the X-Forwarded-For the proxy appends, and
// an address a visitor puts in the header itself is not believed; the
// site's port serves no /metrics.
func TestDeployTrustedProxies(t *testing.T) {
	cfg, err := config.LoadFrom(filepath.Join(testkit.RepoRoot(t), "deploy", "config.postgres.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	trusted, err := cfg.Server.Proxies()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.MetricsListen == "" || cfg.Server.MetricsListen == cfg.Server.Listen {
		t.Errorf("deploy config serves /metrics on the site's port (metrics_listen %q)", cfg.Server.MetricsListen)
	}
	const proxy = "172.18.0.3:41000" // the proxy container, on Docker's default network range
	for _, tt := range []struct{ xff, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"198.51.100.20", "198.51.100.20"},
		{"10.9.9.9, 203.0.113.7", "203.0.113.7"}, // the visitor's own header, then what the proxy saw
		{"", proxy},
	} {
		r := httptest.NewRequest("POST", "/subscribe", nil)
		r.RemoteAddr = proxy
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := web.ClientAddr(r, trusted); got != tt.want {
			t.Errorf("behind the proxy, X-Forwarded-For %q: client %q, want %q", tt.xff, got, tt.want)
		}
	}
	// A client reaching a node directly is taken as it is.
	r := httptest.NewRequest("POST", "/subscribe", nil)
	r.RemoteAddr = "203.0.113.50:5000"
	r.Header.Set("X-Forwarded-For", "192.0.2.1")
	if got := web.ClientAddr(r, trusted); got != r.RemoteAddr {
		t.Errorf("direct client with a forged header: %q", got)
	}
}
