package source

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
)

// items turns the items of doc into articles: new and changed items are
// stored, unchanged ones (same fingerprint as last time) are skipped
// without fetching anything.
func (s *Service) items(ctx context.Context, src *store.Source, doc *Document, res *Result) {
	pages := 0
	var changed []article.Article
	// The item records are written together at the end: one transaction
	// instead of one per item. Should the process stop before, the next
	// fetch finds the articles stored already and unchanged.
	var seen []store.SourceItem
	defer func() {
		if err := s.st.PutSourceItems(context.WithoutCancel(ctx), seen); err != nil {
			res.Errors = append(res.Errors, err)
		}
	}()
	for _, it := range doc.Items {
		if ctx.Err() != nil {
			return
		}
		hash := itemHash(it, src)
		prev, err := s.st.GetSourceItem(ctx, src.ID, it.Key)
		if err == nil && prev.Hash == hash {
			res.Unchanged++
			continue
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			res.Skipped++
			res.Errors = append(res.Errors, err)
			continue
		}
		if prev != nil {
			// An article an admin deleted stays deleted, even when its item
			// changes upstream.
			if _, err := s.st.GetArticle(ctx, prev.ArticleID); errors.Is(err, store.ErrNotFound) {
				prev.Hash = hash
				if err := s.st.PutSourceItem(ctx, prev); err != nil {
					res.Errors = append(res.Errors, fmt.Errorf("item %s: %w", it.Key, err))
				}
				res.Unchanged++
				continue
			}
		}
		needPage := it.Page || (src.FullText && it.Link != "")
		if needPage && pages >= s.o.MaxPages {
			res.Pending++
			continue
		}
		if needPage {
			pages++
		}
		a, err := s.article(ctx, src, doc, it, needPage)
		if err != nil {
			res.Skipped++
			res.Errors = append(res.Errors, fmt.Errorf("item %s: %w", it.Key, err))
			s.o.Log.Warn("source item skipped", "source", src.URL, "item", it.Key, "err", err)
			continue
		}
		created, chg, err := s.upsert(ctx, a)
		if err != nil {
			res.Skipped++
			res.Errors = append(res.Errors, fmt.Errorf("item %s: %w", it.Key, err))
			continue
		}
		seen = append(seen, store.SourceItem{SourceID: src.ID, Key: it.Key, ArticleID: a.ID, Hash: hash})
		switch {
		case created:
			res.New++
		case chg:
			res.Updated++
		default:
			res.Unchanged++
			continue
		}
		changed = append(changed, *a)
	}
	if len(changed) > 0 && s.o.Related != nil {
		if err := s.o.Related.Refresh(ctx, changed); err != nil {
			res.Errors = append(res.Errors, err)
		}
	}
}

// upsert stores a, giving it a distinct slug when its title's slug belongs
// to another article already.
func (s *Service) upsert(ctx context.Context, a *article.Article) (created, changed bool, err error) {
	created, changed, err = s.st.UpsertArticle(ctx, a)
	if errors.Is(err, store.ErrConflict) {
		a.Slug = article.Slugify(a.Slug + "-" + a.ID[:8])
		created, changed, err = s.st.UpsertArticle(ctx, a)
	}
	return created, changed, err
}

