-- PostgreSQL twin of ../0017_thread_links.sql.
CREATE TABLE thread_links (
    a BIGINT NOT NULL,
    b BIGINT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE INDEX thread_links_b ON thread_links(b);
CREATE TABLE thread_counts (
    name TEXT PRIMARY KEY,
    bucket BIGINT NOT NULL
);
