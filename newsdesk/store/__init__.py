"""The one package that talks to the database: SQLite (WAL, foreign keys, FTS5), with migrations applied by name;
or PostgreSQL for a `postgresql://` URL, through the same modules (postgres.py, docs/design/postgresql.md).

Stages never import it; the pipeline reads records from here, hands them to stages, and writes results back.
`Store` is the whole interface, one class combined from a module per kind of record:

    connection.py   opening, transactions, the build lock (`Connection`, `StoreError`)
    schema.py       migrations from newsdesk/migrations, applied by name; the health check
    codec.py        how times and briefs are written to text columns and read back
    raw.py          raw inputs, the bytes as received
    articles.py     articles, in arrival order, with their duplicates
    images.py       articles' lead images and their thumbnails, fetched once; the image shown for a story
    stories.py      stories: membership, briefs, related stories, the lists shown
    sections.py     each story's section, a section's stories
    ranking.py      top stories: each story's standing, and the list by it
    reading.py      when each story was last rewritten (the Following page's marks)
    stale.py        the rewrite each story is owed after its membership changed
    edits.py        users' moves and merges, with the redirects and pins they leave
    search.py       full-text search, bounded in length, words and time
    feeds.py        feed subscriptions, polling state, items seen
    facts.py        per-article and per-story facts, the entity index
    credentials.py  the web server's credentials and login sessions (hashes only)
    postgres.py     the PostgreSQL dialect: a connection that reads the modules' SQL, search, the locks
    records.py      typed records returned beyond newsdesk/models.py (entities)

Every write runs in a transaction; calls made inside `with store.transaction():` commit together.
"""
from __future__ import annotations

from .codec import brief_from_json, brief_to_json
from .connection import StoreError
from .credentials import Credentials
from .edits import Edits
from .facts import Facts
from .feeds import Feeds
from .images import Images, StoryImage
from .ranking import Ranking
from .raw import RawInputs
from .reading import Reading
from .records import Entity, EntityStory
from .schema import MIGRATIONS_DIR, migrations
from .search import Search, SearchRefused, SearchTimedOut
from .sections import Sections
from .stale import StaleStories
from .stories import Stories


class Store(RawInputs, Ranking, Stories, Images, Sections, Reading, StaleStories, Edits, Search, Feeds, Facts,
            Credentials):
    """A newsdesk database: `Store(path)` opens (or creates) it and applies the migrations it lacks; use it as a
    context manager to close it. Raises StoreError for a file that is not a usable newsdesk database."""


__all__ = ["Store", "StoreError", "SearchRefused", "SearchTimedOut", "migrations", "MIGRATIONS_DIR",
           "brief_to_json", "brief_from_json", "Entity", "EntityStory", "StoryImage"]
