package source

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/andybalholm/brotli"
)

// Named fetch errors, to branch on with errors.Is.
var (
	// ErrForbiddenAddress: the host resolved to an address that fetches may
	// not reach (loopback, private, link-local, multicast, unspecified)
	// and sources.allow_private is off.
	ErrForbiddenAddress = errors.New("address not allowed (loopback, private, link-local or multicast; see sources.allow_private)")
	// ErrScheme: a URL (or a redirect) that is not http or https.
	ErrScheme = errors.New("only http and https URLs can be fetched")
	// ErrTooLarge: the body, after decompression, is larger than sources.max_body.
	ErrTooLarge = errors.New("response larger than sources.max_body")
	// ErrRedirects: more than MaxRedirects redirects, or a loop.
	ErrRedirects = errors.New("too many redirects")
)

// MaxRedirects is the most redirects one fetch follows.
const MaxRedirects = 5

// FetchOptions configure a Fetcher.
type FetchOptions struct {
	// UserAgent names nashra, its version and the site.
	UserAgent string
	// Timeout bounds a whole request, the body included.
	Timeout time.Duration
	// MaxBody is the most bytes read of a body after decompression.
	MaxBody int64
	// PerHostInterval is the pause between two requests to one host.
	PerHostInterval time.Duration
	// AllowPrivate lets requests reach private and loopback addresses.
	AllowPrivate bool
	// Impolite drops the per-host rules (one request at a time, the
	// pause): for benchmarks that measure what they cost.
	Impolite bool
	// HostPace, when set, is waited on before each request to a host, after
	// this process's own turn: several processes sharing one database space
	// their requests to a host through it (a PostgreSQL shared limiter).
	HostPace func(ctx context.Context, host string) error
}

// Fetcher makes polite, bounded HTTP GET requests: one at a time per host,
// conditional, compressed, size- and time-limited, and refused for
// addresses that are not public unless allowed. It is safe for concurrent use.
type Fetcher struct {
	o      FetchOptions
	client *http.Client
	mu     sync.Mutex
	hosts  map[string]*hostGate
}

// hostGate serialises the requests to one host and spaces them out.
type hostGate struct {
	sem  chan struct{}
	last time.Time
}

// NewFetcher returns a Fetcher with its own transport.
func NewFetcher(o FetchOptions) *Fetcher {
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 15 << 20
	}
	if o.UserAgent == "" {
		o.UserAgent = "nashra"
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !o.AllowPrivate {
		dialer.Control = checkAddress
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would hide the address actually reached
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: o.Timeout,
		DisableCompression:    true, // decoded here, so that the limit applies after decompression
	}
	f := &Fetcher{o: o, hosts: map[string]*hostGate{}}
	f.client = &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return fmt.Errorf("%w (more than %d)", ErrRedirects, MaxRedirects)
			}
			for _, v := range via {
				if v.URL.String() == req.URL.String() {
					return fmt.Errorf("%w: loop back to %s", ErrRedirects, req.URL)
				}
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to %s: %w", req.URL, ErrScheme)
			}
			return nil
		},
	}
	return f
}

// checkAddress refuses connections to addresses that are not public. It
// runs on the address about to be connected, after DNS resolution, so
// neither a DNS answer nor a redirect can get around it.
func checkAddress(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%s: %w", address, ErrForbiddenAddress)
	}
	if !PublicAddr(ip) {
		return fmt.Errorf("%s: %w", ip, ErrForbiddenAddress)
	}
	return nil
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// PublicAddr reports whether a fetch may reach ip by default.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast() &&
		!ip.IsLinkLocalMulticast() && !ip.IsInterfaceLocalMulticast() && !ip.IsMulticast() &&
		!ip.IsUnspecified() && !cgnat.Contains(ip)
}

// Request is one GET.
type Request struct {
	URL string
	// Validators of the last response, sent as If-None-Match and
	// If-Modified-Since.
	ETag, LastModified string
	// Accept is the Accept header.
	Accept string
}

// Response is what a fetch got.
type Response struct {
	// Status is the final HTTP status (304 when not modified).
	Status int
	// URL is the final URL after redirects.
	URL string
	// PermanentURL is set when every redirect on the way was permanent
	// (301 or 308): the source should be fetched from there from now on.
	PermanentURL string
	// Validators to send next time.
	ETag, LastModified string
	// ContentType is the Content-Type header.
	ContentType string
	// MaxAge is Cache-Control's max-age (0 = none); RetryAfter the
	// Retry-After of a 429 or 503 (0 = none).
	MaxAge, RetryAfter time.Duration
	Body               []byte
}

// StatusError is an HTTP response that is neither 2xx nor 304.
type StatusError struct {
	Status     int
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter.Round(time.Second))
	}
	return s
}

// gate returns the gate of host, creating it.
func (f *Fetcher) gate(host string) *hostGate {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.hosts[host]
	if !ok {
		g = &hostGate{sem: make(chan struct{}, 1)}
		f.hosts[host] = g
	}
	return g
}

