// Package source pulls articles from the feeds (RSS, Atom, JSON Feed) and
// sitemaps a newsroom already publishes. It keeps the sources in the store,
// fetches them politely (conditional GET, compression, one request at a
// time per host, backoff, limits on time and size, public addresses only
// unless allowed), turns their items into sanitised articles with a stable
// identity, and schedules the next fetch. The command line, the admin
// console and the queue workers all call the same Service.
package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
)

// Store is what the service needs from storage.
type Store interface {
	store.Sources
	UpsertArticle(ctx context.Context, a *article.Article) (created, changed bool, err error)
	GetArticle(ctx context.Context, id string) (*article.Article, error)
}

// Related refreshes related-article links after articles changed (the
// publish.Publisher does); nil skips it.
type Related interface {
	Refresh(ctx context.Context, changed []article.Article) error
}

// Options configure a Service.
type Options struct {
	Fetch FetchOptions
	// Parse is how articles are finished: language, time zone, summaries,
	// category aliases.
	Parse article.Options
	// Interval is the normal time between two fetches of a source.
	Interval time.Duration
	// MaxBackoff caps the wait after errors.
	MaxBackoff time.Duration
	// FailAfter is the number of errors in a row that make a source failing.
	FailAfter int
	// MaxPages caps the pages fetched in one fetch of a source (sitemap
	// entries, full-text items); the rest wait for the next fetch.
	MaxPages int
	// MaxSitemaps caps the child sitemaps of an index read per fetch
	// (the newest first).
	MaxSitemaps int
	// WebSub, when set, subscribes to the hubs that feeds name.
	WebSub  *WebSubOptions
	Related Related
	Now     func() time.Time
	Log     *slog.Logger
}

// Service manages and fetches sources. It is safe for concurrent use; a
// source is fetched by one goroutine of a process at a time (the queue
// keeps it to one worker across processes).
type Service struct {
	st  Store
	f   *Fetcher
	o   Options
	mu  sync.Mutex
	run map[int64]bool // sources being fetched by this process
}

// New returns a Service.
func New(st Store, o Options) *Service {
	if o.Interval <= 0 {
		o.Interval = 15 * time.Minute
	}
	if o.MaxBackoff < o.Interval {
		o.MaxBackoff = max(12*time.Hour, o.Interval)
	}
	if o.FailAfter <= 0 {
		o.FailAfter = 5
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 50
	}
	if o.MaxSitemaps <= 0 {
		o.MaxSitemaps = 5
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, f: NewFetcher(o.Fetch), o: o, run: map[int64]bool{}}
}

// Fetcher returns the service's fetcher.
func (s *Service) Fetcher() *Fetcher { return s.f }

// NormalizeURL checks that raw is an absolute http(s) URL and returns it in
// a canonical form (lower-case scheme and host, no fragment).
func NormalizeURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("source: %q is not a URL: %w", raw, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("source: %q: %w", raw, ErrScheme)
	}
	if u.Host == "" {
		return "", fmt.Errorf("source: %q: no host", raw)
	}
	u.Host = strings.ToLower(u.Host)
	u.Fragment = ""
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// Spec is a source as an admin describes it.
type Spec struct {
	URL, Name, Category string
	FullText            bool
	FromConfig          bool
}

// Add stores a source; for a URL already stored it returns the stored one
// with created=false, updated to spec's name, category and full text when
// those differ.
func (s *Service) Add(ctx context.Context, spec Spec) (src *store.Source, created bool, err error) {
	u, err := NormalizeURL(spec.URL)
	if err != nil {
		return nil, false, err
	}
	src = &store.Source{URL: u, Name: article.SanitizeLine(spec.Name), Category: article.SanitizeLine(spec.Category),
		FullText: spec.FullText, FromConfig: spec.FromConfig, NextFetch: s.o.Now()}
	want := *src
	created, err = s.st.AddSource(ctx, src)
	if err != nil || created {
		return src, created, err
	}
	if src.Name != want.Name || src.Category != want.Category || src.FullText != want.FullText || (want.FromConfig && !src.FromConfig) {
		src.Name, src.Category, src.FullText = want.Name, want.Category, want.FullText
		src.FromConfig = src.FromConfig || want.FromConfig
		if err := s.st.UpdateSource(ctx, src); err != nil {
			return nil, false, err
		}
	}
	return src, false, nil
}

