-- Articles, raw inputs, stories, related stories, full-text search.
CREATE TABLE raw_inputs (
    sha256 TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    url TEXT,
    fetched_at TEXT NOT NULL,
    body BLOB NOT NULL,
    error TEXT
);
CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    headline TEXT NOT NULL DEFAULT '',
    headline_article_id INTEGER,
    first_published TEXT,
    last_published TEXT,
    brief TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    raw_sha256 TEXT NOT NULL UNIQUE REFERENCES raw_inputs(sha256),
    external_id TEXT,
    url TEXT,
    outlet TEXT,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    published TEXT,
    published_utc TEXT,
    authors TEXT NOT NULL DEFAULT '[]',
    language TEXT,
    origin TEXT,
    ingested_at TEXT NOT NULL,
    duplicate_of INTEGER REFERENCES articles(id),
    story_id INTEGER REFERENCES stories(id)
);
CREATE INDEX articles_story ON articles(story_id);
CREATE INDEX articles_published ON articles(published_utc);
CREATE TABLE story_related (
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    related_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    score REAL NOT NULL,
    PRIMARY KEY (story_id, related_id)
);
CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', content_rowid='id');
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
