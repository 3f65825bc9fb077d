-- PostgreSQL twin of ../0012_story_section.sql.
ALTER TABLE stories ADD COLUMN section TEXT;
CREATE INDEX stories_section_latest ON stories(section, latest_utc, id) WHERE article_count > 0;
