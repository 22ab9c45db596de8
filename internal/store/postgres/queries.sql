-- Named queries of the PostgreSQL store whose SQL differs from SQLite's;
-- those both run are in internal/store/internal/sqldb/queries (see there
-- for the conventions). Each takes the same arguments in the same order as
-- the SQLite store's query of its name, numbered $N.

-- name: migrate-lock
-- Held until the migration transaction ends: a second "nashra migrate"
-- on the same schema waits here, then finds nothing left to apply.
SELECT pg_advisory_xact_lock(hashtextextended('nashra.migrate:' || current_schema(), 0));

-- name: create-migrations-table
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at BIGINT NOT NULL
);

-- name: migrations-table-exists
SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations';

-- name: subscriber-by-email-for-update
-- Locks the subscriber's row (a view over an outer join cannot be locked).
SELECT id, email, name, status,
    coalesce((SELECT d.categories FROM subscriptions AS d
              WHERE d.subscriber_id = subscribers.id
                AND d.newsletter = (SELECT slug FROM newsletters WHERE is_default)), '[]'),
    source, bounces, paused, created_at, confirmed_at, unsubscribed_at
FROM subscribers WHERE email_key = $1
FOR UPDATE;

-- name: fill-edition
-- An edition held or approved before it was built gets its content once.
UPDATE editions SET subject = $2, body = $3::bytea, window_from = $4, window_to = $5,
    send_at = coalesce(send_at, $6)
WHERE id = $1 AND octet_length(body) = 0 AND octet_length($3::bytea) > 0;

-- name: list-editions
-- Bodies are left out (an empty one in their place); the last column says
-- how long each is. Newest first by send time (else cut-off, else creation), so
-- the newsletters interleave (by ID, "weekly.*" would sort above every day).
SELECT id, subject, ''::bytea, created_at, recipients, state, window_from, window_to, send_at, started_at, updated_at, note, octet_length(body), newsletter
FROM editions ORDER BY COALESCE(send_at, window_to, created_at) DESC, id DESC LIMIT $1;

-- name: set-edition-state
-- $1 id, $2 new state, $3 now, $4 note, $5 JSON array of the states it may move from.
UPDATE editions SET state = $2, updated_at = $3, note = $4,
    started_at = CASE WHEN $2 = 'sending' THEN coalesce(started_at, $3) ELSE started_at END
WHERE id = $1 AND state IN (SELECT jsonb_array_elements_text($5::jsonb))
RETURNING id, subject, body, created_at, recipients, state, window_from, window_to, send_at, started_at, updated_at, note, octet_length(body), newsletter;

-- name: enqueue-deliveries
-- $3 is a JSON array of subscriber IDs; IDs no longer on record are
-- skipped, and the address is taken from the subscriber row.
INSERT INTO deliveries (edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at)
SELECT $1, s.id, s.email, 'queued', 0, '', '', $2
FROM jsonb_array_elements_text($3::jsonb) AS j (value) JOIN subscribers AS s ON s.id = j.value::bigint
ON CONFLICT (edition_id, subscriber_id) DO NOTHING;

-- name: page-deliveries
-- $1 edition, $2 state ('' = any), $3 part of the address ('' = any),
-- $4 after this subscriber ID, $5 limit.
SELECT edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at, sent_at
FROM deliveries
WHERE edition_id = $1 AND ($2 = '' OR state = $2) AND ($3 = '' OR strpos(lower(email), lower($3)) > 0)
  AND subscriber_id > $4
ORDER BY subscriber_id
LIMIT $5;

-- name: take-rate
-- GCRA: $1 key, $2 now (ns), $3 interval (ns), $4 (burst-1) x interval.
-- A request is allowed when the bucket's time is at most now + $4; it
-- then moves one interval past max(time, now). No row back: refused, and
-- the bucket is left as it was.
INSERT INTO rate_buckets (key, tat) VALUES ($1, $2::bigint + $3::bigint)
ON CONFLICT (key) DO UPDATE SET tat = GREATEST(rate_buckets.tat, $2::bigint) + $3::bigint
WHERE rate_buckets.tat <= $2::bigint + $4::bigint
RETURNING tat;
