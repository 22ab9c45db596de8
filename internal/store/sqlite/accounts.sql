-- Named queries of the SQLite store for the console (subscriber search,
-- delivery counts) whose SQL differs from PostgreSQL's (see queries.sql).

-- name: search-subscribers
-- ?1 is a LIKE pattern ('' = any) with \ as escape; ?3 the id to page
-- below (the largest integer for the first page); ?4 a JSON-quoted category
-- pattern. For text of three characters or more, search-subscribers-text
-- uses the trigram index instead.
SELECT id, email, name, status, categories, source, bounces, paused,
    created_at, confirmed_at, unsubscribed_at
FROM subscriber_rows
WHERE (?1 = '' OR email LIKE ?1 ESCAPE '\' OR name LIKE ?1 ESCAPE '\')
    AND (?2 = '' OR status = ?2)
    AND id < ?3
    AND (?4 = '' OR categories LIKE ?4 ESCAPE '\')
ORDER BY id DESC
LIMIT ?5;

-- name: search-subscribers-text
-- ?1 is an FTS5 phrase (the text in double quotes): with the trigram
-- tokenizer it matches the text anywhere in the address or the name, in
-- any case. Other parameters as search-subscribers. The index is walked
-- newest first (CROSS JOIN keeps it the outer loop) so that a common text
-- stops at the page's end instead of collecting every match.
SELECT s.id, s.email, s.name, s.status, s.categories, s.source, s.bounces, s.paused,
    s.created_at, s.confirmed_at, s.unsubscribed_at
FROM subscribers_search f CROSS JOIN subscriber_rows s ON s.id = f.rowid
WHERE subscribers_search MATCH ?1
    AND f.rowid < ?3
    AND (?2 = '' OR s.status = ?2)
    AND (?4 = '' OR s.categories LIKE ?4 ESCAPE '\')
ORDER BY f.rowid DESC
LIMIT ?5;

-- name: search-subscribers-address
-- A complete address finds that address (by its unique key, whatever the
-- case); other parameters as search-subscribers.
SELECT id, email, name, status, categories, source, bounces, paused,
    created_at, confirmed_at, unsubscribed_at
FROM subscriber_rows
WHERE email_key = ?1
    AND (?2 = '' OR status = ?2)
    AND id < ?3
    AND (?4 = '' OR categories LIKE ?4 ESCAPE '\')
LIMIT ?5;

-- name: edition-delivery-counts
-- ?1 is a JSON array of edition IDs.
SELECT edition_id, state, count(*) FROM deliveries
WHERE edition_id IN (SELECT value FROM json_each(?1))
GROUP BY edition_id, state;
