-- The console's subscriber search finds text anywhere in an address or a
-- name (ILIKE '%text%'). Trigram indexes answer that without reading every
-- row. pg_trgm is created once per database, in public, under a lock of its
-- own: schemas of one database migrating at once would otherwise race to
-- create it.
SELECT pg_advisory_xact_lock(hashtextextended('nashra.pg_trgm', 0));
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE INDEX subscribers_email_trgm ON subscribers USING gin (email public.gin_trgm_ops);
CREATE INDEX subscribers_name_trgm ON subscribers USING gin (name public.gin_trgm_ops);
