-- PostgreSQL twin of ../0009_story_terms.sql (a plain table: PostgreSQL has no WITHOUT ROWID, nor needs it).
CREATE TABLE story_terms (
    term TEXT NOT NULL,
    story_id BIGINT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    PRIMARY KEY (term, story_id)
);
CREATE INDEX story_terms_story ON story_terms(story_id);
