"""Story profiles for threads (stages/threads.py) from the stream's state, for `newsdesk cluster` and the
benchmarks, whose articles are in memory; a build reads the names stored with each brief instead (build.py)."""
from __future__ import annotations

from typing import Hashable, Mapping

from ..models import Article
from ..stages.threads import StoryProfile, profile_names
from .stream import StoryAssigner


def stream_profiles(assigner: StoryAssigner, articles: Mapping[Hashable, Article]) -> list[StoryProfile]:
    """A profile per story of `assigner.story_of` holding any of `articles` (article key -> article), in the order
    of their first article."""
    members: dict[Hashable, list[Article]] = {}
    for key, article in articles.items():
        members.setdefault(assigner.story_of[key], []).append(article)
    vectors = assigner.related_vectors(members)
    return [StoryProfile(story, profile_names(arts), vectors.get(story)) for story, arts in members.items()]
