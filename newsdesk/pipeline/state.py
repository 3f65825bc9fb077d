"""The stream's state saved beside the database between builds, and read back by the next one.

`resume(store)` returns the `StoryAssigner` the last build saved if it still stands for the store, else one
replayed from the store's assignments in arrival order (about 6 ms an article: benchmarks/build_resume.py).
The saved state stands for the store only while the store's assignments are the ones it saw (a user's move or
merge in between: replayed) and it was made by the same stream (STATE_FORMAT, the join model, the embedding
model). It is a pickle, written by newsdesk itself beside its own database: whoever can replace it can replace the
database too. `save(store, assigner)` writes it whole or not at all.
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


def state_path(store: Store) -> Path | None:
    return None if store.path == ":memory:" else Path(store.path + STATE_SUFFIX)


def _header(assignments: tuple[int, int]) -> dict:
    from ..stages.cluster import JOIN_MODEL
    from ..stages.embed import MODEL_DIR

    return {"format": STATE_FORMAT, "join_model": hashlib.sha1(Path(JOIN_MODEL).read_bytes()).hexdigest(),
            "embedder": str(MODEL_DIR), "assignments": list(assignments)}


def resume(store: Store) -> tuple[StoryAssigner, bool]:
    """The assigner the last build saved, if it still stands for the store; else one replayed from the store.
    The flag says which."""
    path = state_path(store)
    if path is not None and path.exists():
        try:
            with open(path, "rb") as f:
                if pickle.load(f) == _header(store.assignment_digest()):
                    return pickle.load(f), True
        except Exception as e:  # a truncated or foreign file: the store has everything, replay it
            print(f"newsdesk: not using the saved stream state {path} ({type(e).__name__}: {e}); replaying the "
                  f"store", file=sys.stderr)
    return replay(store), False


def save(store: Store, assigner: StoryAssigner) -> None:
    """Writes the state beside the database if it stands for the store's assignments; else removes the old one."""
    path = state_path(store)
    if path is None:
        return
    digest = store.assignment_digest()
    if Store.digest_of((k, s) for k, s in assigner.story_of.items() if isinstance(k, int)) != digest:
        path.unlink(missing_ok=True)  # it would not stand for the store: the next build replays
        return
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as f:
        pickle.dump(_header(digest), f, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(assigner, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)  # whole or not at all


def replay(store: Store) -> StoryAssigner:
    """An assigner that has seen every stored assignment, in arrival order."""
    assigner = StoryAssigner()
    for article in store.articles("story_id IS NOT NULL"):
        assigner.observe(article, article.story_id, article.duplicate_of)
    return assigner
