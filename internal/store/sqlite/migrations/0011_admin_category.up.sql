-- The category an editor gave an article in the console or the API;
-- NULL follows the article's file. Re-importing the file keeps it.
ALTER TABLE articles ADD COLUMN admin_category TEXT;
