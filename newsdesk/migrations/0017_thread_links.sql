-- Threads found incrementally (stages/threads.py `relink`): the link scores between stories as the last build
-- found them (a < b; negative: a pair under a bar, see `Linker.score`), and the names' story counts as IDF read
-- them then (`df_bucket`; the name '' holds `stories_count`), so that a build relinks only the stories it changed
-- and the holders of a name whose weight moved.
CREATE TABLE thread_links (
    a INTEGER NOT NULL,
    b INTEGER NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE INDEX thread_links_b ON thread_links(b);
CREATE TABLE thread_counts (
    name TEXT PRIMARY KEY,
    bucket INTEGER NOT NULL
);
