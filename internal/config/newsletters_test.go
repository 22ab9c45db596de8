package config

import (
	"strings"
	"testing"
	"time"
)

// TestNewslettersDefault: a config without newsletters has one, "daily",
// made of digest.*, so that existing configs keep working unchanged.
func TestNewslettersDefault(t *testing.T) {
	c, err := LoadFrom(write(t, "digest:\n  schedule: \"30 6 * * *\"\n  max_articles: 12\n  approval: required\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	list := c.NewsletterList()
	if len(list) != 1 {
		t.Fatalf("NewsletterList = %+v, want one", list)
	}
	n := list[0]
	if n.Slug != "daily" || n.Schedule != "30 6 * * *" || n.MaxArticles != 12 || !n.RequireApproval() ||
		n.Template != TemplateDaily || n.Window != 24*time.Hour || n.Name == "" {
		t.Errorf("default newsletter = %+v", n)
	}
	if d, ok := c.FindNewsletter(""); !ok || d.Slug != "daily" {
		t.Errorf(`FindNewsletter("") = %+v, %v`, d, ok)
	}
}

// TestNewslettersList: listed newsletters keep their own fields and take
// digest.* for the ones left out; a weekly one reaches back seven days.
func TestNewslettersList(t *testing.T) {
	c, err := LoadFrom(write(t, `digest:
  max_articles: 15
mail:
  from_name: "نشرة"
newsletters:
  - slug: morning
    name: "الصباحية"
    schedule: "0 7 * * *"
  - slug: weekly
    name: "حصاد الأسبوع"
    description: "كل جمعة"
    schedule: "0 9 * * 5"
    categories: ["اقتصاد", "تقنية"]
    max_articles: 40
    from_name: "حصاد"
    template: weekly
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.NewsletterSlugs(); strings.Join(got, ",") != "morning,weekly" {
		t.Fatalf("slugs = %v", got)
	}
	m, _ := c.FindNewsletter("")
	if m.Slug != "morning" || m.MaxArticles != 15 || m.FromName != "نشرة" || m.Window != 24*time.Hour {
		t.Errorf("morning = %+v", m)
	}
	w, ok := c.FindNewsletter("weekly")
	if !ok || w.MaxArticles != 40 || w.FromName != "حصاد" || w.Window != 7*24*time.Hour || len(w.Categories) != 2 || w.Description != "كل جمعة" {
		t.Errorf("weekly = %+v, %v", w, ok)
	}
	if _, ok := c.FindNewsletter("monthly"); ok {
		t.Error("FindNewsletter found an unlisted newsletter")
	}
}

// TestNewslettersInvalid: each bad field is reported with its key.
func TestNewslettersInvalid(t *testing.T) {
	_, err := LoadFrom(write(t, `newsletters:
  - slug: daily
    name: "يومية"
  - slug: "Week ly"
    name: ""
    schedule: "every friday"
    approval: maybe
    template: monthly
    max_articles: -1
    window: 10m
    categories: [""]
  - slug: daily
    name: "أخرى"
  - slug: "-weekly"
    name: "أسبوعية"
`), nil)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"newsletters[1].slug", "newsletters[1].name", "newsletters[1].schedule: must be a cron expression",
		"newsletters[1].approval", "newsletters[1].template", "newsletters[1].max_articles",
		"newsletters[1].window", "newsletters[1].categories[0]", `newsletters[2].slug: "daily" is used twice`,
		"newsletters[3].slug: must be",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), ": newsletters[0]") {
		t.Errorf("the valid entry is reported:\n%v", err)
	}
}
