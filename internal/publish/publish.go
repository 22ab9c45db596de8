// Package publish is the service between the command line / web server and
// the parts they drive: it imports article files into the store, keeps the
// related-article index and links current, and builds the feed set. It holds
// no configuration of its own beyond what its constructor is given.
package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/arabic"
	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
)

// Store is what publishing needs from storage.
type Store interface {
	UpsertArticle(ctx context.Context, a *article.Article) (created, changed bool, err error)
	ListArticles(ctx context.Context, q store.ArticleQuery) ([]article.Article, error)
	Categories(ctx context.Context) ([]string, error)
	SetRelated(ctx context.Context, id string, rel []article.Related) error
	Related(ctx context.Context, id string, k int) ([]article.Article, error)
	PutSettingIfAbsent(ctx context.Context, key, value string) (string, error)
	// For the article administration (articles.go).
	GetArticle(ctx context.Context, id string) (*article.Article, error)
	ArticleBySlug(ctx context.Context, slug string) (*article.Article, error)
	UnpublishArticle(ctx context.Context, id, reason string) error
	PublishArticle(ctx context.Context, id string) error
	UnpublishSourcePath(ctx context.Context, path string) ([]string, error)
	DeleteArticle(ctx context.Context, id string) error
}

// SettingTagAuthority is the store setting that keeps the authority of the
// feeds' item ids (tag:AUTHORITY:articles/ID) from the first build on.
const SettingTagAuthority = "feeds.tag_authority"

// Options configure a Publisher.
type Options struct {
	Feeds        feeds.Options
	Parse        article.Options
	SummaryWords int // extractive summary length
	RelatedK     int // related links kept per article
	// RelatedMinScore is the floor on a related link's score
	// (text.related_min_score); 0 keeps the plain ranking.
	RelatedMinScore float64
	// RelatedTopicWeight is the topic model's weight in the order of
	// related links (text.related_topic_weight).
	RelatedTopicWeight float64
	Log                *slog.Logger
}

// Publisher imports articles and builds feeds. Its methods are safe for
// concurrent use.
type Publisher struct {
	st   Store
	o    Options
	log  *slog.Logger
	mu   sync.Mutex // guards ix, init, next and o.Feeds.TagAuthority
	ix   *arabic.Index
	init bool
	next time.Time // publication time of the next embargoed article; zero = none
}

// New returns a Publisher over st.
func New(st Store, o Options) *Publisher {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.SummaryWords <= 0 {
		o.SummaryWords = 60
	}
	words := o.SummaryWords
	if o.Parse.Summarize == nil {
		o.Parse.Summarize = func(title, text string) string { return arabic.Summarize(title, text, words) }
	}
	if o.Parse.DateLine == nil {
		o.Parse.DateLine = arabic.ParseDate
	}
	return &Publisher{st: st, o: o, log: o.Log, ix: newIndex(o)}
}

func newIndex(o Options) *arabic.Index {
	io := arabic.DefaultIndexOptions
	io.MinScore, io.TopicWeight = o.RelatedMinScore, o.RelatedTopicWeight
	return arabic.NewIndexWith(io)
}

// Report counts what an import did.
type Report struct {
	Files     int // files read
	Imported  int // new articles
	Updated   int // existing articles whose content changed
	Unchanged int // re-imported with identical content
	Failed    int // files (or array elements) that could not be imported
	Errors    []error
}

// String is the summary line printed at the end of an import.
func (r Report) String() string {
	return fmt.Sprintf("%d imported, %d updated, %d unchanged, %d failed (%d files)",
		r.Imported, r.Updated, r.Unchanged, r.Failed, r.Files)
}

// Err joins the per-file errors, nil when nothing failed.
func (r Report) Err() error { return errors.Join(r.Errors...) }

// CountFiles returns how many article files paths name, for a progress bar.
func CountFiles(paths []string) int {
	n := 0
	_ = article.Walk(paths, func(string) error { n++; return nil })
	return n
}

