package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
)

func testSources(ctx context.Context, t *testing.T, s store.Store) {
	src := &store.Source{URL: "https://example.com/ar/rss.xml", Name: "أخبار المثال", Category: "اقتصاد", FullText: true}
	created, err := s.AddSource(ctx, src)
	if err != nil || !created {
		t.Fatalf("AddSource = %v, %v; want created", created, err)
	}
	if src.ID == 0 || src.Key != src.URL || src.NextFetch.IsZero() || src.CreatedAt.IsZero() {
		t.Fatalf("AddSource left %+v; want ID, Key = URL, NextFetch and CreatedAt set", src)
	}
	again := &store.Source{URL: src.URL, Name: "other"}
	if created, err := s.AddSource(ctx, again); err != nil || created || again.ID != src.ID || again.Name != "أخبار المثال" {
		t.Fatalf("AddSource twice = %v, %v, %+v; want the stored source, not created", created, err, again)
	}
	if _, err := s.AddSource(ctx, &store.Source{}); err == nil {
		t.Error("AddSource without URL: no error")
	}

	// Every field round-trips through UpdateSource, with nanoseconds.
	src.URL = "https://example.com/ar/feed"
	src.ETag, src.LastModified = `W/"abc"`, "Tue, 01 Dec 2026 10:00:00 GMT"
	src.LastFetch, src.LastSuccess = base, base.Add(-time.Hour)
	src.NextFetch = base.Add(15 * time.Minute)
	src.Errors, src.LastError, src.LastStatus = 2, "HTTP 503", 503
	src.Hub, src.Topic, src.HubSecret = "https://hub.example/", "https://example.com/ar/feed", "s3cret"
	src.HubLeaseEnd, src.HubState = base.Add(24*time.Hour), store.HubVerified
	src.FromConfig = true
	if err := s.UpdateSource(ctx, src); err != nil {
		t.Fatalf("UpdateSource: %v", err)
	}
	got, err := s.GetSource(ctx, src.ID)
	if err != nil {
		t.Fatalf("GetSource: %v", err)
	}
	if *got != *src {
		t.Errorf("GetSource =\n%+v\nwant\n%+v", *got, *src)
	}
	// The key stays the URL first added: both find it.
	for _, u := range []string{"https://example.com/ar/feed", "https://example.com/ar/rss.xml"} {
		if g, err := s.SourceByURL(ctx, u); err != nil || g.ID != src.ID {
			t.Errorf("SourceByURL(%s) = %v, %v", u, g, err)
		}
	}
	if _, err := s.SourceByURL(ctx, "https://nowhere.example/"); err == nil {
		t.Error("SourceByURL of an unknown URL: no error")
	} else {
		wantErr(t, "SourceByURL unknown", err, store.ErrNotFound)
	}
	src.HubState = "bogus"
	wantErr(t, "UpdateSource bad hub state", s.UpdateSource(ctx, src), store.ErrInvalid)
	src.HubState = store.HubVerified

	second := &store.Source{URL: "https://example.org/sitemap.xml", NextFetch: base.Add(-time.Minute)}
	if _, err := s.AddSource(ctx, second); err != nil {
		t.Fatal(err)
	}
	second.URL = src.URL
	wantErr(t, "UpdateSource to a URL of another source", s.UpdateSource(ctx, second), store.ErrConflict)
	second.URL = "https://example.org/sitemap.xml"

	due, err := s.DueSources(ctx, base, 0)
	if err != nil || len(due) != 1 || due[0].ID != second.ID {
		t.Errorf("DueSources(base) = %v, %v; want only the second source", due, err)
	}
	due, err = s.DueSources(ctx, base.Add(time.Hour), 1)
	if err != nil || len(due) != 1 || due[0].ID != second.ID {
		t.Errorf("DueSources(base+1h, 1) = %v, %v; want the most overdue one", due, err)
	}
	all, err := s.ListSources(ctx)
	if err != nil || len(all) != 2 || all[0].ID != src.ID || all[1].ID != second.ID {
		t.Fatalf("ListSources = %v, %v", all, err)
	}

	// Items: insert, read, replace; the count shows on the source.
	_, err = s.GetSourceItem(ctx, src.ID, "guid-1")
	wantErr(t, "GetSourceItem before put", err, store.ErrNotFound)
	it := &store.SourceItem{SourceID: src.ID, Key: "guid-1", ArticleID: "a1", Hash: "h1"}
	if err := s.PutSourceItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	it.Hash = "h2"
	if err := s.PutSourceItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSourceItem(ctx, &store.SourceItem{SourceID: src.ID, Key: "https://example.com/2", ArticleID: "a2", Hash: "x"}); err != nil {
		t.Fatal(err)
	}
	if g, err := s.GetSourceItem(ctx, src.ID, "guid-1"); err != nil || *g != *it {
		t.Errorf("GetSourceItem = %+v, %v; want %+v", g, err, it)
	}
	if g, _ := s.GetSource(ctx, src.ID); g.Items != 2 {
		t.Errorf("Items = %d, want 2", g.Items)
	}
	wantErr(t, "PutSourceItem of an unknown source",
		s.PutSourceItem(ctx, &store.SourceItem{SourceID: 9999, Key: "k", ArticleID: "a", Hash: "h"}), store.ErrNotFound)

	// Several at once: all or none.
	batch := []store.SourceItem{
		{SourceID: src.ID, Key: "guid-1", ArticleID: "a1", Hash: "h3"},
		{SourceID: src.ID, Key: "guid-3", ArticleID: "a3", Hash: "h"},
	}
	if err := s.PutSourceItems(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if g, err := s.GetSourceItem(ctx, src.ID, "guid-3"); err != nil || g.ArticleID != "a3" {
		t.Errorf("GetSourceItem after PutSourceItems = %+v, %v", g, err)
	}
	if g, _ := s.GetSourceItem(ctx, src.ID, "guid-1"); g == nil || g.Hash != "h3" {
		t.Errorf("PutSourceItems did not replace guid-1: %+v", g)
	}
	bad := []store.SourceItem{{SourceID: src.ID, Key: "guid-4", ArticleID: "a4", Hash: "h"}, {SourceID: 9999, Key: "k", ArticleID: "a", Hash: "h"}}
	wantErr(t, "PutSourceItems with an unknown source", s.PutSourceItems(ctx, bad), store.ErrNotFound)
	if _, err := s.GetSourceItem(ctx, src.ID, "guid-4"); err == nil {
		t.Error("PutSourceItems stored part of a failed batch")
	}
	if g, _ := s.GetSource(ctx, src.ID); g.Items != 3 {
		t.Errorf("Items = %d, want 3", g.Items)
	}

	if err := s.RemoveSource(ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "RemoveSource twice", s.RemoveSource(ctx, src.ID), store.ErrNotFound)
	_, err = s.GetSourceItem(ctx, src.ID, "guid-1")
	wantErr(t, "item of a removed source", err, store.ErrNotFound)
	wantErr(t, "UpdateSource of a removed source", s.UpdateSource(ctx, src), store.ErrNotFound)
	// Re-adding the URL makes a new source with the same key.
	re := &store.Source{URL: "https://example.com/ar/rss.xml"}
	if created, err := s.AddSource(ctx, re); err != nil || !created || re.Key != "https://example.com/ar/rss.xml" || re.Items != 0 {
		t.Errorf("AddSource after remove = %v, %v, %+v", created, err, re)
	}
}
