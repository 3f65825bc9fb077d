-- PostgreSQL twin of ../0013_story_threads.sql.
ALTER TABLE stories ADD COLUMN thread_id BIGINT;
ALTER TABLE stories ADD COLUMN thread_names TEXT;
CREATE INDEX stories_thread ON stories(thread_id);
