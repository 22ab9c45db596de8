package web

import (
	"net/http"
	"net/netip"
	"sync"
)

var statusWriters = sync.Pool{New: func() any { return new(statusWriter) }}

// RequestCounter records one served request (metrics.Metrics implements it).
type RequestCounter interface {
	Request(path string, status int)
}

// MetricsAccess says how /metrics is served on a listener.
type MetricsAccess struct {
	// Handler serves the metrics (metrics.Metrics.Handler).
	Handler http.Handler
	// Allow, when not nil, are the clients that may read them (client
	// addresses as ClientAddr finds them through TrustedProxies); others
	// get 403. nil serves anyone: a listener of its own for metrics.
	Allow          []netip.Prefix
	TrustedProxies []netip.Prefix
}

// Instrument wraps h: it serves /metrics as m says (m nil: h gets the
// path, and usually answers 404) and counts every other request by path and
// status code with c. /metrics answers GET and HEAD only.
func Instrument(h http.Handler, c RequestCounter, m *MetricsAccess) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m != nil && r.URL.Path == "/metrics" {
			m.serve(w, r)
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

func (m *MetricsAccess) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if m.Allow != nil {
		if ip, ok := clientIP(r, m.TrustedProxies); !ok || !isTrusted(ip, m.Allow) {
			http.Error(w, "forbidden: /metrics is served to server.metrics_allow only", http.StatusForbidden)
			return
		}
	}
	m.Handler.ServeHTTP(w, r)
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
