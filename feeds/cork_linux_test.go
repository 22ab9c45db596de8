package feeds

import (
	"bytes"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/testkit"
)

// TestServeFileCorksOverTCP: over a real TCP connection recorded by
// ConnContext, a large page goes out corked and the connection is uncorked
// after every response (a corked connection would hold back the next small
// one); the bytes are the page's, plain and gzip, and HEAD and 304 keep
// working on the same keep-alive connection.
func TestServeFileCorksOverTCP(t *testing.T) {
	body := []byte(strings.Repeat("<p dir=\"rtl\">نشرة اليوم: خبر عاجل عن الاقتصاد والرياضة.</p>\n", 400))
	f, err := NewPage("/articles/big", body, time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Body) < corkMin || f.Gzip == nil {
		t.Fatalf("fixture too small to take the corked path: %d bytes", len(f.Body))
	}
	var mu sync.Mutex
	var problems []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ServePage(w, r, f, "no-cache")
		rc := rawConn(r.Context())
		mu.Lock()
		defer mu.Unlock()
		if rc == nil {
			problems = append(problems, "no connection in the request context")
			return
		}
		var v int
		var gerr error
		rc.Control(func(fd uintptr) { v, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK) })
		if gerr != nil || v != 0 {
			problems = append(problems, "connection left corked after "+r.Method)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ConnContext: ConnContext}
	go srv.Serve(ln) //nolint:errcheck
	t.Cleanup(func() { srv.Close() })
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxConnsPerHost: 1}}
	do := func(method string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		return testkit.Request(t, client, method, "http://"+ln.Addr().String()+"/articles/big", hdr...)
	}
	for range 3 {
		if resp, b := do("GET"); resp.StatusCode != 200 || !bytes.Equal(b, f.Body) {
			t.Fatalf("GET: %d, %d bytes, want the page's %d", resp.StatusCode, len(b), len(f.Body))
		}
		resp, b := do("GET", "Accept-Encoding", "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(b, f.Gzip) {
			t.Fatalf("gzip GET: %q, %d bytes", resp.Header.Get("Content-Encoding"), len(b))
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, f.Body) {
			t.Fatalf("gunzip of the gzip variant differs from the plain page (%v)", err)
		}
		if resp, b := do("HEAD"); resp.StatusCode != 200 || len(b) != 0 || resp.ContentLength != int64(len(f.Body)) {
			t.Fatalf("HEAD: %d, body %d bytes, Content-Length %d", resp.StatusCode, len(b), resp.ContentLength)
		}
		if resp, _ := do("GET", "If-None-Match", f.ETag); resp.StatusCode != http.StatusNotModified {
			t.Fatalf("conditional GET: %d, want 304", resp.StatusCode)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Error(problems)
	}
}
