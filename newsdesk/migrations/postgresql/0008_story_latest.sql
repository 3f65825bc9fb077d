-- PostgreSQL twin of ../0008_story_latest.sql: the same columns, indexes and trigger logic in PL/pgSQL.
ALTER TABLE stories ADD COLUMN article_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stories ADD COLUMN latest_utc TEXT;
DROP INDEX articles_story;
CREATE INDEX articles_story_time ON articles(story_id, published_utc);
CREATE INDEX stories_latest ON stories(latest_utc, id) WHERE article_count > 0;
CREATE INDEX articles_copies ON articles(duplicate_of) WHERE duplicate_of IS NOT NULL;
-- text_pattern_ops: the range test of has_sample_articles seeks it whatever the database's collation
CREATE INDEX articles_origin ON articles(origin text_pattern_ops);
CREATE FUNCTION articles_story_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND old.story_id IS NOT NULL THEN
        UPDATE stories SET
            article_count = article_count - (CASE WHEN TG_OP = 'DELETE' OR old.story_id IS DISTINCT FROM new.story_id
                                             THEN 1 ELSE 0 END),
            latest_utc = (SELECT max(published_utc) FROM articles WHERE story_id = old.story_id)
        WHERE id = old.story_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND new.story_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR old.story_id IS DISTINCT FROM new.story_id) THEN
        UPDATE stories SET article_count = article_count + 1,
            latest_utc = (SELECT max(published_utc) FROM articles WHERE story_id = new.story_id)
        WHERE id = new.story_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER articles_story_insert AFTER INSERT ON articles FOR EACH ROW WHEN (new.story_id IS NOT NULL)
    EXECUTE FUNCTION articles_story_count();
CREATE TRIGGER articles_story_delete AFTER DELETE ON articles FOR EACH ROW WHEN (old.story_id IS NOT NULL)
    EXECUTE FUNCTION articles_story_count();
CREATE TRIGGER articles_story_move AFTER UPDATE OF story_id, published_utc ON articles FOR EACH ROW
    WHEN (old.story_id IS DISTINCT FROM new.story_id OR old.published_utc IS DISTINCT FROM new.published_utc)
    EXECUTE FUNCTION articles_story_count();
