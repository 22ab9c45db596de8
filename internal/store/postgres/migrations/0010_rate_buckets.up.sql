-- Rate limits shared by every process on the database (store.Limits): one
-- row per bucket, its theoretical arrival time (GCRA) in Unix nanoseconds.
-- A bucket whose time has passed is full again and may be deleted.
CREATE TABLE rate_buckets (
    key TEXT PRIMARY KEY,
    tat BIGINT NOT NULL
);

CREATE INDEX rate_buckets_tat ON rate_buckets (tat);

-- Pending sign-ups are purged by creation time (store.PurgePending).
CREATE INDEX subscribers_pending_created ON subscribers (created_at) WHERE status = 'pending';
