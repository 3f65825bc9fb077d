-- PostgreSQL twin of ../0010_story_tally.sql: the live-story tally kept by one trigger function.
CREATE TABLE story_tally (live BIGINT NOT NULL);
INSERT INTO story_tally SELECT count(*) FROM stories WHERE article_count > 0;
CREATE FUNCTION stories_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE story_tally SET live = live + 1;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE story_tally SET live = live - 1;
    ELSE
        UPDATE story_tally SET live = live + (CASE WHEN new.article_count > 0 THEN 1 ELSE 0 END)
                                         - (CASE WHEN old.article_count > 0 THEN 1 ELSE 0 END);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER stories_tally_update AFTER UPDATE OF article_count ON stories FOR EACH ROW
    WHEN ((old.article_count > 0) IS DISTINCT FROM (new.article_count > 0)) EXECUTE FUNCTION stories_tally();
CREATE TRIGGER stories_tally_insert AFTER INSERT ON stories FOR EACH ROW WHEN (new.article_count > 0)
    EXECUTE FUNCTION stories_tally();
CREATE TRIGGER stories_tally_delete AFTER DELETE ON stories FOR EACH ROW WHEN (old.article_count > 0)
    EXECUTE FUNCTION stories_tally();
