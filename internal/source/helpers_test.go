package source

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// bundle is one test's store, fixture server and service.
type bundle struct {
	t   *testing.T
	ctx context.Context
	st  *sqlite.Store
	srv *httptest.Server
	mux *http.ServeMux
	svc *Service
	mu  sync.Mutex
	// hits counts requests by path; reqs keeps the last request's headers by path.
	hits map[string]int
	reqs map[string]http.Header
}

// fixture reads testdata/name with {{BASE}} replaced by the server's URL.
func (b *bundle) fixture(name string) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		b.t.Fatal(err)
	}
	return bytes.ReplaceAll(data, []byte("{{BASE}}"), []byte(b.srv.URL))
}

// serve answers path with the fixture and content type.
func (b *bundle) serve(path, name, ctype string) {
	b.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(b.fixture(name))
	})
}

// handle mounts h on path, counting hits and keeping request headers.
func (b *bundle) handle(path string, h http.HandlerFunc) {
	b.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.hits[r.URL.Path]++
		b.reqs[r.URL.Path] = r.Header.Clone()
		b.mu.Unlock()
		h(w, r)
	})
}

func (b *bundle) hit(path string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hits[path]
}

func (b *bundle) header(path, key string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reqs[path].Get(key)
}

// setup starts a fixture server and a service on a fresh SQLite store;
// edit adjusts the options before the service is built.
func setup(t *testing.T, edit func(*Options)) *bundle {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	st := teststore.SQLite(t)
	b := &bundle{t: t, ctx: ctx, st: st, mux: http.NewServeMux(), hits: map[string]int{}, reqs: map[string]http.Header{}}
	b.srv = httptest.NewServer(b.mux)
	t.Cleanup(b.srv.Close)
	o := Options{
		Fetch: FetchOptions{UserAgent: "nashra/test (+https://nashra.example)", Timeout: 5 * time.Second,
			MaxBody: 1 << 20, AllowPrivate: true},
		Parse: article.Options{Location: time.UTC,
			CategoryAliases: map[string]string{article.AliasKey("اخبار اقتصادية"): "اقتصاد"}},
		Interval: 15 * time.Minute,
	}
	if edit != nil {
		edit(&o)
	}
	b.svc = New(st, o)
	return b
}

// add adds a source at path on the fixture server.
func (b *bundle) add(path string, spec Spec) *store.Source {
	b.t.Helper()
	spec.URL = b.srv.URL + path
	src, _, err := b.svc.Add(b.ctx, spec)
	if err != nil {
		b.t.Fatal(err)
	}
	return src
}

// fetch fetches src once and fails the test on a store error.
func (b *bundle) fetch(src *store.Source) Result {
	b.t.Helper()
	r, err := b.svc.FetchID(b.ctx, src.ID)
	if err != nil {
		b.t.Fatalf("FetchID: %v", err)
	}
	return r
}

// fetchNew fetches src once and fails the test unless that stored n new
// articles without an error, not even one item's.
func (b *bundle) fetchNew(src *store.Source, n int) Result {
	b.t.Helper()
	r := b.fetch(src)
	if r.Err != nil || r.New != n || len(r.Errors) > 0 {
		b.t.Fatalf("fetch: %s, errors %v; want %d new", r, r.Errors, n)
	}
	return r
}

// articles returns every stored article, newest first.
func (b *bundle) articles() []article.Article {
	b.t.Helper()
	arts, err := b.st.ListArticles(b.ctx, store.ArticleQuery{IncludeDrafts: true})
	if err != nil {
		b.t.Fatal(err)
	}
	return arts
}

// byTitle finds the stored article whose title contains s.
func (b *bundle) byTitle(s string) article.Article {
	b.t.Helper()
	for _, a := range b.articles() {
		if strings.Contains(a.Title, s) {
			return a
		}
	}
	b.t.Fatalf("no article with %q in its title", s)
	return article.Article{}
}
