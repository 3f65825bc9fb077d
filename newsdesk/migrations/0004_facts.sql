-- Facts stage: per-article extraction (kept so that no article is parsed twice), per-story facts, and entities
-- with the stories they appear in.
CREATE TABLE article_facts (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    facts TEXT NOT NULL
);
CREATE TABLE story_facts (
    story_id INTEGER PRIMARY KEY REFERENCES stories(id) ON DELETE CASCADE,
    facts TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE entities (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    place TEXT
);
CREATE TABLE entity_stories (
    entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    mentions INTEGER NOT NULL,
    variants TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (entity_id, story_id)
);
CREATE INDEX entity_stories_story ON entity_stories(story_id);
