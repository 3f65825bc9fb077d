-- Lead images (store/images.py, docs/design/images.md). `article_images`: the image each article's page declares,
-- written with the article, and its credit where the page gives one. `images`: one row per image URL, written when
-- it was fetched, once: the thumbnail's bytes (WebP) and size, or the error that refused it.
CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    fetched_at TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    data BLOB,
    error TEXT
);
CREATE TABLE article_images (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    credit TEXT
);
-- the URLs not fetched yet, and the articles that share one image
CREATE INDEX article_images_url ON article_images(url);
