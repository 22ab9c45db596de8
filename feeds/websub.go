package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// PingHub tells a WebSub hub that topics (feed URLs) have new content: one
// POST of hub.mode=publish&hub.url=TOPIC per topic, the form most hubs
// accept. Any non-2xx answer is an error; errors for several topics are
// joined. A nil client means http.DefaultClient.
func PingHub(ctx context.Context, client *http.Client, hub string, topics []string) error {
	if client == nil {
		client = http.DefaultClient
	}
	if safeURL(hub, "") == "" {
		return fmt.Errorf("feeds: WebSub hub %q: must be an absolute http(s) URL", hub)
	}
	var errs []error
	for _, topic := range topics {
		form := url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(form.Encode()))
		if err != nil {
			return fmt.Errorf("feeds: WebSub ping: %w", err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			errs = append(errs, fmt.Errorf("feeds: WebSub ping %s: %w", topic, err))
			continue
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			errs = append(errs, fmt.Errorf("feeds: WebSub ping %s: hub answered %s: %s",
				topic, resp.Status, strings.TrimSpace(string(msg))))
		}
	}
	return errors.Join(errs...)
}
