-- Edition control: an edition's state, its window (the articles it covers,
-- (window_from, window_to], window_to being its cut-off), when it is due,
-- when it started, why it is where it is; a delivery state for the
-- messages of a cancelled edition.
ALTER TABLE editions ADD COLUMN state TEXT NOT NULL DEFAULT 'scheduled'
    CHECK (state IN ('scheduled', 'held', 'approved', 'sending', 'paused', 'sent', 'cancelled'));
ALTER TABLE editions ADD COLUMN window_from BIGINT;
ALTER TABLE editions ADD COLUMN window_to BIGINT;
ALTER TABLE editions ADD COLUMN send_at BIGINT;
ALTER TABLE editions ADD COLUMN started_at BIGINT;
ALTER TABLE editions ADD COLUMN updated_at BIGINT;
ALTER TABLE editions ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- Editions recorded before states were sent at once: sent when nothing is
-- left open, sending otherwise.
UPDATE editions SET started_at = created_at, updated_at = created_at,
    state = CASE WHEN EXISTS (SELECT 1 FROM deliveries AS d WHERE d.edition_id = editions.id
                              AND d.state IN ('queued', 'sending', 'retrying'))
                 THEN 'sending' ELSE 'sent' END;

ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check
    CHECK (state IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'skipped', 'cancelled'));
