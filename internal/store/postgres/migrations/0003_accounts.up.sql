-- Console and API accounts (issue 12): users with a role, hashed API
-- tokens, server-side sessions, the audit log, and the keyed hashes of
-- erased subscriber addresses.

CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,          -- normalised
    name           TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    password_hash  TEXT NOT NULL,
    totp_secret    TEXT NOT NULL DEFAULT '',
    recovery_codes TEXT NOT NULL DEFAULT '[]',    -- JSON array of hashes
    created_at     BIGINT NOT NULL,
    last_login_at  BIGINT
);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash         TEXT NOT NULL UNIQUE,            -- hex SHA-256 of the secret
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,                  -- hex SHA-256 of the cookie value
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    pending    BOOLEAN NOT NULL DEFAULT false,
    created_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    addr       TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen);

CREATE TABLE audit_log (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    addr   TEXT NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_action_target ON audit_log (action, target, at);
CREATE INDEX audit_log_action_addr ON audit_log (action, addr, at);

CREATE TABLE erased_addresses (
    hash      TEXT PRIMARY KEY,                   -- keyed hash of the address
    erased_at BIGINT NOT NULL
);
