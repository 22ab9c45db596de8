package web

import (
	"bufio"
	"bytes"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http/httpguts"

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

// FuzzParseHead: whatever head parseHead accepts, net/http reads as the
// same request — method, path, protocol, Host, the headers the fast path
// uses, no body, and whether the connection closes — so the fast path never
// answers a request net/http would have refused or read otherwise.
func FuzzParseHead(f *testing.F) {
	for _, s := range []string{
		"GET /atom.xml HTTP/1.1\r\nHost: nashra.example\r\n\r\n",
		"HEAD /feed.json?x=%41 HTTP/1.0\r\nConnection: keep-alive\r\nAccept-Encoding: gzip;q=1\r\n\r\n",
		"GET / HTTP/1.1\r\nhost: a:80\r\nIf-None-Match: W/\"x\"\r\nIf-Modified-Since: Thu, 03 Dec 2026 10:00:00 GMT\r\nConnection: close\r\n\r\n",
		"GET /a;b=c HTTP/1.1\r\nHost: [::1]:8080\r\nX-A: \t v \x80\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r feeds.RawRequest
		var conn byte
		n, ok := parseHead(b, &r, &conn)
		if !ok || n == 0 {
			return
		}
		head := b[:n]
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
		if err != nil {
			t.Fatalf("parseHead takes %q, net/http refuses it: %v", head, err)
		}
		want := "GET"
		if r.Head {
			want = "HEAD"
		}
		for k, vv := range req.Header {
			for _, v := range vv {
				if !httpguts.ValidHeaderFieldName(k) || !httpguts.ValidHeaderFieldValue(v) {
					t.Fatalf("%q: a header net/http's server refuses: %q: %q", head, k, v)
				}
			}
		}
		switch {
		case req.Method != want || req.URL.Path != r.Path || (req.ProtoMinor == 0) != r.HTTP10:
			t.Fatalf("%q: parseHead read %s %q (HTTP/1.0 %v), net/http %s %q %s", head, want, r.Path, r.HTTP10, req.Method, req.URL.Path, req.Proto)
		case req.ProtoMinor == 1 && req.Host == "", !httpguts.ValidHostHeader(req.Host):
			t.Fatalf("%q: a Host net/http refuses (%q)", head, req.Host)
		case req.ContentLength != 0 || len(req.TransferEncoding) > 0 || req.Header.Get("Expect") != "" || req.Header.Get("Upgrade") != "":
			t.Fatalf("%q: a body, Expect or Upgrade", head)
		case req.Header.Get("Accept-Encoding") != r.AcceptEncoding || req.Header.Get("If-None-Match") != r.IfNoneMatch ||
			req.Header.Get("If-Modified-Since") != r.IfModifiedSince:
			t.Fatalf("%q: headers read differently: %+v", head, r)
		case len(req.Header["Accept-Encoding"]) > 1 || len(req.Header["If-None-Match"]) > 1 || len(req.Header["If-Modified-Since"]) > 1:
			t.Fatalf("%q: a repeated header taken", head)
		case req.Close != (conn == connClose || r.HTTP10 && conn != connKeepAlive):
			t.Fatalf("%q: net/http closes: %v, parseHead's Connection %d", head, req.Close, conn)
		}
	})
}
