package web

import (
	"net/http"
	"sync"
)

var statusWriters = sync.Pool{New: func() any { return new(statusWriter) }}

// RequestCounter records one served request (metrics.Metrics implements it).
type RequestCounter interface {
	Request(path string, status int)
}

// Instrument wraps h: it serves metrics (when not nil) at GET /metrics and
// counts every other request by path and status code with c.
func Instrument(h http.Handler, c RequestCounter, metrics http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if metrics != nil && r.URL.Path == "/metrics" {
			w.Header().Set("Cache-Control", "no-store")
			metrics.ServeHTTP(w, r)
			return
		}
		sw := statusWriters.Get().(*statusWriter)
		*sw = statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if c != nil {
			c.Request(r.URL.Path, sw.status)
		}
		*sw = statusWriter{}
		statusWriters.Put(sw)
	})
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer
// (flushing, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
