-- The shared mail.rate of every process sending from this database
-- (delivery.SharedLimiter): one row per limiter, the time of its next free
-- slot on the database's clock. `nashra migrate` created it outside the
-- migrations before, hence IF NOT EXISTS.
CREATE TABLE IF NOT EXISTS nashra_rate_limit (
    name    text PRIMARY KEY,
    next_at timestamptz NOT NULL
);
