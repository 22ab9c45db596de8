-- Sources: feeds and sitemaps nashra pulls articles from, with the state of
-- their fetching, and the items each gave (item key -> article).
CREATE TABLE sources (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_key    TEXT NOT NULL UNIQUE,        -- the URL first added; article keys derive from it
    url           TEXT NOT NULL UNIQUE,        -- where it is fetched now
    name          TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '',
    full_text     BOOLEAN NOT NULL DEFAULT false,
    from_config   BOOLEAN NOT NULL DEFAULT false,
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    last_fetch    BIGINT,
    last_success  BIGINT,
    next_fetch    BIGINT NOT NULL,
    errors        INTEGER NOT NULL DEFAULT 0,  -- failed fetches since the last success
    last_error    TEXT NOT NULL DEFAULT '',
    last_status   INTEGER NOT NULL DEFAULT 0,
    hub           TEXT NOT NULL DEFAULT '',
    topic         TEXT NOT NULL DEFAULT '',
    hub_secret    TEXT NOT NULL DEFAULT '',
    hub_lease_end BIGINT,
    hub_state     TEXT NOT NULL DEFAULT '' CHECK (hub_state IN ('', 'pending', 'verified', 'denied')),
    created_at    BIGINT NOT NULL
);

CREATE INDEX sources_next_fetch ON sources (next_fetch);

CREATE TABLE source_items (
    source_id  BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    item_key   TEXT NOT NULL,                  -- guid, else link
    article_id TEXT NOT NULL,
    hash       TEXT NOT NULL,                  -- fingerprint of the item as last sent
    PRIMARY KEY (source_id, item_key)
);
