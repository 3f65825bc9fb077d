"""The pipeline, declared: every stage a build runs, in order, by kind. Read this first.

    ingest   parse                                each input: raw bytes -> Article (ingest.py)
    article  fingerprint, embed                   each new article, in batches
    stream   assign                               each new article, in arrival order, on the stream's state
    window   recluster, crosslang                 the newest articles, once per build
    story    brief, section, article_facts, facts each story whose articles changed
    stories  relate, threads                      every live story at once

`build.py` runs them: lock the store, load what is new, run the stages, write what they return. The stages
themselves are in stages.py; the work each one wraps is in `newsdesk/stages/`.
"""
from __future__ import annotations

from dataclasses import dataclass

from .stages import (ArticleStage, Assign, CrossLanguage, DedupFingerprint, Embed, Facts, Parse, Recluster, Relate, Section,
                     StoryArticleFacts, StoryStage, Summarize, Threads, WindowStage)


@dataclass(frozen=True)
class Pipeline:
    ingest: Parse
    article: tuple[ArticleStage, ...]
    stream: tuple[WindowStage, ...]
    window: tuple[WindowStage, ...]
    story: tuple[StoryStage, ...]
    stories: tuple[StoryStage, ...]

    def names(self) -> dict[str, list[str]]:
        """Kind -> the names of its stages, in order."""
        return {kind: [s.name for s in (stages if isinstance(stages, tuple) else (stages,))]
                for kind, stages in ((k, getattr(self, k)) for k in self.__dataclass_fields__)}


PIPELINE = Pipeline(
    ingest=Parse(),
    article=(DedupFingerprint(), Embed()),
    stream=(Assign(),),
    window=(Recluster(), CrossLanguage()),
    story=(Summarize(), Section(), StoryArticleFacts(), Facts()),
    stories=(Relate(), Threads()),
)

