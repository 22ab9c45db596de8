-- Named queries for users, API tokens, sessions, the audit log and erased
-- addresses, shared by both stores (see queries.sql for the conventions).

-- name: insert-user
INSERT INTO users (email, name, role, password_hash, totp_secret, recovery_codes, created_at, last_login_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
RETURNING id;

-- name: get-user
SELECT id, email, name, role, password_hash, totp_secret, recovery_codes, created_at, last_login_at
FROM users WHERE id = ?1;

-- name: user-by-email
SELECT id, email, name, role, password_hash, totp_secret, recovery_codes, created_at, last_login_at
FROM users WHERE email = ?1;

-- name: list-users
SELECT id, email, name, role, password_hash, totp_secret, recovery_codes, created_at, last_login_at
FROM users ORDER BY email;

-- name: update-user
UPDATE users SET name = ?1, role = ?2, password_hash = ?3, totp_secret = ?4, recovery_codes = ?5,
    last_login_at = ?6
WHERE id = ?7;

-- name: delete-user
DELETE FROM users WHERE id = ?1;

-- name: count-users
SELECT count(*) FROM users WHERE ?1 = '' OR role = ?1;

-- name: insert-token
INSERT INTO api_tokens (name, user_id, hash, created_at) VALUES (?1, ?2, ?3, ?4)
RETURNING id;

-- name: token-by-hash
SELECT t.id, t.name, t.user_id, u.email, t.hash, t.created_at, t.last_used_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.hash = ?1;

-- name: list-tokens
SELECT t.id, t.name, t.user_id, u.email, t.hash, t.created_at, t.last_used_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
ORDER BY t.name;

-- name: revoke-token
DELETE FROM api_tokens WHERE name = ?1;

-- name: touch-token
UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2;

-- name: insert-session
INSERT INTO sessions (id_hash, user_id, csrf, pending, created_at, last_seen, addr, user_agent)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8);

-- name: get-session
SELECT id_hash, user_id, csrf, pending, created_at, last_seen, addr, user_agent
FROM sessions WHERE id_hash = ?1;

-- name: touch-session
UPDATE sessions SET last_seen = ?1 WHERE id_hash = ?2 AND last_seen < ?1;

-- name: session-exists
SELECT count(*) FROM sessions WHERE id_hash = ?1;

-- name: delete-session
DELETE FROM sessions WHERE id_hash = ?1;

-- name: delete-user-sessions
DELETE FROM sessions WHERE user_id = ?1;

-- name: delete-sessions-before
DELETE FROM sessions WHERE created_at < ?1 OR last_seen < ?2;

-- name: insert-audit
INSERT INTO audit_log (at, actor, action, target, detail, addr) VALUES (?1, ?2, ?3, ?4, ?5, ?6);

-- name: list-audit
-- ?2 the id to page below (0: the first page); CAST makes PostgreSQL type
-- it BIGINT, where "?2 = 0" alone would make it INTEGER.
SELECT id, at, actor, action, target, detail, addr
FROM audit_log
WHERE at >= ?1 AND (CAST(?2 AS BIGINT) = 0 OR id < ?2) AND (?3 = '' OR action = ?3) AND (?4 = '' OR actor = ?4)
    AND (?5 = '' OR target = ?5) AND (?6 = '' OR addr = ?6)
ORDER BY id DESC
LIMIT ?7;

-- name: count-audit
SELECT count(*)
FROM audit_log
WHERE at >= ?1 AND (?2 = '' OR action = ?2) AND (?3 = '' OR actor = ?3)
    AND (?4 = '' OR target = ?4) AND (?5 = '' OR addr = ?5);

-- name: delete-subscriber-by-id
DELETE FROM subscribers WHERE id = ?1 RETURNING email;

-- name: scrub-audit
-- An erased subscriber's address leaves the audit log: entries about it
-- name the subscriber's number instead, without their detail.
UPDATE audit_log SET target = ?1, detail = '' WHERE lower(target) = lower(?2);

-- name: insert-erased
INSERT INTO erased_addresses (hash, erased_at) VALUES (?1, ?2) ON CONFLICT (hash) DO NOTHING;

-- name: is-erased
SELECT count(*) FROM erased_addresses WHERE hash = ?1;

-- name: unerase
DELETE FROM erased_addresses WHERE hash = ?1;

-- name: subscriber-deliveries
SELECT edition_id, subscriber_id, email, state, attempts, last_error, message_id, updated_at, sent_at
FROM deliveries
WHERE subscriber_id = ?1
ORDER BY edition_id DESC
LIMIT ?2;

-- name: subscriber-counts
SELECT status, count(*) FROM subscribers GROUP BY status;

-- name: subscriber-growth
-- Days are counted at a fixed UTC offset of ?2 nanoseconds.
SELECT (created_at + ?2) / 86400000000000 AS day, count(*)
FROM subscribers
WHERE created_at >= ?1
GROUP BY day
ORDER BY day;
