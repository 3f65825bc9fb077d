-- Users' decisions about stories, which later automatic builds must respect.
-- A merged or emptied story keeps its row (so that SQLite never hands its id to a new story) and redirects here.
CREATE TABLE story_redirects (
    old_id INTEGER PRIMARY KEY REFERENCES stories(id),
    new_id INTEGER NOT NULL REFERENCES stories(id),
    created_at TEXT NOT NULL
);
-- An article a user placed: it stays in this story whatever the clusterer thinks.
CREATE TABLE story_pins (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    story_id INTEGER NOT NULL REFERENCES stories(id),
    created_at TEXT NOT NULL
);
-- Every edit, for the record: kind is 'move' (article_id from_story -> to_story) or 'merge' (from_story -> to_story).
CREATE TABLE story_edits (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('move', 'merge')),
    article_id INTEGER REFERENCES articles(id),
    from_story INTEGER NOT NULL REFERENCES stories(id),
    to_story INTEGER NOT NULL REFERENCES stories(id),
    created_at TEXT NOT NULL
);
