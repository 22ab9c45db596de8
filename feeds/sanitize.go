package feeds

import (
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

// policy is the encoder's own HTML allow-list: article bodies are sanitised
// at ingestion, and this second pass makes sure that no script, event
// handler or javascript: URL can reach a feed whatever the input.
var policy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(false)
	return p
})

// sanitizeHTML returns body with everything outside the allow-list removed.
func sanitizeHTML(body string) string { return policy().Sanitize(body) }
