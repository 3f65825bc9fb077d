-- What a feed's last good poll could read only in part (ill-formed XML read anyway, items without an id skipped):
-- shown beside its status, cleared by a poll without complaint.
ALTER TABLE feeds ADD COLUMN last_warning TEXT;