// Sync adds the sources listed in the configuration (sources.list).
func (s *Service) Sync(ctx context.Context, specs []Spec) error {
	var errs []error
	for i, sp := range specs {
		sp.FromConfig = true
		if _, _, err := s.Add(ctx, sp); err != nil {
			errs = append(errs, fmt.Errorf("sources.list[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// Find returns the source named by ref: its ID, or its URL (or the URL it
// was first added with).
func (s *Service) Find(ctx context.Context, ref string) (*store.Source, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.st.GetSource(ctx, id)
	}
	if src, err := s.st.SourceByURL(ctx, ref); err == nil || !errors.Is(err, store.ErrNotFound) {
		return src, err
	}
	u, err := NormalizeURL(ref)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", ref, store.ErrNotFound)
	}
	return s.st.SourceByURL(ctx, u)
}

// List returns every source.
func (s *Service) List(ctx context.Context) ([]store.Source, error) { return s.st.ListSources(ctx) }

// Remove deletes the source named by ref (ID or URL); its articles stay.
func (s *Service) Remove(ctx context.Context, ref string) (*store.Source, error) {
	src, err := s.Find(ctx, ref)
	if err != nil {
		return nil, err
	}
	if s.o.WebSub != nil && src.HubState == store.HubVerified {
		s.unsubscribe(ctx, src)
	}
	return src, s.st.RemoveSource(ctx, src.ID)
}

// States shown by `sources list` and the console.
const (
	StateNew     = "new"     // never fetched
	StateOK      = "ok"      // the last fetch worked
	StateError   = "error"   // the last fetch failed, fewer than FailAfter in a row
	StateFailing = "failing" // FailAfter or more failures in a row
)

// Status says where a source stands.
func (s *Service) Status(src store.Source) string {
	switch {
	case src.Errors >= s.o.FailAfter:
		return StateFailing
	case src.Errors > 0:
		return StateError
	case src.LastFetch.IsZero():
		return StateNew
	}
	return StateOK
}

// Result is what one fetch of a source did.
type Result struct {
	Source      store.Source
	NotModified bool
	New         int // articles created
	Updated     int // articles whose content changed
	Unchanged   int // items seen before, unchanged
	Skipped     int // items that could not become articles (see Errors)
	Pending     int // pages left for the next fetch (MaxPages reached)
	Errors      []error
	// Err is why the fetch failed (the source's state records it too).
	Err error
}

// String is one line for the command line and the log.
func (r Result) String() string {
	if r.Err != nil {
		return fmt.Sprintf("%s: failed: %v", r.Source.URL, r.Err)
	}
	if r.NotModified {
		return fmt.Sprintf("%s: not modified", r.Source.URL)
	}
	s := fmt.Sprintf("%s: %d new, %d updated, %d unchanged", r.Source.URL, r.New, r.Updated, r.Unchanged)
	if r.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", r.Skipped)
	}
	if r.Pending > 0 {
		s += fmt.Sprintf(", %d left for the next fetch", r.Pending)
	}
	return s
}

// ErrBusy: the source is being fetched by this process already.
var ErrBusy = errors.New("source: fetch already running")

// FetchID fetches one source now, whatever its schedule.
func (s *Service) FetchID(ctx context.Context, id int64) (Result, error) {
	s.mu.Lock()
	if s.run[id] {
		s.mu.Unlock()
		return Result{}, ErrBusy
	}
	s.run[id] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.run, id)
		s.mu.Unlock()
	}()
	src, err := s.st.GetSource(ctx, id)
	if err != nil {
		return Result{}, err
	}
	return s.fetch(ctx, src)
}

// Due returns the IDs of the sources due now.
func (s *Service) Due(ctx context.Context) ([]int64, error) {
	srcs, err := s.st.DueSources(ctx, s.o.Now(), 0)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(srcs))
	for i, src := range srcs {
		ids[i] = src.ID
	}
	return ids, nil
}

