-- Top stories (newsdesk/ranking.py): each story's standing, written at build time with its brief (Store.save_rank),
-- so that the home page is an index walk like the "Latest" list (stories_latest, 0008) and never a scan of
-- articles. The score does not depend on the present time, only on the story's articles and the weights, which
-- are kept beside it: when the settings change, the next build recomputes every score (Store.rerank_all).
-- A story written before this migration has no score (NULL, listed after the others by latest) until then.
ALTER TABLE stories ADD COLUMN outlet_count INTEGER;
ALTER TABLE stories ADD COLUMN recent_count INTEGER;
ALTER TABLE stories ADD COLUMN rank REAL;
CREATE INDEX stories_rank ON stories(rank, latest_utc, id) WHERE article_count > 0;
CREATE TABLE story_rank_weights (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    weights TEXT NOT NULL
);
