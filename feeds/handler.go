package feeds

import (
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Handler serves a Set from memory: content types with charset, strong
// ETags, Last-Modified, 304 on conditional GET, HEAD, precomputed gzip
// (with its own ETag and Vary: Accept-Encoding) and Cache-Control. Serving a
// file allocates nothing beyond what net/http does itself. Swap replaces the
// Set atomically, so rebuilt feeds show up without a restart.
type Handler struct {
	set atomic.Pointer[Set]
}

// NewHandler returns a Handler serving s.
func NewHandler(s *Set) *Handler {
	h := &Handler{}
	h.set.Store(s)
	return h
}

// Swap makes the Handler serve s from the next request on. A file whose
// bytes changed gets a Last-Modified later than the one it replaces (the
// swap time when its own would not be), so a reader asking only
// If-Modified-Since sees every change — also an article removed from a
// feed, which makes no newer date; an unchanged file keeps its old one.
func (h *Handler) Swap(s *Set) {
	if prev := h.set.Load(); prev != nil && s != nil {
		s.carryModified(prev, time.Now())
	}
	h.set.Store(s)
}

// Serves reports whether path is one of the files of the Set being served
// ("/" included), so a router can hand feed requests over directly.
func (h *Handler) Serves(path string) bool {
	s := h.set.Load()
	if s == nil {
		return false
	}
	_, ok := s.Get(path)
	return ok
}

// Set returns the Set being served.
func (h *Handler) Set() *Set { return h.set.Load() }

var (
	hdrAllow   = []string{"GET, HEAD"}
	hdrVary    = []string{"Accept-Encoding"}
	hdrGzip    = []string{"gzip"}
	hdrNoSniff = []string{"nosniff"}
)

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header()["Allow"] = hdrAllow
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s := h.set.Load()
	if s == nil {
		http.Error(w, "feeds not built yet", http.StatusServiceUnavailable)
		return
	}
	f, ok := s.Get(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	serveFile(w, r, f, s.hCache)
}

// NewPage prepares a page rendered per request (an article page, an
// edition) for ServePage: its ETag and gzip copy are computed here.
func NewPage(path string, body []byte, modified time.Time) (*File, error) {
	f := &File{Path: path, ContentType: TypeHTML, Body: body, Modified: modified}
	if err := f.finish(); err != nil {
		return nil, err
	}
	return f, nil
}

// ServePage serves f as the Handler serves feeds — ETag, Last-Modified,
// 304 on conditional GET, HEAD, gzip when accepted — with the given
// Cache-Control.
func ServePage(w http.ResponseWriter, r *http.Request, f *File, cacheControl string) {
	serveFile(w, r, f, []string{cacheControl})
}

// serveFile writes f (or 304) for a GET or HEAD request.
func serveFile(w http.ResponseWriter, r *http.Request, f *File, cache []string) {
	hdr := w.Header()
	body, etag := f.Body, f.hETag
	gz := false
	if f.Gzip != nil {
		hdr["Vary"] = hdrVary
		if acceptsGzip(r.Header["Accept-Encoding"]) {
			gz, body, etag = true, f.Gzip, f.hGzETag
		}
	}
	hdr["Etag"] = etag
	hdr["Last-Modified"] = f.hMod
	hdr["Cache-Control"] = cache
	if notModified(r, f) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr["Content-Type"] = f.hType
	hdr["X-Content-Type-Options"] = hdrNoSniff
	if gz {
		hdr["Content-Encoding"] = hdrGzip
		hdr["Content-Length"] = f.hGzLen
	} else {
		hdr["Content-Length"] = f.hLen
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	rc := rawConn(r.Context())
	if rc == nil || len(body) < corkMin {
		w.Write(body) //nolint:errcheck // the client went away; nothing to do
		return
	}
	cork(rc, true)
	w.Write(body)                         //nolint:errcheck
	http.NewResponseController(w).Flush() //nolint:errcheck
	cork(rc, false)
}

// corkMin is the body size from which net/http writes a response in two
// calls (its connection buffer is 4 KiB); smaller ones go out in one.
const corkMin = 3 << 10

// notModified applies RFC 9110 §13.1: If-None-Match (weak comparison, either
// variant's ETag) takes precedence over If-Modified-Since.
func notModified(r *http.Request, f *File) bool {
	return notModifiedBy(r.Header["If-None-Match"], r.Header["If-Modified-Since"], f)
}

// notModifiedBy is notModified of the request's If-None-Match and
// If-Modified-Since values.
func notModifiedBy(inm, ims []string, f *File) bool {
	if len(inm) > 0 {
		for _, v := range inm {
			if etagListMatch(v, f) {
				return true
			}
		}
		return false
	}
	if len(ims) > 0 {
		t, err := http.ParseTime(ims[0])
		return err == nil && f.modSec <= t.Unix()
	}
	return false
}

// etagListMatch reports whether a comma-separated If-None-Match value
// names f (in either encoding) or is "*".
func etagListMatch(list string, f *File) bool {
	for list != "" {
		var tag string
		tag, list, _ = strings.Cut(list, ",")
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return true
		}
		tag = strings.TrimPrefix(tag, "W/")
		if tag == f.ETag || (f.hGzETag != nil && tag == f.hGzETag[0]) {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding values allow gzip: "gzip",
// "x-gzip" or "*" with a non-zero quality.
func acceptsGzip(values []string) bool {
	ok := false
	for _, v := range values {
		for v != "" {
			var part string
			part, v, _ = strings.Cut(v, ",")
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.TrimSpace(coding)
			isGzip := strings.EqualFold(coding, "gzip") || strings.EqualFold(coding, "x-gzip")
			if !isGzip && coding != "*" {
				continue
			}
			q := qZero(params)
			if isGzip {
				return !q // an explicit gzip entry decides
			}
			ok = !q
		}
	}
	return ok
}

// qZero reports whether Accept-Encoding parameters carry q=0 (or 0.0…).
func qZero(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			val = strings.TrimSpace(val)
			return val == "0" || strings.HasPrefix(val, "0.") && strings.Trim(val[2:], "0") == ""
		}
	}
	return false
}