// Import parses and stores every article file under paths. A bad file is
// recorded in the report and the rest go on. progress, when not nil, is
// called after each file. Related links of the changed articles (and of the
// articles now pointing at them) are recomputed at the end.
func (p *Publisher) Import(ctx context.Context, paths []string, progress func(path string)) (Report, error) {
	if err := p.loadIndex(ctx); err != nil {
		return Report{}, err
	}
	var r Report
	var changed []article.Article
	walkErr := article.Walk(paths, func(path string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		defer func() {
			if progress != nil {
				progress(path)
			}
		}()
		r.Files++
		arts, perr := article.ParseFile(path, p.o.Parse)
		if perr != nil {
			fe := article.FileErrors(perr)
			if len(fe) == 0 {
				r.Failed++
			} else {
				r.Failed += len(fe)
			}
			r.Errors = append(r.Errors, perr)
		}
		for i := range arts {
			a := &arts[i]
			if err := p.ownerConflict(ctx, a, path); err != nil {
				r.Failed++
				r.Errors = append(r.Errors, &article.FileError{Path: path, Err: err})
				continue
			}
			created, chg, err := p.st.UpsertArticle(ctx, a)
			switch {
			case errors.Is(err, store.ErrConflict):
				r.Failed++
				r.Errors = append(r.Errors, &article.FileError{Path: path,
					Err: fmt.Errorf("slug %q is already used by %s; not replaced (give this file another slug)", a.Slug, p.slugOwner(ctx, a.Slug))})
				continue
			case err != nil:
				r.Failed++
				r.Errors = append(r.Errors, &article.FileError{Path: path, Err: fmt.Errorf("store: %w", err)})
				continue
			case created:
				r.Imported++
			case chg:
				r.Updated++
			default:
				r.Unchanged++
				continue
			}
			changed = append(changed, *a)
		}
		return nil
	})
	if walkErr != nil {
		// Errors from Walk itself (a missing path) are not per-file parse
		// errors already counted above.
		for _, e := range unjoin(walkErr) {
			if errors.Is(e, context.Canceled) {
				return r, e
			}
			var fe *article.FileError
			if !errors.As(e, &fe) {
				r.Failed++
				r.Errors = append(r.Errors, e)
			}
		}
	}
	if len(changed) > 0 {
		if err := p.updateRelated(ctx, changed); err != nil {
			return r, err
		}
	}
	return r, nil
}

func unjoin(err error) []error {
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		return u.Unwrap()
	}
	return []error{err}
}

func doc(a *article.Article) arabic.Doc {
	return arabic.Doc{ID: a.ID, Title: a.Title, Category: a.Category, Text: a.Subtitle + "\n" + a.BodyText, Published: a.Published}
}

// loadIndex fills the related-article index from the store, once.
func (p *Publisher) loadIndex(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.init {
		return nil
	}
	all, err := p.st.ListArticles(ctx, store.ArticleQuery{})
	if err != nil {
		return fmt.Errorf("publish: load articles: %w", err)
	}
	for i := range all {
		p.ix.Add(doc(&all[i]))
	}
	p.init = true
	return nil
}

// updateRelated adds the changed articles to the index and stores fresh
// related links for them and for the articles they now relate to (so an
// older story gains a link to a newer one on the same subject).
func (p *Publisher) updateRelated(ctx context.Context, changed []article.Article) error {
	k := p.o.RelatedK
	if k <= 0 {
		return nil
	}
	for i := range changed {
		p.ix.Add(doc(&changed[i]))
	}
	todo := map[string]bool{}
	for i := range changed {
		todo[changed[i].ID] = true
		for _, m := range p.ix.Related(changed[i].ID, k) {
			todo[m.ID] = true
		}
	}
	for id := range todo {
		matches := p.ix.Related(id, k)
		rel := make([]article.Related, len(matches))
		for i, m := range matches {
			rel[i] = article.Related{ID: m.ID, Score: m.Score}
		}
		if err := p.st.SetRelated(ctx, id, rel); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("publish: related links of %s: %w", id, err)
		}
	}
	return nil
}

// Build builds every feed from the store.
func (p *Publisher) Build(ctx context.Context) (*feeds.Set, error) {
	in, err := p.Input(ctx)
	if err != nil {
		return nil, err
	}
	fo, err := p.feedOptions(ctx)
	if err != nil {
		return nil, err
	}
	set, err := feeds.Build(fo, in)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	return set, nil
}

