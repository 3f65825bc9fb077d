-- Feed subscriptions, their polling state, and the items seen in each.
CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT,
    site_url TEXT,
    added_at TEXT NOT NULL,
    poll_seconds INTEGER NOT NULL DEFAULT 900,
    etag TEXT,
    last_modified TEXT,
    last_polled_at TEXT,
    last_success_at TEXT,
    last_error TEXT,
    last_error_at TEXT,
    failures INTEGER NOT NULL DEFAULT 0,  -- consecutive; spaces out the polls of a failing feed
    next_poll_at TEXT
);
CREATE TABLE feed_items (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    item_key TEXT NOT NULL,
    url TEXT,
    title TEXT,
    published TEXT,
    seen_at TEXT NOT NULL,
    raw_sha256 TEXT,  -- the article page as fetched, when it was
    error TEXT,       -- why the page gave no article, when it did not
    PRIMARY KEY (feed_id, item_key)
);
