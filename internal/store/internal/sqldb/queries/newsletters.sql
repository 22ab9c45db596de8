-- Named queries for newsletters and subscriptions (store.Newsletters),
-- shared by both stores (see queries.sql for the conventions). A newsletter
-- argument '' means the default newsletter.

-- name: default-newsletter
SELECT slug FROM newsletters WHERE is_default;

-- name: name-default-newsletter
-- The first SyncNewsletters: subscriptions follow (ON UPDATE CASCADE).
UPDATE newsletters SET slug = ?1 WHERE is_default AND slug = '';

-- name: name-default-editions
UPDATE editions SET newsletter = ?1 WHERE newsletter = '';

-- name: newsletter-exists
SELECT count(*) FROM newsletters WHERE CASE WHEN ?1 = '' THEN is_default ELSE slug = ?1 END;

-- name: insert-newsletter
INSERT INTO newsletters (slug, is_default, created_at) VALUES (?1, false, ?2) ON CONFLICT (slug) DO NOTHING;

-- name: put-subscription
-- ?1 subscriber, ?2 newsletter, ?3 categories (JSON), ?4 now. No row
-- back: no such newsletter. The casts give PostgreSQL the types that a
-- SELECT list does not.
INSERT INTO subscriptions (subscriber_id, newsletter, status, categories, created_at, updated_at)
SELECT CAST(?1 AS BIGINT), n.slug, 'subscribed', CAST(?3 AS TEXT), CAST(?4 AS BIGINT), CAST(?4 AS BIGINT)
FROM newsletters AS n
WHERE CASE WHEN ?2 = '' THEN n.is_default ELSE n.slug = ?2 END
ON CONFLICT (subscriber_id, newsletter) DO UPDATE SET status = 'subscribed',
    categories = excluded.categories, updated_at = excluded.updated_at
RETURNING newsletter;

-- name: set-default-categories
-- ?1 categories (JSON), ?2 now, ?3 subscriber.
UPDATE subscriptions SET categories = ?1, updated_at = ?2
WHERE subscriber_id = ?3 AND newsletter = (SELECT slug FROM newsletters WHERE is_default);

-- name: leave-subscription
-- ?1 subscriber, ?2 newsletter, ?3 now. Leaving twice keeps the first time.
UPDATE subscriptions SET status = 'unsubscribed',
    updated_at = CASE WHEN status = 'unsubscribed' THEN updated_at ELSE ?3 END
WHERE subscriber_id = ?1
  AND newsletter = CASE WHEN ?2 = '' THEN (SELECT slug FROM newsletters WHERE is_default) ELSE ?2 END;

-- name: leave-all-subscriptions
-- ?1 now, ?2 the address's key (as remove-subscriber).
UPDATE subscriptions SET status = 'unsubscribed', updated_at = ?1
WHERE status = 'subscribed' AND subscriber_id = (SELECT id FROM subscribers WHERE email_key = ?2);

-- name: leave-all-by-id
-- ?1 now, ?2 subscriber.
UPDATE subscriptions SET status = 'unsubscribed', updated_at = ?1
WHERE status = 'subscribed' AND subscriber_id = ?2;

-- name: count-following
SELECT count(*) FROM subscriptions WHERE subscriber_id = ?1 AND status = 'subscribed';

-- name: unsubscribe-subscriber
-- ?1 now, ?2 subscriber: one that follows no newsletter any more has left
-- the list.
UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ?1, updated_at = ?1
WHERE id = ?2 AND status IN ('pending', 'confirmed');

-- name: list-recipients
-- ?1 newsletter, ?2 after this subscriber ID, ?3 limit.
SELECT s.id, s.email, s.name, s.status, sn.categories, s.source, s.bounces, s.paused,
    s.created_at, s.confirmed_at, s.unsubscribed_at
FROM subscriptions AS sn JOIN subscribers AS s ON s.id = sn.subscriber_id
WHERE sn.newsletter = CASE WHEN ?1 = '' THEN (SELECT slug FROM newsletters WHERE is_default) ELSE ?1 END
  AND sn.status = 'subscribed' AND sn.subscriber_id > ?2
  AND s.status = 'confirmed' AND NOT s.paused
ORDER BY sn.subscriber_id
LIMIT ?3;

-- name: recipient
-- ?1 edition, ?2 subscriber: categories of the edition's newsletter; a
-- subscriber that does not follow it reads as unsubscribed.
SELECT s.id, s.email, s.name,
    CASE WHEN sn.status = 'subscribed' THEN s.status ELSE 'unsubscribed' END,
    coalesce(sn.categories, '[]'), s.source, s.bounces, s.paused,
    s.created_at, s.confirmed_at, s.unsubscribed_at
FROM subscribers AS s JOIN editions AS e ON e.id = ?1
LEFT JOIN subscriptions AS sn ON sn.subscriber_id = s.id AND sn.newsletter = e.newsletter
WHERE s.id = ?2;

-- name: count-followers
SELECT sn.newsletter, count(*)
FROM subscriptions AS sn JOIN subscribers AS s ON s.id = sn.subscriber_id
WHERE sn.status = 'subscribed' AND s.status = 'confirmed'
GROUP BY sn.newsletter;

-- name: put-return-choice
-- ?1 subscriber, ?2 follow (JSON), ?3 now.
INSERT INTO return_choices (subscriber_id, follow, created_at) VALUES (?1, ?2, ?3)
ON CONFLICT (subscriber_id) DO UPDATE SET follow = excluded.follow, created_at = excluded.created_at;

-- name: get-return-choice
-- ?1 subscriber: its choice, kept.
SELECT follow FROM return_choices WHERE subscriber_id = ?1;

-- name: take-return-choice
-- ?1 subscriber: its choice, forgotten as it is read.
DELETE FROM return_choices WHERE subscriber_id = ?1 RETURNING follow;