// acquire waits for host's turn: no other request to it in flight, and
// PerHostInterval since the last one ended.
func (f *Fetcher) acquire(ctx context.Context, host string) (release func(), err error) {
	if f.o.Impolite {
		return func() {}, nil
	}
	g := f.gate(host)
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if wait := time.Until(g.last.Add(f.o.PerHostInterval)); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			<-g.sem
			return nil, ctx.Err()
		}
	}
	release = func() {
		g.last = time.Now()
		<-g.sem
	}
	if f.o.HostPace != nil {
		if err := f.o.HostPace(ctx, host); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}

// Get fetches r.URL. A 304 is a Response with Status 304 and the old
// validators kept unless the server sent new ones; any other status that
// is not 2xx is a *StatusError.
func (f *Fetcher) Get(ctx context.Context, r Request) (*Response, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("source: %s: %w", r.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("source: %s: %w", r.URL, ErrScheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("source: %s: no host", r.URL)
	}
	release, err := f.acquire(ctx, u.Hostname())
	if err != nil {
		return nil, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("source: %s: %w", r.URL, err)
	}
	req.Header.Set("User-Agent", f.o.UserAgent)
	req.Header.Set("Accept-Encoding", "br, gzip")
	if r.Accept != "" {
		req.Header.Set("Accept", r.Accept)
	}
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.wrap(r.URL, err, ctx)
	}
	defer resp.Body.Close()
	out := &Response{
		Status: resp.StatusCode, URL: resp.Request.URL.String(),
		ETag: r.ETag, LastModified: r.LastModified,
		ContentType: resp.Header.Get("Content-Type"),
		MaxAge:      maxAge(resp.Header.Get("Cache-Control")),
	}
	if out.URL != r.URL && permanentChain(resp) {
		out.PermanentURL = out.URL
	}
	if v := resp.Header.Get("ETag"); v != "" {
		out.ETag = v
	}
	if v := resp.Header.Get("Last-Modified"); v != "" {
		out.LastModified = v
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		se := &StatusError{Status: resp.StatusCode}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return nil, fmt.Errorf("source: %s: %w", r.URL, se)
	}
	body, err := f.readBody(resp)
	if err != nil {
		return nil, f.wrap(r.URL, err, ctx)
	}
	out.Body = body
	return out, nil
}

// wrap names the URL and says "timed out after" for the request deadline.
func (f *Fetcher) wrap(u string, err error, ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("source: %s: timed out after %s (sources.timeout): %w", u, f.o.Timeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("source: %s: %w", u, err)
}

// readBody reads the body, decoded per Content-Encoding, up to MaxBody
// bytes after decoding (and before: a compressed body is smaller).
func (f *Fetcher) readBody(resp *http.Response) ([]byte, error) {
	raw := &capped{r: resp.Body, left: f.o.MaxBody, max: f.o.MaxBody}
	var r io.Reader = raw
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(raw)
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		defer zr.Close()
		r = zr
	case "br":
		r = brotli.NewReader(raw)
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
	b, err := io.ReadAll(&capped{r: r, left: f.o.MaxBody, max: f.o.MaxBody})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// capped reads at most max bytes from r and fails with ErrTooLarge on the
// first byte beyond them.
type capped struct {
	r         io.Reader
	left, max int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w (%d bytes)", ErrTooLarge, c.max)
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// permanentChain reports whether every redirect that led to resp was a
// permanent one (Moved Permanently or Permanent Redirect), so the source's
// stored URL may follow it.
func permanentChain(resp *http.Response) bool {
	n := 0
	for req := resp.Request; req != nil && req.Response != nil; req = req.Response.Request {
		n++
		if c := req.Response.StatusCode; c != http.StatusMovedPermanently && c != http.StatusPermanentRedirect {
			return false
		}
	}
	return n > 0
}

// maxAge reads max-age from a Cache-Control header (0 when absent or no-cache).
func maxAge(h string) time.Duration {
	for _, part := range strings.Split(h, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		if strings.EqualFold(k, "max-age") {
			if n, err := strconv.Atoi(strings.Trim(v, `"`)); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return 0
}

// retryAfter reads Retry-After: seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(h); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// PostForm posts a form (a WebSub subscription request) under the same
// rules as Get: the host's turn, the timeout, public addresses only. It
// returns the status and up to 1 KB of the answer.
func (f *Fetcher) PostForm(ctx context.Context, target string, form url.Values) (int, string, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return 0, "", fmt.Errorf("source: %q: %w", target, ErrScheme)
	}
	release, err := f.acquire(ctx, u.Hostname())
	if err != nil {
		return 0, "", err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", f.o.UserAgent)
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, "", f.wrap(target, err, ctx)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	return resp.StatusCode, string(msg), nil
}

// contentCharset is the charset parameter of a Content-Type, "" when none.
func contentCharset(ct string) string {
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return strings.ToLower(params["charset"])
}
