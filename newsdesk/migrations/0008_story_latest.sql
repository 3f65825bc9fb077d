-- The reader's lists at any size: each story keeps the count of its articles and the latest `published_utc` among
-- them, so that "newest first" is an index walk (stories_latest) instead of a scan of every story with two
-- subqueries and a sort. Triggers keep both right in the same statement that adds, moves, re-dates or deletes an
-- article, whichever code path does it (assignment, edits, merges, re-clustering), so that a build killed between
-- two transactions can never leave them behind the articles.
ALTER TABLE stories ADD COLUMN article_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stories ADD COLUMN latest_utc TEXT;
-- A story's articles in time order, and its latest one in a single seek (MAX over the second column).
DROP INDEX articles_story;
CREATE INDEX articles_story_time ON articles(story_id, published_utc);
-- The home page, /api/stories and /feed.atom: stories that have articles, newest activity first.
CREATE INDEX stories_latest ON stories(latest_utc, id) WHERE article_count > 0;
-- An article page's copies (duplicates_of).
CREATE INDEX articles_copies ON articles(duplicate_of) WHERE duplicate_of IS NOT NULL;
-- Whether sample articles are stored (the pages' attribution, has_sample_articles): a seek, not a scan of every
-- article's row (text included) once a minute.
CREATE INDEX articles_origin ON articles(origin);
-- Backfill a store made before.
UPDATE stories SET
    article_count = (SELECT count(*) FROM articles a WHERE a.story_id = stories.id),
    latest_utc = (SELECT max(published_utc) FROM articles a WHERE a.story_id = stories.id);
CREATE TRIGGER articles_story_insert AFTER INSERT ON articles WHEN new.story_id IS NOT NULL BEGIN
    UPDATE stories SET article_count = article_count + 1,
        latest_utc = (SELECT max(published_utc) FROM articles WHERE story_id = new.story_id) WHERE id = new.story_id;
END;
CREATE TRIGGER articles_story_delete AFTER DELETE ON articles WHEN old.story_id IS NOT NULL BEGIN
    UPDATE stories SET article_count = article_count - 1,
        latest_utc = (SELECT max(published_utc) FROM articles WHERE story_id = old.story_id) WHERE id = old.story_id;
END;
CREATE TRIGGER articles_story_move AFTER UPDATE OF story_id, published_utc ON articles
WHEN old.story_id IS NOT new.story_id OR old.published_utc IS NOT new.published_utc BEGIN
    UPDATE stories SET article_count = article_count - (old.story_id IS NOT new.story_id),
        latest_utc = (SELECT max(published_utc) FROM articles WHERE story_id = old.story_id) WHERE id = old.story_id;
    UPDATE stories SET article_count = article_count + (old.story_id IS NOT new.story_id),
        latest_utc = (SELECT max(published_utc) FROM articles WHERE story_id = new.story_id)
        WHERE id = new.story_id AND new.story_id IS NOT old.story_id;
END;
