-- Named queries that both stores run, written once. Each starts with
-- "-- name: NAME"; the Go code (internal/store/internal/sqldb) refers to
-- them by name and checks at start-up that each backend has every name it
-- needs exactly once, here or in its own file. Parameters are ?N, so that one
-- argument may be used twice; sqldb.New rewrites them to $N for PostgreSQL.
-- Booleans are written true, false and NOT x, which SQLite reads as 1 and 0.
-- A query whose SQL differs between the backends is in each backend's file
-- of the same name (internal/store/sqlite, internal/store/postgres).

-- name: applied-migrations
SELECT version FROM schema_migrations ORDER BY version;

-- name: record-migration
INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3);

-- name: article-hash
-- Lets an unchanged re-import return without taking the write lock.
SELECT hash, withdrawn FROM articles WHERE id = ?1;

-- name: upsert-article
-- Writes only when the content hash differs; RETURNING gives no row for
-- identical content, and created_at = ?21 for a fresh insert.
INSERT INTO articles (id, article_key, slug, title, subtitle, category, tags, author,
    published, updated, summary, summary_explicit, body_html, body_text, image,
    language, source_url, source_path, draft, own_draft, hash, created_at, changed_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?20, ?21, ?21)
ON CONFLICT (id) DO UPDATE SET
    article_key = excluded.article_key, slug = excluded.slug, title = excluded.title,
    subtitle = excluded.subtitle, tags = excluded.tags,
    -- An editor's category outlives re-imports of the file.
    category = COALESCE(articles.admin_category, excluded.category),
    author = excluded.author, published = excluded.published, updated = excluded.updated,
    summary = excluded.summary, summary_explicit = excluded.summary_explicit,
    body_html = excluded.body_html, body_text = excluded.body_text, image = excluded.image,
    language = excluded.language, source_url = excluded.source_url,
    source_path = excluded.source_path, hash = excluded.hash,
    -- A file coming back ends its 'file' withdrawal; an admin's stays.
    own_draft = excluded.draft, draft = excluded.draft OR articles.withdrawn = 'admin',
    withdrawn = CASE WHEN articles.withdrawn = 'file' THEN '' ELSE articles.withdrawn END,
    changed_at = excluded.changed_at
WHERE articles.hash <> excluded.hash
RETURNING created_at;

-- name: get-article
SELECT id, article_key, slug, title, subtitle, category, tags, author, published, updated,
    summary, summary_explicit, body_html, body_text, image, language, source_url, source_path, draft,
    CASE WHEN changed_at > created_at THEN changed_at END AS edited
FROM articles WHERE id = ?1;

-- name: article-by-slug
SELECT id, article_key, slug, title, subtitle, category, tags, author, published, updated,
    summary, summary_explicit, body_html, body_text, image, language, source_url, source_path, draft,
    CASE WHEN changed_at > created_at THEN changed_at END AS edited
FROM articles WHERE slug = ?1 AND slug <> '';

-- name: list-articles
-- ?1 category ('' = any), published in [?2, ?3), ?4 include drafts, ?5 limit.
SELECT id, article_key, slug, title, subtitle, category, tags, author, published, updated,
    summary, summary_explicit, body_html, body_text, image, language, source_url, source_path, draft,
    CASE WHEN changed_at > created_at THEN changed_at END AS edited
FROM articles
WHERE (?1 = '' OR category = ?1) AND published >= ?2 AND published < ?3 AND (?4 OR NOT draft)
ORDER BY published DESC, id DESC
LIMIT ?5;

-- name: articles-between
SELECT id, article_key, slug, title, subtitle, category, tags, author, published, updated,
    summary, summary_explicit, body_html, body_text, image, language, source_url, source_path, draft,
    CASE WHEN changed_at > created_at THEN changed_at END AS edited
FROM articles
WHERE published > ?1 AND published <= ?2 AND NOT draft
ORDER BY published DESC, id DESC;

-- name: categories
-- The categories of all articles (drafts too: a scan of the category index
-- alone), alphabetically.
SELECT DISTINCT category FROM articles ORDER BY category;

-- name: count-articles
SELECT count(*) FROM articles;

