-- Edition control: an edition's state, its window (the articles it covers,
-- (window_from, window_to], window_to being its cut-off), when it is due,
-- when it started, why it is where it is; a delivery state for the
-- messages of a cancelled edition.
ALTER TABLE editions ADD COLUMN state TEXT NOT NULL DEFAULT 'scheduled'
    CHECK (state IN ('scheduled', 'held', 'approved', 'sending', 'paused', 'sent', 'cancelled'));
ALTER TABLE editions ADD COLUMN window_from INTEGER;
ALTER TABLE editions ADD COLUMN window_to INTEGER;
ALTER TABLE editions ADD COLUMN send_at INTEGER;
ALTER TABLE editions ADD COLUMN started_at INTEGER;
ALTER TABLE editions ADD COLUMN updated_at INTEGER;
ALTER TABLE editions ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- Editions recorded before states were sent at once: sent when nothing is
-- left open, sending otherwise.
UPDATE editions SET started_at = created_at, updated_at = created_at,
    state = CASE WHEN EXISTS (SELECT 1 FROM deliveries AS d WHERE d.edition_id = editions.id
                              AND d.state IN ('queued', 'sending', 'retrying'))
                 THEN 'sending' ELSE 'sent' END;

-- SQLite cannot alter a CHECK constraint: rebuild the table (as 0002 did).
CREATE TABLE deliveries_new (
    edition_id    TEXT NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'skipped', 'cancelled')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    message_id    TEXT NOT NULL DEFAULT '',
    updated_at    INTEGER NOT NULL,
    sent_at       INTEGER,
    PRIMARY KEY (edition_id, subscriber_id)
) STRICT;

INSERT INTO deliveries_new (edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at, sent_at)
SELECT edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at, sent_at
FROM deliveries;

DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;

CREATE INDEX deliveries_state ON deliveries (edition_id, state, subscriber_id);
CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id);
