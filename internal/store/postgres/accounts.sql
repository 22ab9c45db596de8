-- Named queries of the PostgreSQL store for users, API tokens, sessions, the
-- audit log and erased addresses (see queries.sql for the conventions).

-- name: insert-user
INSERT INTO users (email, name, role, password_hash, totp_secret, recovery_codes, created_at, last_login_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id;

-- name: get-user
SELECT id, email, name, role, password_hash, totp_secret, recovery_codes, created_at, last_login_at
FROM users WHERE id = $1;

-- name: user-by-email
SELECT id, email, name, role, password_hash, totp_secret, recovery_codes, created_at, last_login_at
FROM users WHERE email = $1;

-- name: list-users
SELECT id, email, name, role, password_hash, totp_secret, recovery_codes, created_at, last_login_at
FROM users ORDER BY email;

-- name: update-user
UPDATE users SET name = $1, role = $2, password_hash = $3, totp_secret = $4, recovery_codes = $5,
    last_login_at = $6
WHERE id = $7;

-- name: delete-user
DELETE FROM users WHERE id = $1;

-- name: count-users
SELECT count(*) FROM users WHERE $1 = '' OR role = $1;

-- name: insert-token
INSERT INTO api_tokens (name, user_id, hash, created_at) VALUES ($1, $2, $3, $4)
RETURNING id;

-- name: token-by-hash
SELECT t.id, t.name, t.user_id, u.email, t.hash, t.created_at, t.last_used_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.hash = $1;

-- name: list-tokens
SELECT t.id, t.name, t.user_id, u.email, t.hash, t.created_at, t.last_used_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
ORDER BY t.name;

-- name: revoke-token
DELETE FROM api_tokens WHERE name = $1;

-- name: touch-token
UPDATE api_tokens SET last_used_at = $1 WHERE id = $2;

-- name: insert-session
INSERT INTO sessions (id_hash, user_id, csrf, pending, created_at, last_seen, addr, user_agent)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: get-session
SELECT id_hash, user_id, csrf, pending, created_at, last_seen, addr, user_agent
FROM sessions WHERE id_hash = $1;

-- name: touch-session
UPDATE sessions SET last_seen = $1 WHERE id_hash = $2 AND last_seen < $1;

-- name: session-exists
SELECT count(*) FROM sessions WHERE id_hash = $1;

-- name: delete-session
DELETE FROM sessions WHERE id_hash = $1;

-- name: delete-user-sessions
DELETE FROM sessions WHERE user_id = $1;

-- name: delete-sessions-before
DELETE FROM sessions WHERE created_at < $1 OR last_seen < $2;

-- name: insert-audit
INSERT INTO audit_log (at, actor, action, target, detail, addr) VALUES ($1, $2, $3, $4, $5, $6);

-- name: list-audit
SELECT id, at, actor, action, target, detail, addr
FROM audit_log
WHERE at >= $1 AND ($2::bigint = 0 OR id < $2) AND ($3 = '' OR action = $3) AND ($4 = '' OR actor = $4)
    AND ($5 = '' OR target = $5) AND ($6 = '' OR addr = $6)
ORDER BY id DESC
LIMIT $7;

-- name: count-audit
SELECT count(*)
FROM audit_log
WHERE at >= $1 AND ($2 = '' OR action = $2) AND ($3 = '' OR actor = $3)
    AND ($4 = '' OR target = $4) AND ($5 = '' OR addr = $5);

-- name: delete-subscriber-by-id
DELETE FROM subscribers WHERE id = $1 RETURNING email;

-- name: scrub-audit
-- An erased subscriber's address leaves the audit log: entries about it
-- name the subscriber's number instead, without their detail.
UPDATE audit_log SET target = $1, detail = '' WHERE lower(target) = lower($2);

-- name: insert-erased
INSERT INTO erased_addresses (hash, erased_at) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING;

-- name: is-erased
SELECT count(*) FROM erased_addresses WHERE hash = $1;

-- name: unerase
DELETE FROM erased_addresses WHERE hash = $1;

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

-- name: subscriber-deliveries
SELECT edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at, sent_at
FROM deliveries
WHERE subscriber_id = $1
ORDER BY edition_id DESC
LIMIT $2;

-- name: subscriber-growth
-- Days are counted at a fixed UTC offset of $2 nanoseconds.
SELECT (created_at + $2) / 86400000000000 AS day, count(*)
FROM subscribers
WHERE created_at >= $1
GROUP BY day
ORDER BY day;

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

-- name: subscriber-counts
SELECT status, count(*) FROM subscribers GROUP BY status;

-- name: edition-delivery-counts
-- $1 is a JSON array of edition IDs.
SELECT edition_id, state, count(*) FROM deliveries
WHERE edition_id IN (SELECT jsonb_array_elements_text($1::jsonb))
GROUP BY edition_id, state;
