-- PostgreSQL twin of ../0005_stale_stories.sql (no store from before exists in PostgreSQL: no backfill).
CREATE TABLE stale_stories (
    story_id BIGINT PRIMARY KEY REFERENCES stories(id),
    written BIGINT NOT NULL DEFAULT 0,
    since TEXT NOT NULL
);
