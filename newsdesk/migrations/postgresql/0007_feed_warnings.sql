-- PostgreSQL twin of ../0007_feed_warnings.sql.
ALTER TABLE feeds ADD COLUMN last_warning TEXT;
