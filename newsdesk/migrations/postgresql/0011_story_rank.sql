-- PostgreSQL twin of ../0011_story_rank.sql.
ALTER TABLE stories ADD COLUMN outlet_count BIGINT;
ALTER TABLE stories ADD COLUMN recent_count BIGINT;
ALTER TABLE stories ADD COLUMN rank DOUBLE PRECISION;
CREATE INDEX stories_rank ON stories(rank, latest_utc, id) WHERE article_count > 0;
CREATE TABLE story_rank_weights (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    weights TEXT NOT NULL
);
