-- Articles can be withheld without being deleted (issue 15): withdrawn
-- says why ('' = not withheld; 'admin' = nashra articles unpublish;
-- 'file' = its file left site.content_dir). draft stays what every
-- reader-facing query filters on, so it becomes "not public": the draft
-- flag of the article's own file (own_draft) or a withdrawal.
ALTER TABLE articles ADD COLUMN withdrawn TEXT NOT NULL DEFAULT ''
    CHECK (withdrawn IN ('', 'admin', 'file'));
ALTER TABLE articles ADD COLUMN own_draft BOOLEAN NOT NULL DEFAULT false;
UPDATE articles SET own_draft = draft;
