package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/web"
)

// pathCounter records the paths of the requests counted through it.
type pathCounter struct {
	mu    sync.Mutex
	paths []string
}

func (c *pathCounter) Request(path string, _ int) {
	c.mu.Lock()
	c.paths = append(c.paths, path)
	c.mu.Unlock()
}

func (c *pathCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.paths)
}

// TestServeFastPathSwitch: serve's server.listen options (siteServeOptions)
// on a site's config and its built feeds answer the feeds and the index on
// the fast path by default, and through net/http (its handler counts them,
// the fast path none) with server.fast_path: false; the answers are 200
// either way.
func TestServeFastPathSwitch(t *testing.T) {
	for _, tc := range []struct {
		name   string
		layer  string
		onFast bool
	}{
		{"default", "", true},
		{"off", "server:\n  fast_path: false\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			site := metricsSite(t, tc.layer)
			a := &app{configFile: site.Config, err: io.Discard, log: slog.New(slog.DiscardHandler)}
			cfg, err := a.config()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b, err := openStore(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			set, err := newPublisher(a, cfg, b.Store).Build(ctx)
			if err != nil {
				t.Fatal(err)
			}
			h := feeds.NewHandler(set)
			fast, plain := &pathCounter{}, &pathCounter{}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				done <- web.Serve(ctx, ln, web.Instrument(h, plain, nil), siteServeOptions(cfg, h, fast), a.log)
			}()
			base := "http://" + ln.Addr().String()
			paths := []string{"/feed.xml", "/atom.xml", "/feed.json", "/"}
			for _, p := range paths {
				res, err := http.Get(base + p)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Errorf("GET %s: %d", p, res.StatusCode)
				}
			}
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("serve did not stop")
			}
			want := map[bool]int{true: len(paths), false: 0}
			if fast.count() != want[tc.onFast] || plain.count() != want[!tc.onFast] {
				t.Errorf("fast path answered %d, net/http %d of %d requests; want fast path on = %v", fast.count(), plain.count(), len(paths), tc.onFast)
			}
		})
	}
}
