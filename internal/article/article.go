// Package article holds the Article model and turns article files (.txt, .md,
// .html, .json) into clean, sanitised Articles. Of nashra's packages it
// imports only internal/arabic (sentences and the default summary).
package article

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Article is one news story, already sanitised: every string field is valid
// UTF-8 in NFC with control and bidi-override characters removed, and
// BodyHTML has passed the HTML allow-list.
type Article struct {
	// ID is stable across re-imports: the hex SHA-256 prefix of Key.
	ID string `json:"id"`
	// Key identifies the article for re-import: the canonical source URL
	// when known, otherwise "file:" + the slug.
	Key      string   `json:"key"`
	Slug     string   `json:"slug"`
	Title    string   `json:"title"`
	Subtitle string   `json:"subtitle,omitempty"`
	Category string   `json:"category,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Author   string   `json:"author,omitempty"`

	Published time.Time `json:"published"`
	Updated   time.Time `json:"updated"`

	// Summary is plain text. SummaryExplicit is true when it came from the
	// source (الخلاصة, front matter, og:description, JSON summary) rather
	// than being extracted.
	Summary         string `json:"summary,omitempty"`
	SummaryExplicit bool   `json:"summary_explicit,omitempty"`

	BodyHTML string `json:"body_html,omitempty"`
	BodyText string `json:"body_text,omitempty"`

	// Image is an absolute URL (or a site-relative path) of the lead image.
	Image string `json:"image,omitempty"`
	// Language is a BCP 47 tag such as "ar" or "en".
	Language string `json:"language,omitempty"`
	// SourceURL is the canonical URL of the original page, if any.
	SourceURL string `json:"source_url,omitempty"`
	// SourcePath is the file the article was imported from.
	SourcePath string `json:"source_path,omitempty"`
	// Draft articles are stored but never published.
	Draft bool `json:"draft,omitempty"`

	// Edited is when the store last saw the content change after the
	// first import (zero when it never did): a corrected article is
	// "updated" then even if its file names no update time. Set by the
	// store on reads, never stored from here, and not part of the content.
	Edited time.Time `json:"-"`
}

// IDFor returns the stable article ID for a key.
func IDFor(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// Related is a link from one article to another, best first.
type Related struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
}
