-- The newsletters (with their categories) a subscriber who had left chose
-- when signing up again, kept until they come back (UpdateSubscriber).
CREATE TABLE return_choices (
    subscriber_id INTEGER PRIMARY KEY REFERENCES subscribers (id) ON DELETE CASCADE,
    follow        TEXT NOT NULL,  -- JSON array of {"newsletter", "categories"}
    created_at    INTEGER NOT NULL
) STRICT;
