"""Typed records passed between pipeline stages.

Every stage takes and returns these plain dataclasses; none of them knows about the store or the web layer.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class RawInput:
    """Bytes exactly as received, kept before any parsing so that nothing is lost when a later stage fails."""

    body: bytes
    kind: str  # "html", "json" (one JSON object per record) or "text"
    origin: str  # where it came from: "path", "path:line" or a URL
    url: str | None = None
    fetched_at: datetime | None = None

    @property
    def sha256(self) -> str:
        return sha256_hex(self.body)


@dataclass
class Article:
    """One clean article. `published` keeps the time zone when the source gives one."""

    title: str
    text: str
    url: str | None = None
    outlet: str | None = None
    published: datetime | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    raw_sha256: str | None = None
    origin: str | None = None
    external_id: str | None = None  # the caller's own id (JSON "id"/"doc_id"), kept for batch verbs
    id: int | None = None  # set by the store
    story_id: int | None = None  # set by the cluster stage
    duplicate_of: int | None = None  # set by the dedup stage: the first-seen article carrying the same text
    image_url: str | None = None  # the lead image the page declares (og:image, JSON-LD, twitter:image), absolute
    image_credit: str | None = None  # whose image it is, where the page says (JSON-LD creditText and the like)

    @property
    def key(self) -> int | str | None:
        return self.id if self.id is not None else self.external_id


@dataclass
class BriefSentence:
    """A verbatim span of one article; `also_in` lists other articles that carry the same sentence."""

    text: str
    article_id: int | str
    position: int  # index of the sentence in its article, for ordering and for the link anchor
    outlet: str | None = None
    published: datetime | None = None
    also_in: list[int | str] = field(default_factory=list)
    also_outlets: list[str] = field(default_factory=list)


@dataclass
class Brief:
    """`sentences`: the background, in the order of events; `latest`: what the newest reports add to them, newest
    first (empty when every article has one date). `language`: the language it is written in (the story's
    majority language), None when unknown; `by_language`: a story told in several languages has one brief more per
    other language, from that language's articles only (each with its own `language`, and no `by_language`)."""

    headline: str
    sentences: list[BriefSentence]
    headline_article_id: int | str | None = None
    latest: list[BriefSentence] = field(default_factory=list)
    language: str | None = None
    by_language: dict[str, "Brief"] = field(default_factory=dict)

    def languages(self) -> list[str]:
        """The languages it can be read in: its own first, then the others in the order stored."""
        return ([self.language] if self.language else []) + [c for c in self.by_language if c != self.language]

    def in_language(self, language: str | None) -> "Brief":
        """The brief written in `language` where the story has one, else this one (the majority language's)."""
        if language and language != self.language and language in self.by_language:
            return self.by_language[language]
        return self

    @property
    def teaser(self) -> BriefSentence | None:
        """The sentence that stands for the story in a list: what is new, else the brief's opening."""
        return (self.latest or self.sentences or [None])[0]


@dataclass
class Story:
    id: int
    headline: str
    article_ids: list[int]
    first_published: datetime | None = None
    last_published: datetime | None = None
    outlets: list[str] = field(default_factory=list)
    brief: Brief | None = None
    related: list[tuple[int, str, float]] = field(default_factory=list)  # (story id, headline, similarity)
    section: str | None = None  # stages/topics.py's key; None until a build has read the story
    thread_id: int | None = None  # the long-running story it belongs to: the id of that thread's oldest story
