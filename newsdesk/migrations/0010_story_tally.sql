-- The number of stories that have articles (the front page's total and page count, /api/stories' total), kept by
-- triggers instead of counted: counting them walks all of stories_latest, 1.5 ms at 25,000 stories, the costliest
-- query of the front page. The triggers fire on the article counts that migration 0008's triggers keep, so the
-- tally changes in the same statement as the articles, whichever code path moves them.
CREATE TABLE story_tally (live INTEGER NOT NULL);
INSERT INTO story_tally SELECT count(*) FROM stories WHERE article_count > 0;
CREATE TRIGGER stories_tally_update AFTER UPDATE OF article_count ON stories
WHEN (old.article_count > 0) IS NOT (new.article_count > 0) BEGIN
    UPDATE story_tally SET live = live + (new.article_count > 0) - (old.article_count > 0);
END;
CREATE TRIGGER stories_tally_insert AFTER INSERT ON stories WHEN new.article_count > 0 BEGIN
    UPDATE story_tally SET live = live + 1;
END;
CREATE TRIGGER stories_tally_delete AFTER DELETE ON stories WHEN old.article_count > 0 BEGIN
    UPDATE story_tally SET live = live - 1;
END;
