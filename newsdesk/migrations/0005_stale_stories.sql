-- Stories whose brief, facts or related links no longer match their articles. A story is marked in the same
-- transaction that changes which articles it holds, and unmarked only once all three are rewritten, so that a
-- build killed in between leaves it marked and the next build finishes the job. `written` = 1: brief and facts
-- are done, only the related links are still owed (a user's edit rewrites the first two at once, the next build
-- the links).
CREATE TABLE stale_stories (
    story_id INTEGER PRIMARY KEY REFERENCES stories(id),
    written INTEGER NOT NULL DEFAULT 0,
    since TEXT NOT NULL
);
-- Stores from before: a story with articles but no brief or no facts was left so by a build that did not finish.
INSERT INTO stale_stories (story_id, since)
    SELECT DISTINCT a.story_id, strftime('%Y-%m-%dT%H:%M:%S', 'now') FROM articles a
    JOIN stories s ON s.id = a.story_id
    WHERE s.brief IS NULL OR NOT EXISTS (SELECT 1 FROM story_facts f WHERE f.story_id = s.id);
