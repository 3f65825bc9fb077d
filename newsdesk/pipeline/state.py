"""The stream's state saved beside the database between builds, and read back by the next one.

`resume(store)` returns the `StoryAssigner` the last build saved if it still stands for the store, else one
replayed from the store's assignments in arrival order (about 6 ms an article: benchmarks/build_resume.py).
The saved state stands for the store only while the store's assignments are the ones it saw (a user's move or
merge in between: replayed) and it was made by the same stream (STATE_FORMAT, the join model, the embedding
model). It is a cache: whatever goes wrong with it, the store has everything, and the next build replays.

Two files: the base (`<db>.stream`, the whole state pickled, written whole or not at all) and the journal
(`<db>.stream.journal`, what each build since the base added: per article its story and the copy it joined, and
re-clustering's moves). `save` appends one entry per build to the journal, so that its cost follows the build,
and compacts (writes a new base, then removes the journal) when the journal holds JOURNAL_MAX_ARTICLES articles or
more than the base, or after a replay. `resume` reads the base and applies the entries that chain from it (each
names the assignments it starts from and ends at): re-observing an entry's articles costs what the build that
added them spent on them, read from the store. A build killed while appending leaves a torn last entry: it
chains to nothing the store holds, so the next build replays and compacts. Both are pickles, written by newsdesk
itself beside its own database: whoever can replace them can replace the database too.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path

from ..store import Store
from .stream import StoryAssigner

STATE_FORMAT = 2  # bump when the clusterer's or the duplicate index's state changes shape
STATE_SUFFIX = ".stream"
JOURNAL_SUFFIX = ".journal"
# Articles the journal may hold before `save` compacts it into a new base: replaying one costs about what the
# stream spent on it (~6 ms), so this bounds what `resume` adds to reading the base (about 3 s at 10,000 articles).
JOURNAL_MAX_ARTICLES = 500


def state_path(store: Store) -> Path | None:
    # PostgreSQL: no file beside the database (builds may run on several machines); each build replays the store
    return None if store.path == ":memory:" or store.dialect != "sqlite" else Path(store.path + STATE_SUFFIX)


def journal_path(store: Store) -> Path | None:
    path = state_path(store)
    return None if path is None else path.with_name(path.name + JOURNAL_SUFFIX)


def _header(assignments: tuple[int, int]) -> dict:
    from ..stages.cluster import JOIN_MODEL
    from ..stages.embed import MODEL_DIR

    return {"format": STATE_FORMAT, "join_model": hashlib.sha1(Path(JOIN_MODEL).read_bytes()).hexdigest(),
            "embedder": str(MODEL_DIR), "assignments": list(assignments)}


def resume(store: Store) -> tuple[StoryAssigner, bool]:
    """The assigner the last build saved (base and journal), if it still stands for the store; else one replayed
    from the store. The flag says which. A resumed assigner records what the build does (`journal`) for `save`."""
    path = state_path(store)
    if path is not None and path.exists():
        try:
            with open(path, "rb") as f:
                header = pickle.load(f)
                current = _header(store.assignment_digest())
                if all(header.get(k) == current[k] for k in ("format", "join_model", "embedder")):
                    assigner = pickle.load(f)
                    digest, articles, end = _apply_journal(store, assigner, tuple(header["assignments"]))
                    if list(digest) == current["assignments"]:
                        assigner.journal, assigner.journal_articles, assigner.journal_end = [], articles, end
                        assigner.base_articles, assigner.saved_digest = header.get("articles", 0), digest
                        return assigner, True
        except Exception as e:  # a truncated or foreign file: the store has everything, replay it
            print(f"newsdesk: not using the saved stream state {path} ({type(e).__name__}: {e}); replaying the "
                  f"store", file=sys.stderr)
    return replay(store), False


def _apply_journal(store: Store, assigner: StoryAssigner, digest: tuple) -> tuple[tuple, int, int]:
    """The journal's entries that chain from `digest` applied to `assigner`, in order; returns the digest reached,
    the articles applied and the offset after the last entry applied (where the next one is appended)."""
    path = journal_path(store)
    articles = end = 0
    if path is None or not path.exists():
        return digest, articles, end
    with open(path, "rb") as f:
        while True:
            try:
                entry = pickle.load(f)
            except EOFError:
                break
            except Exception:  # noqa: BLE001 - a torn last entry (a build killed while appending): stop there
                break
            if tuple(entry["before"]) != digest:
                if articles:
                    break  # a gap: what follows does not continue from here
                end = f.tell()
                continue  # left from before the base was last written
            keys = [op[1] for op in entry["ops"] if op[0] == "a"]
            found = {a.key: a for a in store.articles_by_id(keys).values()}
            for op in entry["ops"]:
                if op[0] == "a":
                    assigner.observe(found[op[1]], *op[2:])
                else:
                    assigner.story_of.update(op[1])
            assigner.related_dirty = set(entry["dirty"])
            digest, articles, end = tuple(entry["after"]), articles + len(keys), f.tell()
    return digest, articles, end


def save(store: Store, assigner: StoryAssigner) -> None:
    """Saves the state beside the database if it stands for the store's assignments (else removes the old one):
    one journal entry where the assigner was resumed and the journal is short, else a new base."""
    path, journal = state_path(store), journal_path(store)
    if path is None:
        return
    digest = store.assignment_digest()
    if Store.digest_of((k, s) for k, s in assigner.story_of.items() if isinstance(k, int)) != digest:
        path.unlink(missing_ok=True)  # it would not stand for the store: the next build replays
        journal.unlink(missing_ok=True)
        return
    ops = assigner.journal
    if ops is not None and path.exists():
        added = sum(op[0] == "a" for op in ops)
        held = getattr(assigner, "journal_articles", 0) + added
        if held <= min(JOURNAL_MAX_ARTICLES, max(getattr(assigner, "base_articles", 0), 1)):
            entry = {"before": list(assigner.saved_digest), "after": list(digest), "ops": ops,
                     "dirty": set(assigner.related_dirty)}
            with open(journal, "ab" if not journal.exists() else "r+b") as f:
                f.seek(getattr(assigner, "journal_end", 0))
                f.truncate()  # whatever a killed build left after the last whole entry
                pickle.dump(entry, f, protocol=pickle.HIGHEST_PROTOCOL)
                f.flush()
                os.fsync(f.fileno())  # the entry on disk before the build is reported done
            assigner.journal, assigner.journal_articles, assigner.saved_digest = [], held, digest
            assigner.journal_end = os.path.getsize(journal)
            return
    partial = path.with_name(path.name + ".partial")
    header = _header(digest)
    header["articles"] = len(assigner.story_of)
    with open(partial, "wb") as f:
        pickle.dump(header, f, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(assigner, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)  # whole or not at all
    journal.unlink(missing_ok=True)  # after the base: a crash in between leaves entries that chain to nothing
    assigner.journal, assigner.journal_articles, assigner.journal_end = [], 0, 0
    assigner.base_articles, assigner.saved_digest = header["articles"], digest



def replay(store: Store) -> StoryAssigner:
    """An assigner that has seen every stored assignment, in arrival order."""
    assigner = StoryAssigner()
    for article in store.articles("story_id IS NOT NULL"):
        assigner.observe(article, article.story_id, article.duplicate_of)
    return assigner
