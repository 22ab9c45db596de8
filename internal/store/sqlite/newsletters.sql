-- Named queries of the SQLite store for newsletters whose SQL differs
-- from PostgreSQL's (see queries.sql). A newsletter argument '' means the
-- default newsletter.

-- name: subscriptions-of
-- ?1 a JSON array of subscriber IDs.
SELECT subscriber_id, newsletter, status, categories, created_at, updated_at
FROM subscriptions WHERE subscriber_id IN (SELECT value FROM json_each(?1))
ORDER BY subscriber_id, newsletter;

-- name: newsletter-editions
-- ?1 newsletter, ?2 limit; bodies left out as in list-editions.
SELECT id, subject, x'', created_at, recipients, state, window_from, window_to, send_at, started_at, updated_at, note, length(body), newsletter
FROM editions
WHERE newsletter = CASE WHEN ?1 = '' THEN (SELECT slug FROM newsletters WHERE is_default = 1) ELSE ?1 END
ORDER BY COALESCE(send_at, window_to, created_at) DESC, id DESC LIMIT ?2;
