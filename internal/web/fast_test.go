package web_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/web"
)

// startServe runs web.Serve on a loopback port with the feeds of h, with
// the fast path when count is not nil; it returns the address and a stop
// function that returns Serve's error.
func startServe(t *testing.T, h *feeds.Handler, count *web.RequestLog, so web.ServeOptions) (addr string, stop func() error) {
	t.Helper()
	if count != nil {
		so.Fast = &web.FastPath{Feeds: h, Count: count}
	}
	return serve(t, web.New(web.Options{Feeds: h, Log: slog.New(slog.DiscardHandler)}), so)
}

// exchange writes req on a new connection and reads the responses to it
// (the requests' methods in order) into a comparable text: status, headers
// but Date, body; "no response" where the server closed the connection.
func exchange(t *testing.T, addr, req string, methods ...string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	var b strings.Builder
	for _, m := range methods {
		res, err := http.ReadResponse(br, &http.Request{Method: m})
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal("no response in 5 s")
			}
			b.WriteString("no response\n")
			break
		}
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("reading a response body: %v", err)
		}
		b.WriteString(res.Status + "\n")
		res.Header.Del("Date")
		keys := make([]string, 0, len(res.Header))
		for k := range res.Header {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b.WriteString(k + ": " + strings.Join(res.Header[k], " | ") + "\n")
		}
		b.WriteString(string(body) + "\n--\n")
	}
	return b.String()
}

