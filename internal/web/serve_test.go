package web_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/web"
)

// serve runs web.Serve with handler on a loopback port until the test
// ends (shutdown within 2 s unless so says otherwise); it returns the
// address and a stop function that returns Serve's error.
func serve(t *testing.T, handler http.Handler, so web.ServeOptions) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if so.ShutdownTimeout == 0 {
		so.ShutdownTimeout = 2 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- web.Serve(ctx, ln, handler, so, slog.New(slog.DiscardHandler)) }()
	var once sync.Once
	var serr error
	stop = func() error {
		once.Do(func() { cancel(); serr = <-done })
		return serr
	}
	t.Cleanup(func() { stop() })
	return ln.Addr().String(), stop
}

// TestSlowBodyIsCut: clients that dribble a POST body (a byte every 100 ms
// of a 1,000-byte body) are cut off once server.read_timeout has passed,
// each of them, instead of holding their connections for as long as they
// like; a request whose handler outlives server.request_timeout loses its
// connection too.
func TestSlowBodyIsCut(t *testing.T) {
	var mu sync.Mutex
	var bodyErrs []error
	mux := http.NewServeMux()
	mux.HandleFunc("POST /subscribe", func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		mu.Lock()
		bodyErrs = append(bodyErrs, err)
		mu.Unlock()
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * time.Second)
		w.Write([]byte("late"))
	})
	addr, _ := serve(t, mux, web.ServeOptions{ReadTimeout: 500 * time.Millisecond, RequestTimeout: time.Second, ShutdownTimeout: time.Second})

	const clients = 8
	cut := make(chan time.Duration, clients)
	for range clients {
		go func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				cut <- -1
				return
			}
			defer c.Close()
			start := time.Now()
			fmt.Fprintf(c, "POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
			// Dribble until the server closes the connection (a write
			// fails), or give up after 10 s: not cut.
			go func() {
				for range 100 {
					if _, err := c.Write([]byte("a")); err != nil {
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}()
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err = io.Copy(io.Discard, c) // returns when the server closes
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				cut <- -1
				return
			}
			cut <- time.Since(start)
		}()
	}
	for range clients {
		if d := <-cut; d < 0 || d > 5*time.Second {
			t.Errorf("a slow body held its connection for %v (want cut after read_timeout, 500ms)", d)
		}
	}
	mu.Lock()
	for _, err := range bodyErrs {
		if err == nil {
			t.Error("a handler read a whole dribbled body")
		}
	}
	mu.Unlock()

	// The whole request is bounded too: a response later than
	// request_timeout never arrives, the connection is closed.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if res, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
		b, _ := io.ReadAll(res.Body)
		t.Errorf("a response after request_timeout: %d %q", res.StatusCode, b)
	}
}

// TestRequestContextDeadline: a page handler's context ends after
// Options.RequestTimeout, so its database work stops with the request.
func TestRequestContextDeadline(t *testing.T) {
	srv := web.New(web.Options{RequestTimeout: 100 * time.Millisecond, Routes: func(mux *http.ServeMux) {
		mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
				http.Error(w, "cut", http.StatusServiceUnavailable)
			case <-time.After(5 * time.Second):
				w.Write([]byte("late"))
			}
		})
	}})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/slow", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("a handler outliving request_timeout: %d %q", rec.Code, rec.Body.String())
	}
}