// FetchMany fetches the given sources with up to workers at once (requests
// to one host still go one at a time) and returns their results in order.
func (s *Service) FetchMany(ctx context.Context, ids []int64, workers int) []Result {
	workers = max(1, workers)
	out := make([]Result, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := s.FetchID(ctx, ids[i])
				if err != nil && r.Err == nil {
					r.Err = err
					r.Source.ID = ids[i]
				}
				out[i] = r
			}
		}()
	}
	for i := range ids {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	return out
}

// fetch fetches src once and records the outcome in the store.
func (s *Service) fetch(ctx context.Context, src *store.Source) (Result, error) {
	now := s.o.Now()
	res := Result{}
	src.LastFetch = now
	resp, err := s.f.Get(ctx, Request{URL: src.URL, ETag: src.ETag, LastModified: src.LastModified, Accept: acceptFeeds})
	var doc *Document
	if err == nil && resp.Status != 304 {
		doc, err = s.document(resp)
		if errors.Is(err, ErrFormat) {
			// A web page rather than a feed: follow the feed it announces.
			if feedURL := Discover(resp.Body, resp.URL); feedURL != "" && feedURL != resp.URL {
				var fresp *Response
				fresp, err = s.f.Get(ctx, Request{URL: feedURL, Accept: acceptFeeds})
				if err == nil {
					if doc, err = s.document(fresp); err == nil {
						s.o.Log.Info("source is a page; following the feed it announces", "page", src.URL, "feed", feedURL)
						resp = fresp
						resp.PermanentURL = feedURL
					}
				}
			}
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err() // shutting down: not the source's fault
		}
		s.failed(src, err, now)
		res.Err = err
		res.Source = *src
		return res, s.st.UpdateSource(context.WithoutCancel(ctx), src)
	}
	if resp.PermanentURL != "" && resp.PermanentURL != src.URL {
		if u, err := NormalizeURL(resp.PermanentURL); err == nil {
			s.o.Log.Info("source moved permanently", "from", src.URL, "to", u)
			src.URL = u
		}
	}
	src.ETag, src.LastModified = resp.ETag, resp.LastModified
	src.LastStatus, src.Errors, src.LastError = resp.Status, 0, ""
	src.LastSuccess = now
	var every time.Duration
	if resp.Status == 304 {
		res.NotModified = true
		if s.o.WebSub != nil && src.Hub != "" {
			// Unchanged feed, same hub: renew or retry the subscription
			// when it is due.
			s.checkHub(ctx, src, &Document{Hub: src.Hub, Self: src.Topic})
		}
	} else {
		every = doc.Every
		if doc.Kind == "sitemapindex" {
			s.readIndex(ctx, doc)
		}
		s.items(ctx, src, doc, &res)
		if s.o.WebSub != nil {
			s.checkHub(ctx, src, doc)
		}
	}
	src.NextFetch = s.next(now, every, resp.MaxAge)
	if s.o.WebSub != nil && src.HubState == store.HubVerified && src.HubLeaseEnd.After(now) {
		// Pushed by the hub: poll only as a safety net.
		src.NextFetch = now.Add(max(src.NextFetch.Sub(now), 4*s.o.Interval))
	}
	err = s.st.UpdateSource(context.WithoutCancel(ctx), src)
	if errors.Is(err, store.ErrConflict) {
		// The new URL is another source's already: keep fetching the old one.
		got, gerr := s.st.GetSource(ctx, src.ID)
		if gerr == nil {
			src.URL = got.URL
			err = s.st.UpdateSource(context.WithoutCancel(ctx), src)
		}
	}
	res.Source = *src
	return res, err
}

const acceptFeeds = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"

// document prepares and parses a feed or sitemap body.
func (s *Service) document(resp *Response) (*Document, error) {
	body, err := Prepare(resp.Body, resp.ContentType)
	if err != nil {
		return nil, fmt.Errorf("source: %s: %w", resp.URL, err)
	}
	doc, err := Parse(body)
	if err != nil {
		return nil, fmt.Errorf("source: %s: %w", resp.URL, err)
	}
	// Links relative to the feed are made absolute: an article's link
	// must lead to the newsroom's page, not to a path of this site.
	if base, err := url.Parse(resp.URL); err == nil {
		abs := func(ref string) string {
			if ref == "" {
				return ""
			}
			if u, err := base.Parse(strings.TrimSpace(ref)); err == nil {
				return u.String()
			}
			return ref
		}
		for i := range doc.Items {
			if !strings.HasPrefix(doc.Items[i].Key, "http") && doc.Items[i].Key == doc.Items[i].Link {
				doc.Items[i].Key = abs(doc.Items[i].Key)
			}
			doc.Items[i].Link, doc.Items[i].Image = abs(doc.Items[i].Link), abs(doc.Items[i].Image)
		}
		for i := range doc.Sitemaps {
			doc.Sitemaps[i].URL = abs(doc.Sitemaps[i].URL)
		}
	}
	return doc, nil
}

