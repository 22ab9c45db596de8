package web

import (
	"testing"
	"time"

	"github.com/nashra/nashra/feeds"
)

// TestFastPathAllocatesNothing: parsing a request head and preparing its
// response (head and body) allocates nothing once the connection's buffers
// have grown, for 200, gzip, HEAD and 304.
func TestFastPathAllocatesNothing(t *testing.T) {
	set, err := feeds.Build(feeds.Options{BaseURL: "https://nashra.example", Title: "نشرة"}, feeds.Input{})
	if err != nil {
		t.Fatal(err)
	}
	h := feeds.NewHandler(set)
	idx, _ := set.Get("/")
	s := &fastServer{}
	for _, raw := range []string{
		"GET /atom.xml HTTP/1.1\r\nHost: nashra.example\r\nUser-Agent: wrk\r\n\r\n",
		"GET /feed.json?x=1 HTTP/1.1\r\nHost: nashra.example\r\nAccept-Encoding: gzip, br\r\n\r\n",
		"HEAD / HTTP/1.1\r\nHost: nashra.example\r\nConnection: close\r\n\r\n",
		"GET /feed.xml HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"GET /index.html HTTP/1.1\r\nHost: nashra.example\r\nIf-None-Match: " + idx.ETag + "\r\n\r\n",
	} {
		buf := []byte(raw)
		var out []byte
		var req feeds.RawRequest
		var conn byte
		serve := func() {
			n, ok := parseHead(buf, &req, &conn)
			if !ok || n != len(buf) {
				t.Fatalf("%q: parsed %d bytes, ok %v", raw, n, ok)
			}
			head, f, _, _ := h.AppendResponse(out[:0], &req, s.extra(fixedNow).keep)
			if f == nil {
				t.Fatalf("%q: not served", raw)
			}
			out = head
		}
		if a := testing.AllocsPerRun(100, serve); a != 0 {
			t.Errorf("%q: %.1f allocations a request", raw, a)
		}
	}
}

var fixedNow = time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
