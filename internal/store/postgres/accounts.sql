-- Named queries of the PostgreSQL store for the console (subscriber search,
-- delivery counts) whose SQL differs from SQLite's (see queries.sql).

-- name: search-subscribers
-- $1 is a LIKE pattern ('' = any) with \ as escape; $3 the id to page
-- below (the largest integer for the first page); $4 a JSON-quoted category
-- pattern. ILIKE uses the trigram indexes for three characters or more.
SELECT id, email, name, status, categories, source, bounces, paused,
    created_at, confirmed_at, unsubscribed_at
FROM subscriber_rows
WHERE ($1 = '' OR email ILIKE $1 OR name ILIKE $1)
    AND ($2 = '' OR status = $2)
    AND id < $3
    AND ($4 = '' OR categories LIKE $4)
ORDER BY id DESC
LIMIT $5;

-- name: search-subscribers-plan
-- Run before search-subscribers-text in its transaction: a prepared
-- statement's generic plan cannot see the pattern, takes every text for a
-- rare one and walks the primary key (a million rows: seconds); a custom
-- plan picks the trigram indexes for rare text and the key for common text.
-- (PostgreSQL's LIKE escape character is \ already: no ESCAPE clause, which
-- would hide the pattern from the index in any plan.)
SET LOCAL plan_cache_mode = force_custom_plan;

-- name: search-subscribers-text
-- The same as search-subscribers: ILIKE finds the trigram indexes itself.
SELECT id, email, name, status, categories, source, bounces, paused,
    created_at, confirmed_at, unsubscribed_at
FROM subscriber_rows
WHERE (email ILIKE $1 OR name ILIKE $1)
    AND ($2 = '' OR status = $2)
    AND id < $3
    AND ($4 = '' OR categories LIKE $4)
ORDER BY id DESC
LIMIT $5;

-- name: search-subscribers-address
-- A complete address finds that address (by its unique key, whatever the
-- case); other parameters as search-subscribers.
SELECT id, email, name, status, categories, source, bounces, paused,
    created_at, confirmed_at, unsubscribed_at
FROM subscriber_rows
WHERE email_key = $1
    AND ($2 = '' OR status = $2)
    AND id < $3
    AND ($4 = '' OR categories LIKE $4)
LIMIT $5;

-- name: max-subscriber-below
SELECT coalesce(max(id), 0) FROM subscribers WHERE id < $1;

-- name: search-subscribers-recent
-- search-subscribers-text on the subscribers from id $6 (the newest 10,000
-- below $3: the caller computes it, so that the plan sees it) only: a
-- text that many people share fills a page there at once, where the
-- trigram indexes would first collect every one of them; when it does not
-- fill the page, the whole list is searched.
SELECT id, email, name, status, categories, source, bounces, paused,
    created_at, confirmed_at, unsubscribed_at
FROM subscriber_rows
WHERE (email ILIKE $1 OR name ILIKE $1)
    AND ($2 = '' OR status = $2)
    AND id < $3
    AND id >= $6
    AND ($4 = '' OR categories LIKE $4)
ORDER BY id DESC
LIMIT $5;

-- name: edition-delivery-counts
-- $1 is a JSON array of edition IDs.
SELECT edition_id, state, count(*) FROM deliveries
WHERE edition_id IN (SELECT jsonb_array_elements_text($1::jsonb))
GROUP BY edition_id, state;
