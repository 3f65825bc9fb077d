"""The database's schema: migrations applied by name, and the operator's health check.

Migrations are the files `newsdesk/migrations/NNNN_what.sql`, append only: each is applied once, in name order,
all or nothing, and recorded by name in `schema_migrations`, so a file added later is applied on next open.
PostgreSQL applies their twins of the same name in `newsdesk/migrations/postgresql/` (docs/design/postgresql.md):
every migration must have one, and a test says which lacks it.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from .codec import now_text

MIGRATIONS_DIR = Path(__file__).parent.parent / "migrations"
DIALECT_DIRS = {"sqlite": MIGRATIONS_DIR, "postgresql": MIGRATIONS_DIR / "postgresql"}


def migrations(dialect: str = "sqlite") -> list[tuple[str, str]]:
    """(name, sql) of every migration file of a dialect, in name order: `NNNN_what.sql`, append only, each run
    once. Raises FileNotFoundError naming a SQLite migration that has no twin in the other dialect."""
    found = {p.stem: p for p in DIALECT_DIRS[dialect].glob("[0-9][0-9][0-9][0-9]_*.sql")}
    if dialect != "sqlite":
        missing = sorted({p.stem for p in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")} - set(found))
        if missing:
            raise FileNotFoundError(f"migration {missing[0]} has no {dialect} twin in {DIALECT_DIRS[dialect]}")
    return [(name, found[name].read_text()) for name in sorted(found)]


def migrate(db: sqlite3.Connection) -> list[str]:
    """Applies the migrations not yet recorded; returns their names."""
    if getattr(db, "dialect", "sqlite") == "postgresql":
        return _migrate_postgres(db)
    db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {r[0] for r in db.execute("SELECT name FROM schema_migrations")}
    applied = []
    for name, sql in migrations():
        if name in done:
            continue
        # executescript commits first, so BEGIN/COMMIT inside the script make the migration all-or-nothing.
        try:
            db.executescript(
                f"BEGIN;\n{sql}\nINSERT INTO schema_migrations VALUES ('{name}', '{now_text()}');\nCOMMIT;")
        except sqlite3.Error:
            db.rollback()
            raise
        applied.append(name)
    return applied


def _migrate_postgres(db) -> list[str]:
    # Several processes may open a new database at once (two builds, a server's workers): the first to find a
    # migration missing applies it under the write lock (postgres.WRITE_LOCK); the others then find it done.
    todo = migrations("postgresql")
    if db.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0] and (
            {name for name, _ in todo} <= {r[0] for r in db.execute("SELECT name FROM schema_migrations")}):
        return []
    applied = []
    with db:  # one transaction holding the write lock: DDL is transactional in PostgreSQL
        db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        done = {r[0] for r in db.execute("SELECT name FROM schema_migrations")}
        for name, sql in todo:
            if name not in done:
                db.executescript(sql)
                db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (name, now_text()))
                applied.append(name)
    return applied


def applied_migrations(db: sqlite3.Connection) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM schema_migrations ORDER BY name")]


def check(db: sqlite3.Connection) -> list[str]:
    """What is wrong with the store, in words an operator can act on; empty when nothing is. Reads every page
    of the database (PRAGMA integrity_check): seconds for a large one."""
    problems = []
    if getattr(db, "dialect", "sqlite") == "sqlite":  # PostgreSQL has no such statement: pg_amcheck is the tool
        problems = [f"integrity: {r[0]}" for r in db.execute("PRAGMA integrity_check") if r[0] != "ok"]
    if problems:
        return problems  # the counts below would read damaged pages
    q = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    if n := q("SELECT count(*) FROM articles WHERE story_id IS NULL"):
        problems.append(f"{n} articles wait for a story: `newsdesk build` assigns them")
    if n := q("SELECT count(*) FROM stale_stories"):
        problems.append(f"{n} stories are owed their brief, facts or links: `newsdesk build` writes them")
    if n := q("SELECT count(*) FROM stories WHERE article_count > 0 AND section IS NULL"):
        problems.append(f"{n} stories have no section yet: `newsdesk build` gives them one")
    if n := q("""SELECT count(DISTINCT a.story_id) FROM articles a JOIN stories s ON s.id = a.story_id
                 WHERE (s.brief IS NULL OR NOT EXISTS (SELECT 1 FROM story_facts f WHERE f.story_id = s.id))
                 AND a.story_id NOT IN (SELECT story_id FROM stale_stories)"""):
        problems.append(f"{n} stories have no brief or no facts and are not marked to get them")
    return problems