-- name: last-change
-- Content changes, and withdrawals and deletions (touch-articles).
SELECT max(t) FROM (
    SELECT max(changed_at) AS t FROM articles
    UNION ALL
    SELECT CAST(value AS BIGINT) FROM settings WHERE key = 'articles.touched_at'
) AS changes;

-- name: touch-articles
-- ?1 now as text, ?2 now: a change that left no changed_at behind.
INSERT INTO settings (key, value, created_at) VALUES ('articles.touched_at', ?1, ?2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- name: withdraw-article
-- ?1 id, ?2 reason ('admin' or 'file').
UPDATE articles SET withdrawn = ?2, draft = true WHERE id = ?1;

-- name: set-article-category
-- ?1 id, ?2 the editor's category.
UPDATE articles SET category = ?2, admin_category = ?2 WHERE id = ?1;

-- name: restore-article
UPDATE articles SET withdrawn = '', draft = own_draft WHERE id = ?1;

-- name: withdraw-source-path
-- The published articles imported from file ?1.
UPDATE articles SET withdrawn = 'file', draft = true
WHERE source_path = ?1 AND withdrawn = ''
RETURNING id;

-- name: delete-article
DELETE FROM articles WHERE id = ?1;

-- name: source-article-ids
SELECT article_id FROM source_items WHERE source_id = ?1 ORDER BY article_id;

-- name: withdrawn-articles
SELECT id, withdrawn FROM articles WHERE withdrawn <> '' ORDER BY id;

-- name: article-exists
SELECT count(*) FROM articles WHERE id = ?1;

-- name: delete-related
DELETE FROM related WHERE article_id = ?1;

-- name: insert-related
INSERT INTO related (article_id, related_id, ord, score) VALUES (?1, ?2, ?3, ?4);

-- name: related
-- Related articles without their bodies: callers show titles and links.
SELECT a.id, a.article_key, a.slug, a.title, a.subtitle, a.category, a.tags, a.author,
    a.published, a.updated, a.summary, a.summary_explicit, '' AS body_html, '' AS body_text, a.image,
    a.language, a.source_url, a.source_path, a.draft,
    CASE WHEN a.changed_at > a.created_at THEN a.changed_at END AS edited
FROM related r JOIN articles a ON a.id = r.related_id
WHERE r.article_id = ?1 AND NOT a.draft
ORDER BY r.ord
LIMIT ?2;

-- name: insert-subscriber
-- Its subscriptions follow (put-subscription).
INSERT INTO subscribers (email, name, status, source, bounces, paused,
    created_at, confirmed_at, unsubscribed_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: get-subscriber
SELECT id, email, name, status, categories, source, bounces, paused,
    created_at, confirmed_at, unsubscribed_at
FROM subscriber_rows WHERE id = ?1;

-- name: subscriber-by-email
-- The address argument of these queries is store.EmailKey of it.
SELECT id, email, name, status, categories, source, bounces, paused,
    created_at, confirmed_at, unsubscribed_at
FROM subscriber_rows WHERE email_key = ?1;

-- name: update-subscriber
UPDATE subscribers SET email = ?1, name = ?2, status = ?3, source = ?4,
    bounces = ?5, paused = ?6, created_at = ?7, confirmed_at = ?8, unsubscribed_at = ?9,
    updated_at = ?10
WHERE id = ?11;

-- name: remove-subscriber
-- Keeps the first unsubscription time when called twice.
UPDATE subscribers SET
    unsubscribed_at = CASE WHEN status = 'unsubscribed' AND unsubscribed_at IS NOT NULL
                           THEN unsubscribed_at ELSE ?1 END,
    status = 'unsubscribed', updated_at = ?1
WHERE email_key = ?2;

-- name: delete-subscriber
DELETE FROM subscribers WHERE email_key = ?1;

-- name: list-subscribers
SELECT id, email, name, status, categories, source, bounces, paused,
    created_at, confirmed_at, unsubscribed_at
FROM subscriber_rows
WHERE (?1 = '' OR status = ?1) AND id > ?2
ORDER BY id
LIMIT ?3;

-- name: unreported-merges
SELECT id, email, name, status, categories, created_at, confirmed_at, unsubscribed_at, merged_into, merged_at
FROM subscriber_merges WHERE NOT reported ORDER BY id;

-- name: unreported-merges-count
SELECT count(*) FROM subscriber_merges WHERE NOT reported;

-- name: mark-merges-reported
UPDATE subscriber_merges SET reported = true WHERE id <= ?1 AND NOT reported;

-- name: count-subscribers
SELECT count(*) FROM subscribers WHERE (?1 = '' OR status = ?1);

-- name: record-bounce
-- ?1 max bounces (0 = never bounce out), ?2 now, ?3 id. SET sees old values.
UPDATE subscribers SET
    bounces = bounces + 1,
    status = CASE WHEN ?1 > 0 AND bounces + 1 >= ?1 AND status IN ('pending', 'confirmed')
                  THEN 'bounced' ELSE status END,
    updated_at = ?2
WHERE id = ?3
RETURNING status;

-- name: insert-edition
-- ?1 id, ?2 subject, ?3 body, ?4 created_at, ?5 state, ?6 window_from,
-- ?7 window_to, ?8 send_at, ?9 note, ?10 newsletter ('' = the default).
INSERT INTO editions (id, subject, body, created_at, recipients, state, window_from, window_to, send_at, updated_at, note, newsletter)
VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?4, ?9,
    CASE WHEN ?10 = '' THEN (SELECT slug FROM newsletters WHERE is_default) ELSE ?10 END)
ON CONFLICT (id) DO NOTHING;

-- name: get-edition
SELECT id, subject, body, created_at, recipients, state, window_from, window_to, send_at, started_at, updated_at, note, octet_length(body), newsletter FROM editions WHERE id = ?1;

-- name: update-edition-recipients
UPDATE editions SET recipients = (SELECT count(*) FROM deliveries WHERE edition_id = ?1) WHERE id = ?1;

-- name: claim-delivery
-- ?1 now, ?2 edition, ?3 subscriber, ?4 the time before which a "sending"
-- row is stale (its worker died).
UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ?1
WHERE edition_id = ?2 AND subscriber_id = ?3
  AND (state IN ('queued', 'retrying') OR (state = 'sending' AND updated_at < ?4))
RETURNING edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at, sent_at;

-- name: get-delivery
SELECT edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at, sent_at
FROM deliveries WHERE edition_id = ?1 AND subscriber_id = ?2;

-- name: mark-delivery
-- ?1 state, ?2 error text, ?3 now, ?4 edition, ?5 subscriber, ?6 message ID
-- (kept when empty). "sent" is final.
UPDATE deliveries SET state = ?1, last_error = ?2, updated_at = ?3,
    message_id = CASE WHEN ?6 = '' THEN message_id ELSE ?6 END,
    sent_at = CASE WHEN ?1 = 'sent' THEN coalesce(sent_at, ?3) ELSE sent_at END
WHERE edition_id = ?4 AND subscriber_id = ?5 AND (state <> 'sent' OR ?1 = 'sent');

-- name: set-delivery-message-id
-- RETURNING, read with QueryRow, rather than Exec and RowsAffected: the
-- commit mark's statement must leave nothing to do on the connection once it
-- has committed (see sqldb.SetDeliveryMessageID).
UPDATE deliveries SET message_id = ?1 WHERE edition_id = ?2 AND subscriber_id = ?3
RETURNING subscriber_id;

-- name: delivery-counts
SELECT state, count(*) FROM deliveries WHERE edition_id = ?1 GROUP BY state;

-- name: list-deliveries
SELECT edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at, sent_at
FROM deliveries
WHERE edition_id = ?1 AND (?2 = '' OR state = ?2)
ORDER BY subscriber_id
LIMIT ?3;

-- name: cancel-deliveries
UPDATE deliveries SET state = 'cancelled', last_error = 'not sent: edition cancelled', updated_at = ?2
WHERE edition_id = ?1 AND state IN ('queued', 'retrying');

-- name: record-resend
-- ?1 edition, ?2 subscriber, ?3 email, ?4 note, ?5 message ID, ?6 now.
-- A delivery still on its way is left alone (no row changes).
INSERT INTO deliveries AS d (edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at, sent_at)
VALUES (?1, ?2, ?3, 'sent', 1, ?4, ?5, ?6, ?6)
ON CONFLICT (edition_id, subscriber_id) DO UPDATE SET state = 'sent', attempts = d.attempts + 1,
    last_error = excluded.last_error, message_id = excluded.message_id,
    updated_at = excluded.updated_at, sent_at = excluded.sent_at
WHERE d.state NOT IN ('queued', 'sending', 'retrying');

-- name: get-setting
SELECT value FROM settings WHERE key = ?1;

-- name: put-setting-if-absent
INSERT INTO settings (key, value, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO NOTHING;

-- name: insert-source
INSERT INTO sources (source_key, url, name, category, full_text, from_config, next_fetch, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: get-source
SELECT s.id, s.source_key, s.url, s.name, s.category, s.full_text, s.from_config, s.etag, s.last_modified,
    s.last_fetch, s.last_success, s.next_fetch, s.errors, s.last_error, s.last_status,
    s.hub, s.topic, s.hub_secret, s.hub_lease_end, s.hub_state, s.created_at,
    (SELECT count(*) FROM source_items i WHERE i.source_id = s.id)
FROM sources s WHERE s.id = ?1;

-- name: source-by-url
SELECT s.id, s.source_key, s.url, s.name, s.category, s.full_text, s.from_config, s.etag, s.last_modified,
    s.last_fetch, s.last_success, s.next_fetch, s.errors, s.last_error, s.last_status,
    s.hub, s.topic, s.hub_secret, s.hub_lease_end, s.hub_state, s.created_at,
    (SELECT count(*) FROM source_items i WHERE i.source_id = s.id)
FROM sources s WHERE s.url = ?1 OR s.source_key = ?1
ORDER BY (s.url = ?1) DESC LIMIT 1;

-- name: list-sources
SELECT s.id, s.source_key, s.url, s.name, s.category, s.full_text, s.from_config, s.etag, s.last_modified,
    s.last_fetch, s.last_success, s.next_fetch, s.errors, s.last_error, s.last_status,
    s.hub, s.topic, s.hub_secret, s.hub_lease_end, s.hub_state, s.created_at,
    (SELECT count(*) FROM source_items i WHERE i.source_id = s.id)
FROM sources s ORDER BY s.id;

-- name: due-sources
SELECT s.id, s.source_key, s.url, s.name, s.category, s.full_text, s.from_config, s.etag, s.last_modified,
    s.last_fetch, s.last_success, s.next_fetch, s.errors, s.last_error, s.last_status,
    s.hub, s.topic, s.hub_secret, s.hub_lease_end, s.hub_state, s.created_at,
    (SELECT count(*) FROM source_items i WHERE i.source_id = s.id)
FROM sources s WHERE s.next_fetch <= ?1 ORDER BY s.next_fetch, s.id LIMIT ?2;

-- name: update-source
UPDATE sources SET url = ?1, name = ?2, category = ?3, full_text = ?4, from_config = ?5,
    etag = ?6, last_modified = ?7, last_fetch = ?8, last_success = ?9, next_fetch = ?10,
    errors = ?11, last_error = ?12, last_status = ?13, hub = ?14, topic = ?15,
    hub_secret = ?16, hub_lease_end = ?17, hub_state = ?18
WHERE id = ?19;

-- name: delete-source
DELETE FROM sources WHERE id = ?1;

-- name: get-source-item
SELECT source_id, item_key, article_id, hash FROM source_items
WHERE source_id = ?1 AND item_key = ?2;

-- name: put-source-item
INSERT INTO source_items (source_id, item_key, article_id, hash) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (source_id, item_key) DO UPDATE SET article_id = excluded.article_id, hash = excluded.hash;

-- name: purge-pending
-- ?1 created before (ns). Pending subscribers have no deliveries.
DELETE FROM subscribers WHERE status = 'pending' AND created_at < ?1;

-- name: purge-rates
DELETE FROM rate_buckets WHERE tat <= ?1;
