-- A delivery that is deliberately not sent (no story in the subscriber's
-- categories; subscriber paused, unsubscribed or erased by send time) is
-- "skipped", not "failed": failures stay what the mail server refused.
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_state_check;

UPDATE deliveries SET state = 'skipped'
WHERE state = 'failed' AND last_error LIKE 'not sent:%';

ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check
    CHECK (state IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'skipped'));
