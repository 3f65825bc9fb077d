-- Who may change the desk through the web server: access tokens and the login sessions made with them.
-- Neither is stored in clear: a copy of the database gives no way in.
CREATE TABLE credentials (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,          -- scrypt$N$r$p$salt$digest (hex), see newsdesk/web/auth.py
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,    -- SHA-256 of the random session id in the cookie
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);
