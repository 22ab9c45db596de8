-- nashra schema for PostgreSQL. Every time is BIGINT Unix nanoseconds in
-- UTC (NULL = unset), as on SQLite: timestamptz would round to
-- microseconds. ns_to_timestamptz(col) shows one as a timestamp in psql.

CREATE FUNCTION ns_to_timestamptz(ns BIGINT) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN to_timestamp(0) + make_interval(secs => ns / 1000000000.0);

CREATE TABLE articles (
    id               TEXT PRIMARY KEY,           -- article.IDFor(article_key)
    article_key      TEXT NOT NULL,              -- canonical URL or "file:" + slug
    slug             TEXT NOT NULL,
    title            TEXT NOT NULL,
    subtitle         TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL DEFAULT '',
    tags             TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    author           TEXT NOT NULL DEFAULT '',
    published        BIGINT NOT NULL,
    updated          BIGINT,                     -- the article's own "updated"
    summary          TEXT NOT NULL DEFAULT '',
    summary_explicit BOOLEAN NOT NULL DEFAULT false,
    body_html        TEXT NOT NULL DEFAULT '',
    body_text        TEXT NOT NULL DEFAULT '',
    image            TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL DEFAULT '',
    source_url       TEXT NOT NULL DEFAULT '',
    source_path      TEXT NOT NULL DEFAULT '',
    draft            BOOLEAN NOT NULL DEFAULT false,
    hash             TEXT NOT NULL,              -- fingerprint of the content above
    created_at       BIGINT NOT NULL,            -- row first stored
    changed_at       BIGINT NOT NULL             -- row content last changed
);

CREATE UNIQUE INDEX articles_slug ON articles (slug) WHERE slug <> '';
CREATE INDEX articles_published ON articles (published DESC, id DESC);
CREATE INDEX articles_category_published ON articles (category, published DESC, id DESC);
CREATE INDEX articles_changed_at ON articles (changed_at);

CREATE TABLE related (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    related_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    ord        INTEGER NOT NULL,                 -- 0 = best
    score      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (article_id, related_id)
);

CREATE INDEX related_related_id ON related (related_id);

CREATE TABLE subscribers (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,        -- normalised
    name            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced')),
    categories      TEXT NOT NULL DEFAULT '[]',  -- JSON array; empty = all
    source          TEXT NOT NULL CHECK (source IN ('form', 'import', 'admin')),
    bounces         INTEGER NOT NULL DEFAULT 0,
    paused          BOOLEAN NOT NULL DEFAULT false,
    created_at      BIGINT NOT NULL,
    confirmed_at    BIGINT,
    unsubscribed_at BIGINT,
    updated_at      BIGINT NOT NULL
);

CREATE INDEX subscribers_status ON subscribers (status, id);

CREATE TABLE editions (
    id         TEXT PRIMARY KEY,                 -- YYYY-MM-DD
    subject    TEXT NOT NULL,
    body       BYTEA NOT NULL,                   -- JSON of the built edition
    created_at BIGINT NOT NULL,
    recipients INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE deliveries (
    edition_id    TEXT NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'retrying', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    message_id    TEXT NOT NULL DEFAULT '',
    updated_at    BIGINT NOT NULL,
    sent_at       BIGINT,
    PRIMARY KEY (edition_id, subscriber_id)
);

CREATE INDEX deliveries_state ON deliveries (edition_id, state, subscriber_id);
CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
