-- Each story's section: the key of one group of IPTC Media Topics top-level topics (newsdesk/stages/topics.py),
-- written by a build with the story's brief. NULL until a build has read the story: stories made before this
-- migration get theirs from the next build (build.py, the stories without a section).
ALTER TABLE stories ADD COLUMN section TEXT;
-- A section's page and feed: its stories that have articles, newest activity first, in one index walk.
CREATE INDEX stories_section_latest ON stories(section, latest_utc, id) WHERE article_count > 0;
