package source

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSitemapIndexWithNewsSitemap(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.serve("/sitemap.xml", "sitemap-index.xml", "application/xml")
	b.serve("/sitemaps/news.xml", "news-sitemap.xml", "application/xml")
	b.serve("/sitemaps/old.xml", "old-sitemap.xml", "application/xml")
	b.serve("/pages/water.html", "water.html", "text/html; charset=utf-8")
	b.serve("/pages/museum.html", "museum.html", "text/html; charset=utf-8")
	src := b.add("/sitemap.xml", Spec{})
	b.fetchNew(src, 2)
	w := b.byTitle("تحلية")
	if w.Title != "مشروع جديد لتحلية مياه البحر في المدن الساحلية" {
		t.Errorf("title %q, want news:title", w.Title)
	}
	if want := time.Date(2026, 12, 1, 5, 15, 0, 0, time.UTC); !w.Published.Equal(want) {
		t.Errorf("published %s, want news:publication_date %s", w.Published, want)
	}
	if !strings.Contains(w.BodyText, "بالطاقة الشمسية") || strings.Contains(w.BodyText, "الرئيسية") || strings.Contains(w.BodyText, "محفوظة") {
		t.Errorf("readability body: %q", w.BodyText)
	}
	if w.Summary != "مشروع لتحلية مياه البحر يخدم مليون نسمة." || w.Image != b.srv.URL+"/img/water.jpg" {
		t.Errorf("og: summary %q image %q", w.Summary, w.Image)
	}
	if w.Category != "بيئة" || w.Language != "ar" {
		t.Errorf("category %q (want the first news:keyword) language %q", w.Category, w.Language)
	}
	m := b.byTitle("متحف")
	if want := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC); !m.Published.Equal(want) {
		t.Errorf("page without news: published %s, want its article:published_time %s", m.Published, want)
	}
	// Fetched again: the pages are not fetched again.
	hits := b.hit("/pages/water.html")
	if r := b.fetch(src); r.New != 0 || r.Updated != 0 || r.Unchanged != 2 {
		t.Errorf("second fetch: %s", r)
	}
	if b.hit("/pages/water.html") != hits {
		t.Errorf("an unchanged sitemap entry was fetched again")
	}
}

func TestFullTextFromExcerptFeed(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.serve("/feed", "excerpt.xml", "application/rss+xml")
	b.serve("/pages/alula.html", "alula.html", "text/html")
	src := b.add("/feed", Spec{FullText: true})
	b.fetchNew(src, 1)
	a := b.byTitle("العلا")
	if a.Title != "اكتشاف أثري جديد في العلا" {
		t.Errorf("title %q, want the feed's", a.Title)
	}
	if want := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC); !a.Published.Equal(want) {
		t.Errorf("published %s, want the feed's %s", a.Published, want)
	}
	if a.Category != "ثقافة" {
		t.Errorf("category %q, want the feed's", a.Category)
	}
	if !strings.Contains(a.BodyText, "طرق التجارة القديمة") || strings.Contains(a.BodyText, "اقرأ المزيد") {
		t.Errorf("body %q: want the page's article, not the excerpt", a.BodyText)
	}

	// Without --full-text the excerpt is all there is.
	b2 := setup(t, nil)
	b2.serve("/feed", "excerpt.xml", "application/rss+xml")
	b2.fetch(b2.add("/feed", Spec{}))
	if a := b2.byTitle("العلا"); !strings.Contains(a.BodyText, "اقرأ المزيد") || b2.hit("/pages/alula.html") != 0 {
		t.Errorf("without full text: body %q, page hits %d", a.BodyText, b2.hit("/pages/alula.html"))
	}
}

func TestPageAnnouncingAFeed(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.serve("/", "home.html", "text/html; charset=utf-8")
	b.serve("/rss.xml", "rss-ar.xml", "application/rss+xml")
	src := b.add("/", Spec{})
	r := b.fetchNew(src, 2)
	if r.Source.URL != b.srv.URL+"/rss.xml" {
		t.Errorf("source URL %s, want the announced feed", r.Source.URL)
	}
	// A page that announces nothing is an error naming the format.
	b.serve("/plain", "museum.html", "text/html")
	if r := b.fetch(b.add("/plain", Spec{})); !errors.Is(r.Err, ErrFormat) {
		t.Errorf("page without a feed: %v, want %v", r.Err, ErrFormat)
	}
}
