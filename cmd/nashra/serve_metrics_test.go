package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// status makes a request and returns its status code and body.
func status(t *testing.T, method, url string) (int, string) {
	t.Helper()
	res, body := testkit.Request(t, nil, method, url)
	return res.StatusCode, string(body)
}

// metricsSite is a test site (testkit.NewSite) without a content folder
// or its watcher, logging errors only; layers go over that.
func metricsSite(t *testing.T, layers ...string) *testkit.Site {
	t.Helper()
	return testkit.NewSite(t, append([]string{"server:\n  watch_interval: 0s\nlog:\n  level: error\n"}, layers...)...)
}

// TestServeMetricsAccess: on server.listen, /metrics answers GET and HEAD
// to server.metrics_allow only (with each newsletter's followers); with
// server.metrics_listen it moves to that address (with /healthz and
// /readyz) and leaves server.listen.
func TestServeMetricsAccess(t *testing.T) {
	t.Run("allow list", func(t *testing.T) {
		site := metricsSite(t, `server: {metrics_allow: ["192.0.2.0/24"]}`)
		serveSite(t, site)
		addr := site.Addr
		if code, body := status(t, "GET", "http://"+addr+"/metrics"); code != http.StatusForbidden {
			t.Errorf("/metrics to a client outside metrics_allow: %d\n%.300s", code, body)
		}
	})
	t.Run("default loopback", func(t *testing.T) {
		site := metricsSite(t)
		serveSite(t, site)
		addr := site.Addr
		if code, body := status(t, "GET", "http://"+addr+"/metrics"); code != 200 || !strings.Contains(body, "nashra_database_up 1") ||
			!strings.Contains(body, `nashra_newsletter_followers{newsletter="daily"} 0`) {
			t.Errorf("/metrics from loopback (with the default newsletter's followers): %d\n%s", code, body)
		}
		if code, _ := status(t, "DELETE", "http://"+addr+"/metrics"); code != http.StatusMethodNotAllowed {
			t.Errorf("DELETE /metrics: %d, want 405", code)
		}
	})
	t.Run("own listener", func(t *testing.T) {
		maddr := testkit.FreeAddr(t)
		site := metricsSite(t, "server: {metrics_listen: "+maddr+"}")
		serveSite(t, site)
		addr := site.Addr
		if code, _ := status(t, "GET", "http://"+addr+"/metrics"); code != http.StatusNotFound {
			t.Errorf("/metrics on server.listen with metrics_listen set: %d, want 404", code)
		}
		if code, body := status(t, "GET", "http://"+maddr+"/metrics"); code != 200 || !strings.Contains(body, "nashra_http_requests_total") {
			t.Errorf("/metrics on metrics_listen: %d\n%.300s", code, body)
		}
		if code, _ := status(t, "GET", "http://"+maddr+"/readyz"); code != 200 {
			t.Errorf("/readyz on metrics_listen: %d", code)
		}
		if code, _ := status(t, "POST", "http://"+maddr+"/metrics"); code != http.StatusMethodNotAllowed {
			t.Errorf("POST /metrics: %d, want 405", code)
		}
	})
}

// TestServePurgesStaleSignUps: serve erases sign-ups left unconfirmed for
// longer than subscribe.pending_ttl (at start, then hourly).
func TestServePurgesStaleSignUps(t *testing.T) {
	site := metricsSite(t, "subscribe:\n  pending_ttl: 168h\n")
	ctx := context.Background()
	st := teststore.SQLiteAt(t, site.DB)
	for _, s := range []*store.Subscriber{
		{Email: "stale@example.org", Status: store.StatusPending, Source: store.SourceForm, CreatedAt: time.Now().Add(-8 * 24 * time.Hour)},
		{Email: "fresh@example.org", Status: store.StatusPending, Source: store.SourceForm, CreatedAt: time.Now().Add(-6 * 24 * time.Hour)},
		{Email: "reader@example.org", Status: store.StatusConfirmed, Source: store.SourceForm, CreatedAt: time.Now().Add(-30 * 24 * time.Hour)},
	} {
		if _, err := st.AddSubscriber(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	serveSite(t, site)
	testkit.WaitFor(t, 10*time.Second, "the stale pending subscriber is deleted", func() bool {
		_, err := st.SubscriberByEmail(ctx, "stale@example.org")
		return errors.Is(err, store.ErrNotFound)
	})
	for _, e := range []string{"fresh@example.org", "reader@example.org"} {
		if _, err := st.SubscriberByEmail(ctx, e); err != nil {
			t.Errorf("%s: %v", e, err)
		}
	}
}
