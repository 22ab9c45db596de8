-- A delivery that is deliberately not sent (no story in the subscriber's
-- categories; subscriber paused, unsubscribed or erased by send time) is
-- "skipped", not "failed": failures stay what the mail server refused.
-- SQLite cannot alter a CHECK constraint: rebuild the table. Nothing
-- references deliveries, so dropping the old table cascades nowhere.
CREATE TABLE deliveries_new (
    edition_id    TEXT NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'skipped')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    message_id    TEXT NOT NULL DEFAULT '',
    updated_at    INTEGER NOT NULL,
    sent_at       INTEGER,
    PRIMARY KEY (edition_id, subscriber_id)
) STRICT;

INSERT INTO deliveries_new (edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at, sent_at)
SELECT edition_id, subscriber_id, email,
       CASE WHEN state = 'failed' AND last_error LIKE 'not sent:%' THEN 'skipped' ELSE state END,
       attempts, last_error, message_id, updated_at, sent_at
FROM deliveries;

DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;

CREATE INDEX deliveries_state ON deliveries (edition_id, state, subscriber_id);
CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id);
