"""Users' corrections of the clustering: move an article out of a story, merge two stories.

Decisions are stored (migration 0003: pins, redirects, an edit log) and the stories they change are marked stale
in the same transaction; their briefs and facts are then rewritten at once by the pipeline's one refresh path,
and their related links by the next build. `build` calls `enforce` before clustering new articles, so an automatic
update never undoes a user's decision, and replays the store's assignments into the clusterer, so new articles
are matched against the corrected stories.
"""
from __future__ import annotations

from .store import Store


def _refresh(store: Store, story_ids: list[int]) -> None:
    from .pipeline import refresh_stories

    refresh_stories(store, story_ids=story_ids)


def move_article(store: Store, article_id: int, to_story: int | None = None) -> int:
    """Moves the article (and its copies) to `to_story` or a new story; returns the story it is now in.
    Raises NotFound (errors.py) for an article in no story or a `to_story` that does not exist."""
    source, target = store.move_article(article_id, to_story)
    if source != target:
        _refresh(store, [source, target])
    return target


def merge_stories(store: Store, source: int, target: int) -> int:
    """Merges `source` into `target`; `source`'s URL redirects to the result. Returns the target's id.
    Raises NotFound for a story that does not exist, Conflict for a story merged into itself."""
    target = store.merge_stories(source, target)
    _refresh(store, [source, target])
    return target


def enforce(store: Store) -> set[int]:
    """Puts back any article that is not where a user pinned it or sits in a merged-away story; returns the
    stories changed (marked stale by the store). Normally nothing: only assignments made outside these functions
    can break a decision. Reads only the articles of users' decisions, never every article."""
    changed: set[int] = set()
    pins = store.pinned_stories()
    redirects = store.redirected_stories()
    # only the articles a decision can concern: pinned elsewhere than they are, or in a merged-away story (the
    # pins' and redirects' primary keys make this a lookup per decision, not a scan of every article's text)
    suspects = store.articles("story_id IS NOT NULL AND (story_id IN (SELECT old_id FROM story_redirects) OR id IN "
                              "(SELECT p.article_id FROM story_pins p WHERE p.story_id IS NOT articles.story_id))")
    for article in suspects:
        want = pins.get(article.id, article.story_id)
        if want in redirects:
            want = store.story_redirect(want) or want
        if want != article.story_id:
            store.assign(article.id, want)
            changed |= {want, article.story_id}
    return changed