// TestFastPathAnswersAsNetHTTP sends the same raw requests to a server
// with the fast path and to one without, and compares the responses (all
// headers but Date, and the bodies): feeds, the index, gzip, HEAD, 304 on
// either ETag or on a date, Connection: close, and the requests the fast
// path leaves to net/http — other paths and methods, HTTP/1.0, Expect,
// malformed ones. It checks which of them the fast path answered itself.
func TestFastPathAnswersAsNetHTTP(t *testing.T) {
	set := feedSet(t, 10)
	h := feeds.NewHandler(set)
	count := &web.RequestLog{}
	fastAddr, _ := startServe(t, h, count, web.ServeOptions{})
	plainAddr, _ := startServe(t, h, nil, web.ServeOptions{})
	atom, _ := set.Get("/atom.xml")
	gzTag := strings.TrimSuffix(atom.ETag, `"`) + `-gz"`
	mod := atom.Modified.UTC().Format(http.TimeFormat)
	before := atom.Modified.Add(-time.Hour).UTC().Format(http.TimeFormat)
	host := "Host: nashra.example\r\n"
	get := func(path string, hdr ...string) string {
		return "GET " + path + " HTTP/1.1\r\n" + host + strings.Join(hdr, "") + "\r\n"
	}
	cases := []struct {
		name, req string
		methods   []string // one per response expected
		fast      []string // what the fast path answered, as counted
	}{
		{"GET", get("/atom.xml"), []string{"GET"}, []string{"/atom.xml OK"}},
		{"index", get("/"), []string{"GET"}, []string{"/ OK"}},
		{"index.html", get("/index.html"), []string{"GET"}, []string{"/index.html OK"}},
		{"JSON Feed", get("/feed.json"), []string{"GET"}, []string{"/feed.json OK"}},
		{"query", get("/feed.xml?utm_source=x&b=%41"), []string{"GET"}, []string{"/feed.xml OK"}},
		{"gzip", get("/atom.xml", "Accept-Encoding: gzip, deflate, br\r\n"), []string{"GET"}, []string{"/atom.xml OK"}},
		{"x-gzip lower case header", get("/atom.xml", "accept-encoding: x-gzip\r\n"), []string{"GET"}, []string{"/atom.xml OK"}},
		{"gzip;q=0", get("/atom.xml", "Accept-Encoding: gzip;q=0, *\r\n"), []string{"GET"}, []string{"/atom.xml OK"}},
		{"HEAD", "HEAD /atom.xml HTTP/1.1\r\n" + host + "\r\n", []string{"HEAD"}, []string{"/atom.xml OK"}},
		{"HEAD gzip", "HEAD /atom.xml HTTP/1.1\r\n" + host + "Accept-Encoding: gzip\r\n\r\n", []string{"HEAD"}, []string{"/atom.xml OK"}},
		{"If-None-Match", get("/atom.xml", "If-None-Match: "+atom.ETag+"\r\n"), []string{"GET"}, []string{"/atom.xml Not Modified"}},
		{"If-None-Match gzip", get("/atom.xml", "Accept-Encoding: gzip\r\n", "If-None-Match: W/"+gzTag+"\r\n"), []string{"GET"}, []string{"/atom.xml Not Modified"}},
		{"If-None-Match list", get("/atom.xml", `If-None-Match: "x", `+atom.ETag+"\r\n"), []string{"GET"}, []string{"/atom.xml Not Modified"}},
		{"If-None-Match other", get("/atom.xml", "If-None-Match: \"other\"\r\n", "If-Modified-Since: "+mod+"\r\n"), []string{"GET"}, []string{"/atom.xml OK"}},
		{"If-Modified-Since", get("/atom.xml", "If-Modified-Since: "+mod+"\r\n"), []string{"GET"}, []string{"/atom.xml Not Modified"}},
		{"If-Modified-Since earlier", get("/atom.xml", "If-Modified-Since: "+before+"\r\n"), []string{"GET"}, []string{"/atom.xml OK"}},
		{"If-Modified-Since bad date", get("/atom.xml", "If-Modified-Since: yesterday\r\n"), []string{"GET"}, []string{"/atom.xml OK"}},
		{"HEAD 304", "HEAD /atom.xml HTTP/1.1\r\n" + host + "If-None-Match: *\r\n\r\n", []string{"HEAD"}, []string{"/atom.xml Not Modified"}},
		{"Connection: close", get("/atom.xml", "Connection: close\r\n"), []string{"GET"}, []string{"/atom.xml OK"}},
		{"Connection: keep-alive", get("/atom.xml", "Connection: Keep-Alive\r\n", "User-Agent: قارئ/1.0\r\n"), []string{"GET"}, []string{"/atom.xml OK"}},
		{"spaces around values", get("/atom.xml", "Accept-Encoding: \t gzip \r\n"), []string{"GET"}, []string{"/atom.xml OK"}},

		{"not a feed", get("/nope"), []string{"GET"}, nil},
		{"POST", "POST /atom.xml HTTP/1.1\r\n" + host + "Content-Length: 2\r\n\r\nab", []string{"POST"}, nil},
		{"OPTIONS", "OPTIONS /atom.xml HTTP/1.1\r\n" + host + "\r\n", []string{"OPTIONS"}, nil},
		{"HTTP/1.0", "GET /atom.xml HTTP/1.0\r\n\r\n", []string{"GET", "GET"}, []string{"/atom.xml OK"}},
		{"HTTP/1.0 keep-alive", "GET /atom.xml HTTP/1.0\r\nConnection: keep-alive\r\nAccept-Encoding: gzip\r\n\r\n" +
			"HEAD /feed.json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" +
			"GET /feed.xml HTTP/1.0\r\nConnection: keep-alive\r\nIf-None-Match: *\r\n\r\n" + "GET / HTTP/1.0\r\nHost: nashra.example\r\n\r\n" + get("/feed.xml"),
			[]string{"GET", "HEAD", "GET", "GET", "GET"}, []string{"/atom.xml OK", "/feed.json OK", "/feed.xml Not Modified", "/ OK"}},
		{"HTTP/1.0 close", "GET /atom.xml HTTP/1.0\r\nConnection: close\r\n\r\n" + get("/feed.xml"), []string{"GET", "GET"}, []string{"/atom.xml OK"}},
		{"HTTP/1.0 not a feed", "GET /nope HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + get("/feed.xml"), []string{"GET", "GET"}, nil},
		{"HTTP/1.2", "GET /atom.xml HTTP/1.2\r\n" + host + "\r\n", []string{"GET"}, nil},
		{"HTTP/0.9", "GET /atom.xml\r\n\r\n", []string{"GET"}, nil},
		{"escaped path", get("/%61tom.xml"), []string{"GET"}, nil},
		{"unclean path", get("/./atom.xml"), []string{"GET"}, nil},
		{"absolute form", "GET http://nashra.example/atom.xml HTTP/1.1\r\n" + host + "\r\n", []string{"GET"}, nil},
		{"Expect", get("/atom.xml", "Expect: 100-continue\r\n"), []string{"GET"}, nil},
		{"GET with a body", get("/atom.xml", "Content-Length: 3\r\n") + "abc", []string{"GET"}, nil},
		{"chunked", get("/atom.xml", "Transfer-Encoding: chunked\r\n") + "0\r\n\r\n", []string{"GET"}, nil},
		{"Upgrade", get("/atom.xml", "Connection: Upgrade\r\n", "Upgrade: h2c\r\n"), []string{"GET"}, nil},
		{"no Host", "GET /atom.xml HTTP/1.1\r\n\r\n", []string{"GET"}, nil},
		{"two Hosts", get("/atom.xml", "Host: other.example\r\n"), []string{"GET"}, nil},
		{"empty Host", "GET /atom.xml HTTP/1.1\r\nHost:\r\n\r\n", []string{"GET"}, nil},
		{"bad Host", "GET /atom.xml HTTP/1.1\r\nHost: a b\r\n\r\n", []string{"GET"}, nil},
		{"no colon", get("/atom.xml", "Accept-Encoding gzip\r\n"), []string{"GET"}, nil},
		{"space before colon", get("/atom.xml", "Accept-Encoding : gzip\r\n"), []string{"GET"}, nil},
		{"folded line", get("/atom.xml", "X-A: 1\r\n", " 2\r\n"), []string{"GET"}, nil},
		{"control byte", get("/atom.xml", "X-A: 1\x012\r\n"), []string{"GET"}, nil},
		{"bare LF", "GET /atom.xml HTTP/1.1\nHost: nashra.example\n\n", []string{"GET"}, nil},
		{"lower-case method", "get /atom.xml HTTP/1.1\r\n" + host + "\r\n", []string{"GET"}, nil},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", []string{"GET"}, nil},
		{"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", []string{"GET"}, nil},
		{"head over 4 KiB", get("/atom.xml", "X-Long: "+strings.Repeat("a", 5000)+"\r\n"), []string{"GET"}, nil},
		{"two If-None-Match", get("/atom.xml", "If-None-Match: \"x\"\r\n", "If-None-Match: "+atom.ETag+"\r\n"), []string{"GET"}, nil},
		{"empty If-None-Match", get("/atom.xml", "If-None-Match:\r\n", "If-Modified-Since: "+mod+"\r\n"), []string{"GET"}, nil},

		{"pipelined, with net/http in the middle", get("/atom.xml") + "HEAD /feed.json HTTP/1.1\r\n" + host + "\r\n" + get("/nope") + get("/feed.xml", "Accept-Encoding: gzip\r\n"),
			[]string{"GET", "HEAD", "GET", "GET"}, []string{"/atom.xml OK", "/feed.json OK"}},
		{"pipelined, closed after the second", get("/atom.xml") + get("/feed.json", "Connection: close\r\n") + get("/feed.xml"),
			[]string{"GET", "GET", "GET"}, []string{"/atom.xml OK", "/feed.json OK"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			count.Take()
			want := exchange(t, plainAddr, tc.req, tc.methods...)
			got := exchange(t, fastAddr, tc.req, tc.methods...)
			if got != want {
				t.Errorf("with the fast path:\n%.3000s\nwithout:\n%.3000s", got, want)
			}
			if fast := count.Take(); !slices.Equal(fast, tc.fast) {
				t.Errorf("answered by the fast path: %q, want %q", fast, tc.fast)
			}
			if !strings.Contains(want, "--") {
				t.Fatalf("no response at all:\n%s", want)
			}
		})
	}
}

// TestFastPathHeaders: a fast response carries the security headers, the
// validators and the exact bytes of the Set; a rebuild swapped in is
// served with a later Last-Modified.
func TestFastPathHeaders(t *testing.T) {
	old, next := feedSet(t, 10), feedSet(t, 12)
	h := feeds.NewHandler(old)
	count := &web.RequestLog{}
	addr, _ := startServe(t, h, count, web.ServeOptions{})
	res, err := http.Get("http://" + addr + "/atom.xml")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	atom, _ := old.Get("/atom.xml")
	// http.Get asks for gzip and unpacks it.
	if !bytes.Equal(body, atom.Body) || !res.Uncompressed {
		t.Fatalf("body of %d bytes (uncompressed by the client: %v), want the Set's %d", len(body), res.Uncompressed, len(atom.Body))
	}
	for k, v := range map[string]string{
		"Content-Security-Policy": web.ContentSecurityPolicy, "X-Content-Type-Options": "nosniff",
		"X-Frame-Options": "DENY", "Referrer-Policy": "strict-origin-when-cross-origin",
		"Cross-Origin-Opener-Policy": "same-origin", "Content-Type": feeds.TypeAtom,
		"Last-Modified": atom.Modified.UTC().Format(http.TimeFormat), "Cache-Control": "public, max-age=300",
		"Vary": "Accept-Encoding",
	} {
		if got := res.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if d, err := http.ParseTime(res.Header.Get("Date")); err != nil || time.Since(d) > 5*time.Second {
		t.Errorf("Date %q: %v", res.Header.Get("Date"), err)
	}
	h.Swap(next)
	res, err = http.Get("http://" + addr + "/atom.xml")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	natom, _ := next.Get("/atom.xml")
	lm, _ := http.ParseTime(res.Header.Get("Last-Modified"))
	if !bytes.Equal(body, natom.Body) || !lm.After(atom.Modified) {
		t.Errorf("after Swap: new body %v, Last-Modified %v (before %v)", bytes.Equal(body, natom.Body), lm, atom.Modified)
	}
	if got := count.Take(); len(got) != 2 {
		t.Errorf("fast path answered %q, want both requests", got)
	}
}

// TestFastPathKeepAlive: a client's connection is kept for the next
// requests, and a head that arrives a few bytes at a time is still
// answered by the fast path.
func TestFastPathKeepAlive(t *testing.T) {
	set := feedSet(t, 3)
	h := feeds.NewHandler(set)
	count := &web.RequestLog{}
	addr, _ := startServe(t, h, count, web.ServeOptions{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	reused := 0
	for i := range 5 {
		req, _ := http.NewRequest("GET", "http://"+addr+"/feed.json", nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(ci httptrace.GotConnInfo) {
				if ci.Reused {
					reused++
				}
			}}))
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Close {
			t.Fatalf("request %d: %s, close %v", i, res.Status, res.Close)
		}
	}
	if reused != 4 || len(count.Take()) != 5 {
		t.Errorf("%d of 4 connections reused; fast path answered 5?", reused)
	}

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "GET /atom.xml HTTP/1.1\r\nHost: nashra.example\r\nAccept-Encoding: gzip\r\n\r\n"
	for i := 0; i < len(req); i += 7 {
		c.Write([]byte(req[i:min(i+7, len(req))]))
		time.Sleep(2 * time.Millisecond)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("request written in pieces: %s, %q", res.Status, res.Header.Get("Content-Encoding"))
	}
	if got := count.Take(); !slices.Equal(got, []string{"/atom.xml OK"}) {
		t.Errorf("fast path answered %q", got)
	}
}

// TestFastPathTimeouts: a connection whose request head does not arrive
// within the read timeout is closed, as net/http closes it, whether it is
// a connection's first request or a later one.
func TestFastPathTimeouts(t *testing.T) {
	h := feeds.NewHandler(feedSet(t, 3))
	addr, _ := startServe(t, h, &web.RequestLog{}, web.ServeOptions{ReadTimeout: 300 * time.Millisecond})
	for _, first := range []bool{true, false} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		if !first {
			io.WriteString(c, "GET /feed.xml HTTP/1.1\r\nHost: x\r\n\r\n")
			res, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
		}
		io.WriteString(c, "GET /feed.xml HTTP/1.1\r\nHo") // and nothing more
		start := time.Now()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = br.ReadByte()
		if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("first request %v: the stalled connection is still open after %v (%v)", first, time.Since(start), err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("first request %v: closed after %v, want about the read timeout", first, d)
		}
		c.Close()
	}
}

// TestFastPathShutdown: on shutdown an idle kept-alive connection is
// closed and Serve returns in time; a connection handed to net/http is
// shut down by net/http.
func TestFastPathShutdown(t *testing.T) {
	h := feeds.NewHandler(feedSet(t, 3))
	addr, stop := startServe(t, h, &web.RequestLog{}, web.ServeOptions{ShutdownTimeout: 3 * time.Second})
	var conns []net.Conn
	for _, path := range []string{"/feed.xml", "/nope"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		conns = append(conns, c)
	}
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("shutdown took %v with idle connections only", d)
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(time.Second))
		if n, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("connection %d after shutdown: %d bytes, %v, want EOF", i, n, err)
		}
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("the listener still accepts after shutdown")
	}
}