// readIndex reads the newest child sitemaps of an index into doc.Items.
func (s *Service) readIndex(ctx context.Context, doc *Document) {
	for i, ref := range doc.Sitemaps {
		if i == s.o.MaxSitemaps {
			break
		}
		resp, err := s.f.Get(ctx, Request{URL: ref.URL, Accept: "application/xml, text/xml;q=0.9"})
		if err != nil {
			s.o.Log.Warn("child sitemap", "url", ref.URL, "err", err)
			continue
		}
		child, err := s.document(resp)
		if err != nil || child.Kind != "urlset" {
			s.o.Log.Warn("child sitemap", "url", ref.URL, "err", err)
			continue
		}
		doc.Items = append(doc.Items, child.Items...)
	}
}

// failed records a failed fetch and schedules the next with backoff.
func (s *Service) failed(src *store.Source, err error, now time.Time) {
	src.Errors++
	src.LastError = article.SanitizeLine(errText(err))
	src.LastStatus = 0
	var se *StatusError
	wait := s.backoff(src.Errors)
	if errors.As(err, &se) {
		src.LastStatus = se.Status
		if se.RetryAfter > wait {
			wait = min(se.RetryAfter, 7*24*time.Hour)
		}
	}
	src.NextFetch = now.Add(wait)
}

// errText shortens an error for the source's state.
func errText(err error) string {
	s := err.Error()
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return s
}

// backoff is the wait after n errors in a row: Interval doubled n-1 times,
// capped at MaxBackoff, with jitter.
func (s *Service) backoff(n int) time.Duration {
	d := s.o.Interval
	for i := 1; i < n && d < s.o.MaxBackoff; i++ {
		d *= 2
	}
	return jitter(min(d, s.o.MaxBackoff))
}

// next is when a source that answered is due again: Interval, stretched
// by what the source asks for (ttl, sy:updatePeriod, Cache-Control
// max-age), never beyond MaxBackoff, with jitter.
func (s *Service) next(now time.Time, every, maxAge time.Duration) time.Time {
	d := max(s.o.Interval, every, maxAge)
	return now.Add(jitter(min(d, max(s.o.MaxBackoff, s.o.Interval))))
}

// jitter adds up to 10% to d, so that sources added together drift apart.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}

// itemHash fingerprints an item as the source sent it.
func itemHash(it Item, src *store.Source) string {
	b, _ := json.Marshal(struct {
		Item
		Category string
		FullText bool
	}{it, src.Category, src.FullText})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// ArticleKey is the stable identity of an item's article: the source's
// key (the URL it was first added with) and the item's guid, else its link.
func ArticleKey(src *store.Source, itemKey string) string {
	return "source:" + src.Key + "#" + itemKey
}

// Log writes one line about a fetch result to the service's log.
func (s *Service) Log(r Result) {
	switch {
	case r.Err != nil:
		s.o.Log.Warn("source fetch failed", "source", r.Source.URL, "errors", r.Source.Errors, "next", r.Source.NextFetch, "err", r.Err)
	case r.New+r.Updated > 0 || len(r.Errors) > 0:
		s.o.Log.Info("source fetched", "source", r.Source.URL, "new", r.New, "updated", r.Updated,
			"unchanged", r.Unchanged, "skipped", r.Skipped, "pending", r.Pending)
		for _, e := range r.Errors {
			s.o.Log.Warn("source item", "source", r.Source.URL, "err", e)
		}
	default:
		s.o.Log.Debug("source fetched", "source", r.Source.URL, "not_modified", r.NotModified)
	}
}