// article builds the article of one item: from the feed's own content, or
// from its page (sitemap entries, full-text sources) keeping the feed's
// title, date and category.
func (s *Service) article(ctx context.Context, src *store.Source, doc *Document, it Item, fromPage bool) (*article.Article, error) {
	o := s.o.Parse
	key := ArticleKey(src, it.Key)
	a := &article.Article{Key: key}
	if fromPage {
		page, err := s.page(ctx, it.Link, o)
		if err != nil && it.Page {
			return nil, err
		}
		if err != nil {
			// A full-text source whose page cannot be read: keep the excerpt.
			s.o.Log.Warn("full text not available; keeping the feed's excerpt", "url", it.Link, "err", err)
		} else {
			page.Key, page.ID, page.Slug = key, "", ""
			a = &page
		}
	}
	if t := article.StripTags(html.UnescapeString(it.Title)); t != "" {
		a.Title = t
	}
	if strings.TrimSpace(a.Title) == "" {
		return nil, article.ErrNoTitle
	}
	if it.Link != "" {
		a.SourceURL = it.Link
	}
	if a.BodyHTML == "" {
		content, summary := it.Content, it.Summary
		if it.ContentText != "" && content == "" {
			content = textToHTML(it.ContentText)
		}
		if content == "" {
			content, summary = summary, ""
		}
		a.BodyHTML = article.SanitizeHTML(content)
		a.BodyText = article.HTMLToText(a.BodyHTML)
		if sum := article.StripTags(html.UnescapeString(article.HTMLToText(article.SanitizeHTML(summary)))); sum != "" {
			a.Summary, a.SummaryExplicit = sum, true
		}
	} else if sum := article.StripTags(html.UnescapeString(article.HTMLToText(article.SanitizeHTML(it.Summary)))); sum != "" && !it.Page {
		a.Summary, a.SummaryExplicit = sum, true
	}
	if strings.TrimSpace(a.BodyText) == "" && a.Summary == "" {
		return nil, article.ErrNoContent
	}
	if !it.Published.IsZero() {
		a.Published = it.Published
	} else if a.Published.IsZero() && !it.Updated.IsZero() {
		a.Published = it.Updated
	}
	if !it.Updated.IsZero() {
		a.Updated = it.Updated
	}
	if it.Author != "" {
		a.Author = it.Author
	}
	if it.Image != "" {
		a.Image = it.Image
	}
	if it.Language != "" {
		a.Language = it.Language
	}
	s.categorise(a, src, it)
	seen := time.Time{}
	if a.Published.IsZero() {
		// No date anywhere: the time it was first seen, kept on updates.
		seen = s.o.Now()
		if old, err := s.st.GetArticle(ctx, article.IDFor(key)); err == nil {
			seen = old.Published
		}
	}
	article.Finish(a, seen, o)
	return a, nil
}

// categorise sets the article's category: the source's, else the first of
// the item's categories that an alias maps, else its first category. The
// other categories become tags.
func (s *Service) categorise(a *article.Article, src *store.Source, it Item) {
	var cats []string
	for _, c := range it.Categories {
		if c = article.StripTags(html.UnescapeString(c)); c != "" {
			cats = append(cats, c)
		}
	}
	switch {
	case src.Category != "":
		a.Category = src.Category
	case len(cats) > 0:
		a.Category = cats[0]
		for _, c := range cats {
			if _, ok := s.o.Parse.CategoryAliases[article.AliasKey(c)]; ok {
				a.Category = c
				break
			}
		}
	}
	for _, c := range cats {
		if c != a.Category {
			a.Tags = append(a.Tags, c)
		}
	}
}

// page fetches a web page and reads it like a saved .html article.
func (s *Service) page(ctx context.Context, link string, o article.Options) (article.Article, error) {
	if _, err := NormalizeURL(link); err != nil {
		return article.Article{}, err
	}
	resp, err := s.f.Get(ctx, Request{URL: link, Accept: "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"})
	if err != nil {
		return article.Article{}, err
	}
	body := resp.Body
	if cs := contentCharset(resp.ContentType); cs != "" && !strings.Contains(strings.ToLower(string(body[:min(len(body), 2048)])), "charset") {
		// The header names the charset and the page does not: say it in
		// the page, where the article reader looks.
		body = append([]byte(`<meta charset="`+cs+`">`), body...)
	}
	return article.ParsePage(resp.URL, body, time.Time{}, o)
}

// textToHTML turns plain text into paragraphs.
func textToHTML(t string) string {
	var b strings.Builder
	for _, p := range strings.Split(strings.ReplaceAll(t, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p>")
			b.WriteString(html.EscapeString(p))
			b.WriteString("</p>")
		}
	}
	return b.String()
}
