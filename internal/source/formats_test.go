package source

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"
)

func TestFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, fixture, ctype string
		spec                 Spec
		want                 int
		check                func(t *testing.T, b *bundle)
	}{
		{name: "Arabic RSS with CDATA and content:encoded", fixture: "rss-ar.xml", ctype: "application/rss+xml", want: 2,
			check: func(t *testing.T, b *bundle) {
				a := b.byTitle("البنك المركزي")
				if !strings.Contains(a.BodyText, "كبح التضخم") || !strings.Contains(a.BodyText, "بنوك أخرى") {
					t.Errorf("body is not content:encoded: %q", a.BodyText)
				}
				if strings.Contains(a.BodyHTML, "script") || strings.Contains(a.BodyHTML, "onclick") {
					t.Errorf("body not sanitised: %s", a.BodyHTML)
				}
				if a.Category != "اقتصاد" || len(a.Tags) != 1 || a.Tags[0] != "بنوك" {
					t.Errorf("category %q tags %q; want اقتصاد through the alias and بنوك as a tag", a.Category, a.Tags)
				}
				if a.Author != "سارة العتيبي" || a.SourceURL != "https://news.example/economy/rate-hike" {
					t.Errorf("author %q source %q", a.Author, a.SourceURL)
				}
				if want := time.Date(2026, 12, 1, 3, 30, 0, 0, time.UTC); !a.Published.Equal(want) {
					t.Errorf("published %s, want %s", a.Published, want)
				}
				if !a.SummaryExplicit || !strings.HasPrefix(a.Summary, "قرر البنك المركزي رفع") {
					t.Errorf("summary %q (explicit %v), want the description", a.Summary, a.SummaryExplicit)
				}
				// An item with only a description: that is its body.
				s := b.byTitle("المنتخب")
				if !strings.Contains(s.BodyText, "بهدفين دون رد") || s.Category != "رياضة" {
					t.Errorf("description-only item: body %q category %q", s.BodyText, s.Category)
				}
			}},
		{name: "Atom with xhtml content", fixture: "atom-xhtml.xml", ctype: "application/atom+xml", want: 1,
			check: func(t *testing.T, b *bundle) {
				a := b.byTitle("متصفح")
				if a.Title != "إطلاق متصفح جديد يحمي الخصوصية" {
					t.Errorf("title %q: want the tags of an html title stripped", a.Title)
				}
				if !strings.Contains(a.BodyHTML, "<strong>التتبع</strong>") || !strings.Contains(a.BodyText, "الصفحات العربية") {
					t.Errorf("xhtml content lost: %s", a.BodyHTML)
				}
				if a.Category != "تقنية" || a.Author != "خالد الراشد" || a.SourceURL != "https://tech.example/posts/77" {
					t.Errorf("category %q author %q url %q", a.Category, a.Author, a.SourceURL)
				}
			}},
		{name: "JSON Feed 1.1", fixture: "feed.json", ctype: "application/feed+json", want: 2,
			check: func(t *testing.T, b *bundle) {
				a := b.byTitle("المشي")
				if a.Category != "صحة" || a.Author != "ليلى حسن" || a.Summary != "المشي نصف ساعة يوميا يحمي القلب." {
					t.Errorf("category %q author %q summary %q", a.Category, a.Author, a.Summary)
				}
				n := b.byTitle("نصائح")
				if strings.Count(n.BodyHTML, "<p>") != 2 {
					t.Errorf("content_text should become two paragraphs: %s", n.BodyHTML)
				}
			}},
		{name: "RSS 1.0 (RDF) with content:encoded", fixture: "rss1.rdf", ctype: "application/rdf+xml", want: 1,
			check: func(t *testing.T, b *bundle) {
				a := b.byTitle("أمطار")
				if !strings.Contains(a.BodyText, "رياح نشطة") || a.Category != "طقس" {
					t.Errorf("body %q category %q", a.BodyText, a.Category)
				}
				if want := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC); !a.Published.Equal(want) {
					t.Errorf("published %s, want dc:date %s", a.Published, want)
				}
			}},
		{name: "RSS 0.91 without guid or date", fixture: "rss091.xml", ctype: "application/rss+xml", want: 1,
			check: func(t *testing.T, b *bundle) {
				a := b.byTitle("قطار")
				if a.Key != "source:"+b.srv.URL+"/feed#https://old091.example/train" || a.Published.IsZero() {
					t.Errorf("key %q (want the link as item key), published %s", a.Key, a.Published)
				}
			}},
		{name: "RSS in Windows-1256", fixture: "rss-1256.xml", ctype: "application/xml", want: 1,
			check: func(t *testing.T, b *bundle) {
				a := b.byTitle("معرض الكتاب")
				if a.Title != "افتتاح معرض الكتاب الدولي" || !strings.Contains(a.BodyText, "ألف دار نشر") {
					t.Errorf("windows-1256 not decoded: %q / %q", a.Title, a.BodyText)
				}
			}},
		{name: "Windows-1256 declared only by Content-Type", fixture: "rss-1256.xml", ctype: "text/xml; charset=windows-1256", want: 1,
			check: func(t *testing.T, b *bundle) {
				if a := b.byTitle("معرض الكتاب"); a.Title != "افتتاح معرض الكتاب الدولي" {
					t.Errorf("title %q", a.Title)
				}
			}},
		{name: "control characters and bidi overrides", fixture: "controls.xml", ctype: "application/rss+xml", want: 1,
			check: func(t *testing.T, b *bundle) {
				a := b.byTitle("محرف تحكم")
				for _, s := range []string{a.Title, a.BodyText, a.BodyHTML, a.Summary} {
					for _, r := range s {
						if (unicode.IsControl(r) && r != '\n') || r == '\u202e' {
							t.Errorf("%U left in %q", r, s)
						}
					}
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			b.serve("/feed", tt.fixture, tt.ctype)
			src := b.add("/feed", tt.spec)
			r := b.fetchNew(src, tt.want)
			tt.check(t, b)
			// Fetched again unchanged: nothing written, not even the change time.
			before, _ := b.st.LastChange(b.ctx)
			r = b.fetch(src)
			after, _ := b.st.LastChange(b.ctx)
			if r.New != 0 || r.Updated != 0 || r.Unchanged != tt.want || !before.Equal(after) {
				t.Errorf("second fetch: %s; last change %s -> %s; want all unchanged", r, before, after)
			}
			if n := len(b.articles()); n != tt.want {
				t.Errorf("%d articles after two fetches, want %d", n, tt.want)
			}
		})
	}
}

