-- Addresses are compared without case (issue 15): email keeps the spelling
-- the reader typed, for display and for sending; email_key is its
-- canonical lower-case form, unique. Local parts are ASCII and domains
-- punycode (store.NormalizeEmail), so SQL's lower() is the whole fold.
--
-- Subscribers that already differ only in case are merged: the one kept is
-- the earliest confirmed (else the earliest created); it becomes
-- unsubscribed when another of its spellings left after it was confirmed,
-- since a reader who left by one spelling has left. Deliveries follow it
-- so that no edition goes out twice (below); the others are copied to subscriber_merges,
-- which nashra reports once, and deleted.

ALTER TABLE subscribers ADD COLUMN email_key TEXT GENERATED ALWAYS AS (lower(email)) STORED;

CREATE TABLE subscriber_merges (
    id              BIGINT PRIMARY KEY,           -- the removed subscriber's ID
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,
    categories      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    confirmed_at    BIGINT,
    unsubscribed_at BIGINT,
    merged_into     BIGINT NOT NULL,              -- the subscriber kept
    merged_at       BIGINT NOT NULL,
    reported        BOOLEAN NOT NULL DEFAULT false
);

CREATE TEMP TABLE merge_plan AS
SELECT id, keep FROM (
    SELECT id, first_value(id) OVER (
        PARTITION BY lower(email)
        ORDER BY status = 'confirmed' DESC, coalesce(confirmed_at, created_at), id
    ) AS keep
    FROM subscribers
) AS ranked WHERE id <> keep;

UPDATE subscribers SET
    status = 'unsubscribed',
    unsubscribed_at = u.at,
    updated_at = (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint
FROM (
    SELECT p.keep, max(coalesce(d.unsubscribed_at, (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint)) AS at
    FROM merge_plan AS p JOIN subscribers AS d ON d.id = p.id
    WHERE d.status = 'unsubscribed'
    GROUP BY p.keep
) AS u
WHERE subscribers.id = u.keep
  AND (subscribers.status = 'pending'
       OR subscribers.status = 'confirmed' AND (subscribers.confirmed_at IS NULL OR u.at > subscribers.confirmed_at));

-- A message sent to another spelling counts as sent to the one kept.
UPDATE deliveries SET state = 'sent', sent_at = d.sent_at, message_id = d.message_id, last_error = '',
    updated_at = (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint
FROM deliveries AS d JOIN merge_plan AS p ON p.id = d.subscriber_id
WHERE deliveries.subscriber_id = p.keep AND deliveries.edition_id = d.edition_id
  AND d.state = 'sent' AND deliveries.state <> 'sent';

-- Where the one kept has no delivery for an edition, it takes the most
-- advanced of the others' (sent first), so that nothing is sent twice.
UPDATE deliveries SET subscriber_id = (SELECT keep FROM merge_plan WHERE merge_plan.id = deliveries.subscriber_id)
WHERE subscriber_id IN (SELECT id FROM merge_plan)
  AND NOT EXISTS (
      SELECT 1 FROM deliveries AS o
      JOIN merge_plan AS mine ON mine.id = deliveries.subscriber_id
      LEFT JOIN merge_plan AS theirs ON theirs.id = o.subscriber_id
      WHERE o.edition_id = deliveries.edition_id
        AND (o.subscriber_id = mine.keep
             OR theirs.keep = mine.keep AND (
                 CASE o.state WHEN 'sent' THEN 0 WHEN 'sending' THEN 1 WHEN 'failed' THEN 2 WHEN 'skipped' THEN 3 ELSE 4 END,
                 o.subscriber_id
             ) < (
                 CASE deliveries.state WHEN 'sent' THEN 0 WHEN 'sending' THEN 1 WHEN 'failed' THEN 2 WHEN 'skipped' THEN 3 ELSE 4 END,
                 deliveries.subscriber_id
             )));

INSERT INTO subscriber_merges (id, email, name, status, categories, created_at, confirmed_at, unsubscribed_at, merged_into, merged_at)
SELECT s.id, s.email, s.name, s.status, s.categories, s.created_at, s.confirmed_at, s.unsubscribed_at, p.keep,
       (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint
FROM subscribers AS s JOIN merge_plan AS p ON p.id = s.id;

DELETE FROM subscribers WHERE id IN (SELECT id FROM merge_plan);

DROP TABLE merge_plan;

CREATE UNIQUE INDEX subscribers_by_email_key ON subscribers (email_key);
