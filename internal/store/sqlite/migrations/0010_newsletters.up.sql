-- Several newsletters per site (issue 19). A newsletter is known to the
-- store by its slug; the config says what it is (name, schedule…). The
-- default newsletter (is_default) inherits the single digest's subscribers
-- and editions: its slug is '' until the config names it
-- (store.Newsletters.SyncNewsletters renames it, once).
CREATE TABLE newsletters (
    slug       TEXT PRIMARY KEY,
    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX newsletters_one_default ON newsletters (is_default) WHERE is_default = 1;

INSERT INTO newsletters (slug, is_default, created_at)
VALUES ('', 1, CAST(unixepoch('subsec') * 1000000000 AS INTEGER));

-- A subscriber's choice of one newsletter, with its own categories.
CREATE TABLE subscriptions (
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    newsletter    TEXT NOT NULL REFERENCES newsletters (slug) ON UPDATE CASCADE ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('subscribed', 'unsubscribed')),
    categories    TEXT NOT NULL DEFAULT '[]',        -- JSON array; empty = all
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (subscriber_id, newsletter)
) STRICT;

CREATE INDEX subscriptions_newsletter ON subscriptions (newsletter, status, subscriber_id);

-- Every subscriber follows the default newsletter with the categories it
-- had; one who left the list has left it.
INSERT INTO subscriptions (subscriber_id, newsletter, status, categories, created_at, updated_at)
SELECT id, '', CASE WHEN status = 'unsubscribed' THEN 'unsubscribed' ELSE 'subscribed' END,
       categories, created_at, updated_at
FROM subscribers;

ALTER TABLE subscribers DROP COLUMN categories;

-- Subscribers as callers read them: categories are the default
-- newsletter's ('[]' when not subscribed to it).
CREATE VIEW subscriber_rows AS
SELECT s.id, s.email, s.email_key, s.name, s.status, coalesce(d.categories, '[]') AS categories,
       s.source, s.bounces, s.paused, s.created_at, s.confirmed_at, s.unsubscribed_at, s.updated_at
FROM subscribers AS s
LEFT JOIN subscriptions AS d ON d.subscriber_id = s.id
    AND d.newsletter = (SELECT slug FROM newsletters WHERE is_default = 1);

-- Editions belong to a newsletter; the existing ones to the default.
ALTER TABLE editions ADD COLUMN newsletter TEXT NOT NULL DEFAULT '';

CREATE INDEX editions_newsletter ON editions (newsletter, id);