func TestRSSTTLStretchesSchedule(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.Interval = 10 * time.Minute })
	b.serve("/feed", "rss-ar.xml", "application/rss+xml")
	src := b.add("/feed", Spec{})
	start := time.Now()
	r := b.fetch(src)
	if wait := r.Source.NextFetch.Sub(start); wait < 60*time.Minute || wait > 67*time.Minute {
		t.Errorf("next fetch in %s; want the feed's ttl of 60 minutes (plus at most 10%% jitter)", wait)
	}
}

func TestItemChangedUpstreamUpdates(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	body := string(b.fixture("rss-ar.xml"))
	b.handle("/feed", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(body)) })
	src := b.add("/feed", Spec{})
	if r := b.fetch(src); r.New != 2 {
		t.Fatalf("first fetch: %s", r)
	}
	b.mu.Lock()
	body = strings.Replace(body, "ربع نقطة]]>", "نصف نقطة]]>", 1)
	b.mu.Unlock()
	r := b.fetch(src)
	if r.New != 0 || r.Updated != 1 || r.Unchanged != 1 {
		t.Fatalf("after the upstream edit: %s; want 1 updated, 1 unchanged", r)
	}
	arts := b.articles()
	if len(arts) != 2 {
		t.Fatalf("%d articles, want 2 (updated, not duplicated)", len(arts))
	}
	if a := b.byTitle("البنك المركزي"); a.Title != "البنك المركزي يرفع سعر الفائدة نصف نقطة" {
		t.Errorf("title %q", a.Title)
	}
}

func TestDeletedArticleStaysDeleted(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	body := string(b.fixture("rss-ar.xml"))
	b.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		_, _ = w.Write([]byte(body))
	})
	src := b.add("/feed", Spec{})
	b.fetch(src)
	a := b.byTitle("البنك المركزي")
	if err := b.st.DeleteArticle(b.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	body = strings.Replace(body, "ربع نقطة]]>", "نصف نقطة]]>", 1)
	b.mu.Unlock()
	if r := b.fetch(src); r.New != 0 || r.Updated != 0 {
		t.Errorf("after the upstream edit of a deleted article: %s", r)
	}
	if n := len(b.articles()); n != 1 {
		t.Errorf("%d articles, want 1: the deleted one must not come back", n)
	}
}

func TestScheduleStretchedBySource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, fixture string
		maxAge        string
		want          time.Duration
	}{
		{"sy:updatePeriod daily / 12", "rss1.rdf", "", 2 * time.Hour},
		{"Cache-Control max-age", "feed.json", "max-age=10800", 3 * time.Hour},
		{"neither: sources.interval", "feed.json", "", 15 * time.Minute},
		{"no-cache: sources.interval", "feed.json", "no-cache", 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			b.handle("/feed", func(w http.ResponseWriter, r *http.Request) {
				if tt.maxAge != "" {
					w.Header().Set("Cache-Control", tt.maxAge)
				}
				_, _ = w.Write(b.fixture(tt.fixture))
			})
			start := time.Now()
			r := b.fetch(b.add("/feed", Spec{}))
			if wait := r.Source.NextFetch.Sub(start); wait < tt.want || wait > tt.want+tt.want/10+time.Second {
				t.Errorf("next fetch in %s, want %s plus at most 10%% jitter", wait, tt.want)
			}
		})
	}
}

func TestRelativeLinksResolved(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.handle("/ar/feed", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>ت</title><link>/</link><description>x</description>
<item><title>خبر برابط نسبي</title><link>/ar/news/5</link><pubDate>Tue, 01 Dec 2026 06:30:00 +0300</pubDate>
<description>نص الخبر ذي الرابط النسبي.</description><enclosure url="img/5.jpg" type="image/jpeg" length="1"/></item>
<item><title>خبر برابط خبيث</title><link>javascript:alert(1)</link><guid>bad-1</guid><pubDate>Tue, 01 Dec 2026 06:30:00 +0300</pubDate>
<description>نص.</description></item></channel></rss>`)
	})
	b.fetch(b.add("/ar/feed", Spec{}))
	a := b.byTitle("نسبي")
	if a.SourceURL != b.srv.URL+"/ar/news/5" || a.Image != b.srv.URL+"/ar/img/5.jpg" {
		t.Errorf("link %q image %q: want both resolved against the feed's URL", a.SourceURL, a.Image)
	}
	if bad := b.byTitle("خبيث"); bad.SourceURL != "" {
		t.Errorf("a javascript: link kept: %q", bad.SourceURL)
	}
}