// feedOptions are the feed options with the tag: authority the store
// recorded at the first build (this build's default when there was none):
// item ids stay the same when site.base_url moves to another host.
func (p *Publisher) feedOptions(ctx context.Context) (feeds.Options, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.o.Feeds.TagAuthority != "" {
		return p.o.Feeds, nil
	}
	def, err := feeds.DefaultTagAuthority(p.o.Feeds)
	if err != nil {
		return p.o.Feeds, fmt.Errorf("publish: %w", err)
	}
	auth, err := p.st.PutSettingIfAbsent(ctx, SettingTagAuthority, def)
	if err != nil {
		return p.o.Feeds, fmt.Errorf("publish: item id authority: %w", err)
	}
	if auth != def {
		p.log.Info("item ids keep their first authority", "tag_authority", auth, "site.base_url", p.o.Feeds.BaseURL)
	}
	p.o.Feeds.TagAuthority = auth
	return p.o.Feeds, nil
}

// now is the clock of embargoes (feeds.Options.Now, else time.Now).
func (p *Publisher) now() time.Time {
	if p.o.Feeds.Now != nil {
		return p.o.Feeds.Now()
	}
	return time.Now()
}

// ReleaseDue reports whether an article that was held at the last Input
// (published in the future: an embargo) is due at now, so that the feeds
// should be rebuilt although the store did not change.
func (p *Publisher) ReleaseDue(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.next.IsZero() && !now.Before(p.next)
}

// Input reads what the feeds hold from the store: the newest feeds.items
// articles overall and in each category, with their related links.
// Articles dated in the future are held (embargo) until their time, also
// as related links; ReleaseDue says when the next one is due.
func (p *Publisher) Input(ctx context.Context) (feeds.Input, error) {
	var none feeds.Input
	n := p.o.Feeds.Items
	if n <= 0 {
		n = feeds.DefaultItems
	}
	now := p.now()
	// Published at or before now is out; ArticleQuery bounds are [From, To).
	cut := now.Add(time.Nanosecond)
	held, err := p.st.ListArticles(ctx, store.ArticleQuery{From: cut})
	if err != nil {
		return none, fmt.Errorf("publish: list embargoed articles: %w", err)
	}
	var next time.Time
	if len(held) > 0 {
		next = held[len(held)-1].Published // newest first: the last is due first
	}
	p.mu.Lock()
	p.next = next
	p.mu.Unlock()
	arts, err := p.st.ListArticles(ctx, store.ArticleQuery{Limit: n, To: cut})
	if err != nil {
		return none, fmt.Errorf("publish: list articles: %w", err)
	}
	cats, err := p.st.Categories(ctx)
	if err != nil {
		return none, fmt.Errorf("publish: categories: %w", err)
	}
	seen := make(map[string]bool, len(arts))
	for _, a := range arts {
		seen[a.ID] = true
	}
	for _, c := range cats {
		more, err := p.st.ListArticles(ctx, store.ArticleQuery{Category: c, Limit: n, To: cut})
		if err != nil {
			return none, fmt.Errorf("publish: list category %q: %w", c, err)
		}
		for _, a := range more {
			if !seen[a.ID] {
				seen[a.ID] = true
				arts = append(arts, a)
			}
		}
	}
	in := feeds.Input{Articles: arts, Related: map[string][]feeds.RelatedLink{}}
	for _, a := range arts {
		rel, err := p.st.Related(ctx, a.ID, p.o.RelatedK)
		if err != nil {
			return none, fmt.Errorf("publish: related of %s: %w", a.ID, err)
		}
		for _, r := range rel {
			if r.Published.After(now) {
				continue // embargoed: not even its title yet
			}
			in.Related[a.ID] = append(in.Related[a.ID], feeds.RelatedLink{Title: r.Title, URL: feeds.ArticleURL(p.o.Feeds, r)})
		}
	}
	return in, nil
}

// Snapshot describes the files of a content folder, to notice changes.
type Snapshot map[string]fileStamp

type fileStamp struct {
	size int64
	mod  time.Time
}

// Scan records the size and modification time of every article file under dir.
func Scan(dir string) Snapshot {
	s := Snapshot{}
	_ = article.Walk([]string{dir}, func(path string) error {
		if st, err := os.Stat(path); err == nil {
			s[path] = fileStamp{st.Size(), st.ModTime()}
		}
		return nil
	})
	return s
}

// Invalidate drops the in-memory index so that the next import reloads it
// from the store (another process imported articles).
func (p *Publisher) Invalidate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ix = newIndex(p.o)
	p.init = false
}

// Refresh brings the related-article links up to date after articles
// changed outside Import (articles pulled from sources).
func (p *Publisher) Refresh(ctx context.Context, changed []article.Article) error {
	if err := p.loadIndex(ctx); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.updateRelated(ctx, changed)
}
