package testkit

import (
	"io"
	"net/http"
	"testing"
)

// rawClient asks for no compression of its own, so a body is what the
// server sends for the headers the test gives (Accept-Encoding included).
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// Request sends method url through c (when nil, a client that adds no
// Accept-Encoding and decodes nothing) with the headers given as name,
// value pairs, and returns the response with its whole body read and
// closed; an error fails the test.
func Request(t testing.TB, c *http.Client, method, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	if c == nil {
		c = rawClient
	}
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return res, b
}

// Fetch GETs url and returns the status and the body, or 0 and "" when
// the request fails: for polling a server that may not be up yet.
func Fetch(url string) (int, string) {
	res, err := http.Get(url)
	if err != nil {
		return 0, ""
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, ""
	}
	return res.StatusCode, string(b)
}
