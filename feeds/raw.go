package feeds

import (
	"net/http"
	"strconv"
)

// RawRequest is a GET or HEAD request as a server that reads HTTP/1.x off
// the connection itself (web's fast path) hands it to AppendResponse. An
// empty header value stands for a header the request does not carry.
type RawRequest struct {
	Head            bool   // HEAD rather than GET
	HTTP10          bool   // HTTP/1.0 rather than HTTP/1.1: so is the answer
	Path            string // the URL path, unescaped, without the query
	AcceptEncoding  string
	IfNoneMatch     string
	IfModifiedSince string
}

// AppendResponse appends to dst the head of the response that ServeHTTP
// would give r — status line, extra (header lines the caller adds: Date,
// the site's security headers), then the file's prepared headers and the
// blank line — and returns it with the body to write after it (nil for HEAD
// and 304) and the status. f is the file served, nil when r.Path is not a
// file of the Set being served (nothing is appended then). The head is the
// same bytes for every request of a file: nothing is formatted per request.
func (h *Handler) AppendResponse(dst []byte, r *RawRequest, extra []byte) (head []byte, f *File, status int, body []byte) {
	s := h.set.Load()
	if s == nil {
		return dst, nil, 0, nil
	}
	f, ok := s.Get(r.Path)
	if !ok {
		return dst, nil, 0, nil
	}
	gz := f.Gzip != nil && r.AcceptEncoding != "" && acceptsGzip1(r.AcceptEncoding)
	status, block, body := http.StatusOK, f.head200, f.Body
	if gz {
		block, body = f.headGz200, f.Gzip
	}
	if notModifiedRaw(r, f) {
		status, block, body = http.StatusNotModified, f.head304, nil
		if gz {
			block = f.headGz304
		}
		dst = appendProto(dst, r)
		dst = append(dst, " 304 Not Modified\r\n"...)
	} else {
		dst = appendProto(dst, r)
		dst = append(dst, " 200 OK\r\n"...)
	}
	if r.Head {
		body = nil
	}
	dst = append(dst, extra...)
	dst = append(dst, s.cacheLine...)
	dst = append(dst, block...)
	dst = append(dst, "\r\n"...)
	return dst, f, status, body
}

func appendProto(dst []byte, r *RawRequest) []byte {
	if r.HTTP10 {
		return append(dst, "HTTP/1.0"...)
	}
	return append(dst, "HTTP/1.1"...)
}

// acceptsGzip1 is acceptsGzip of one header value, without a slice on the heap.
func acceptsGzip1(v string) bool {
	vs := [1]string{v}
	return acceptsGzip(vs[:])
}

// notModifiedRaw is notModified for a RawRequest.
func notModifiedRaw(r *RawRequest, f *File) bool {
	var inm, ims []string
	var a, b [1]string
	if r.IfNoneMatch != "" {
		a[0] = r.IfNoneMatch
		inm = a[:]
	}
	if r.IfModifiedSince != "" {
		b[0] = r.IfModifiedSince
		ims = b[:]
	}
	return notModifiedBy(inm, ims, f)
}

// prepareHeads writes the headers serveFile sets, but Cache-Control (the
// Set's or the page's), as wire bytes: for 200 and 304, plain and gzip.
// X-Content-Type-Options is in every one, as web adds it to every response.
func (f *File) prepareHeads() {
	line := func(b []byte, k, v string) []byte {
		b = append(b, k...)
		b = append(b, ": "...)
		b = append(b, v...)
		return append(b, "\r\n"...)
	}
	common := func(etag string) []byte {
		var b []byte
		b = line(b, "Etag", etag)
		b = line(b, "Last-Modified", f.hMod[0])
		if f.Gzip != nil {
			b = line(b, "Vary", "Accept-Encoding")
		}
		return line(b, "X-Content-Type-Options", "nosniff")
	}
	f.head304 = common(f.ETag)
	f.head200 = line(nil, "Content-Length", strconv.Itoa(len(f.Body)))
	f.head200 = line(f.head200, "Content-Type", f.ContentType)
	f.head200 = append(f.head200, f.head304...)
	f.headGz200, f.headGz304 = nil, nil
	if f.Gzip != nil {
		f.headGz304 = common(f.hGzETag[0])
		f.headGz200 = line(nil, "Content-Encoding", "gzip")
		f.headGz200 = line(f.headGz200, "Content-Length", strconv.Itoa(len(f.Gzip)))
		f.headGz200 = line(f.headGz200, "Content-Type", f.ContentType)
		f.headGz200 = append(f.headGz200, f.headGz304...)
	}
}
