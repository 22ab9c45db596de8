package web

import "net/http"

// ContentSecurityPolicy is sent with every response. Pages may load
// scripts, styles and fonts from the site itself only, no inline script
// runs (inline styles and style attributes do: the pages and the web copy
// of editions use them), images may come from anywhere (article images
// live on other hosts), forms post to the site, and no other site may
// frame a page.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src * data:; font-src 'self'; connect-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// The header values, allocated once: the feeds are the hot path.
var (
	hdrCSP         = []string{ContentSecurityPolicy}
	hdrNoSniff     = []string{"nosniff"}
	hdrReferrer    = []string{"strict-origin-when-cross-origin"}
	hdrFrameDeny   = []string{"DENY"}
	hdrCrossOrigin = []string{"same-origin"}
)

// SetSecurityHeaders puts the site's security headers on h: the
// Content-Security-Policy above, X-Content-Type-Options: nosniff,
// Referrer-Policy (pages carrying a token tighten it to no-referrer),
// X-Frame-Options: DENY for browsers without frame-ancestors, and
// Cross-Origin-Opener-Policy. They suit any response, feeds included.
func SetSecurityHeaders(h http.Header) {
	h["Content-Security-Policy"] = hdrCSP
	h["X-Content-Type-Options"] = hdrNoSniff
	h["Referrer-Policy"] = hdrReferrer
	h["X-Frame-Options"] = hdrFrameDeny
	h["Cross-Origin-Opener-Policy"] = hdrCrossOrigin
}

// SecurityHeaders wraps next so that every response it writes carries the
// security headers (SetSecurityHeaders); a handler may still override one.
// Server applies it to everything it routes; a handler served on its own
// (an admin console on another listener) wraps itself with it.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetSecurityHeaders(w.Header())
		next.ServeHTTP(w, r)
	})
}
