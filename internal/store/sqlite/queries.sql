-- Named queries of the SQLite store whose SQL differs from PostgreSQL's;
-- those both run are in internal/store/internal/sqldb/queries (see there
-- for the conventions). Each takes the same arguments in the same order as
-- the PostgreSQL store's query of its name.

-- name: migrate-lock
-- The transaction began IMMEDIATE (_txlock=immediate): it already holds
-- the write lock, so a second migrator waited (busy_timeout) at BEGIN. This
-- read would, in a DEFERRED transaction, pin a snapshot that the later
-- writes could not upgrade from — so the concurrency test notices.
SELECT count(*) FROM sqlite_master;

-- name: create-migrations-table
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
) STRICT;

-- name: migrations-table-exists
SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations';

-- name: subscriber-by-email-for-update
-- Inside an IMMEDIATE transaction: the row is already write-locked.
SELECT id, email, name, status, categories, source, bounces, paused,
    created_at, confirmed_at, unsubscribed_at
FROM subscriber_rows WHERE email_key = ?1;

-- name: fill-edition
-- An edition held or approved before it was built gets its content once.
UPDATE editions SET subject = ?2, body = ?3, window_from = ?4, window_to = ?5,
    send_at = coalesce(send_at, ?6)
WHERE id = ?1 AND length(body) = 0 AND length(?3) > 0;

-- name: list-editions
-- Bodies are left out (an empty one in their place); the last column says
-- how long each is. Newest first by send time (else cut-off, else creation), so
-- the newsletters interleave (by ID, "weekly.*" would sort above every day).
SELECT id, subject, x'', created_at, recipients, state, window_from, window_to, send_at, started_at, updated_at, note, length(body), newsletter
FROM editions ORDER BY COALESCE(send_at, window_to, created_at) DESC, id DESC LIMIT ?1;

-- name: set-edition-state
-- ?1 id, ?2 new state, ?3 now, ?4 note, ?5 JSON array of the states it may move from.
UPDATE editions SET state = ?2, updated_at = ?3, note = ?4,
    started_at = CASE WHEN ?2 = 'sending' THEN coalesce(started_at, ?3) ELSE started_at END
WHERE id = ?1 AND state IN (SELECT value FROM json_each(?5))
RETURNING id, subject, body, created_at, recipients, state, window_from, window_to, send_at, started_at, updated_at, note, length(body), newsletter;

-- name: enqueue-deliveries
-- ?3 is a JSON array of subscriber IDs; IDs no longer on record are
-- skipped, and the address is taken from the subscriber row. ("WHERE true"
-- lets SQLite parse ON CONFLICT after INSERT … SELECT.)
INSERT INTO deliveries (edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at)
SELECT ?1, s.id, s.email, 'queued', 0, '', '', ?2
FROM json_each(?3) AS j JOIN subscribers AS s ON s.id = j.value
WHERE true
ON CONFLICT (edition_id, subscriber_id) DO NOTHING;

-- name: page-deliveries
-- ?1 edition, ?2 state ('' = any), ?3 part of the address ('' = any),
-- ?4 after this subscriber ID, ?5 limit.
SELECT edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at, sent_at
FROM deliveries
WHERE edition_id = ?1 AND (?2 = '' OR state = ?2) AND (?3 = '' OR instr(lower(email), lower(?3)) > 0)
  AND subscriber_id > ?4
ORDER BY subscriber_id
LIMIT ?5;

-- name: take-rate
-- GCRA: ?1 key, ?2 now (ns), ?3 interval (ns), ?4 (burst-1) x interval.
-- A request is allowed when the bucket's time is at most now + ?4; it
-- then moves one interval past max(time, now). No row back: refused, and
-- the bucket is left as it was.
INSERT INTO rate_buckets (key, tat) VALUES (?1, ?2 + ?3)
ON CONFLICT (key) DO UPDATE SET tat = max(rate_buckets.tat, ?2) + ?3
WHERE rate_buckets.tat <= ?2 + ?4
RETURNING tat;
