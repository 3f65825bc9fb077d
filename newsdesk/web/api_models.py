"""The JSON API's response and request models (pydantic), and the functions that fill them from records.

The models are the API's published schema (`/openapi.json`): a field renamed here is a change for every client.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ..models import Article, BriefSentence, Story
from .templating import snippet_parts, time_notes


class ErrorOut(BaseModel):
    detail: str


# -- stories, articles, search ----------------------------------------------------------------------------------
class ArticleRef(BaseModel):
    id: int
    title: str
    outlet: str | None = None
    published: datetime | None = None
    url: str | None = Field(None, description="The original URL as ingested (untrusted).")
    story_id: int | None = None
    duplicate_of: int | None = Field(None, description="The first-seen article carrying the same text.")


class ArticleDetail(ArticleRef):
    text: str
    authors: list[str] = []
    language: str | None = None
    duplicates: list[ArticleRef] = Field([], description="Later copies of this same text.")


class TimeNote(BaseModel):
    start: int = Field(description="Character offsets of the words in `text`.")
    end: int
    text: str = Field(description='The words as written ("earlier today").')
    date: str = Field(description="What they stand for, from the article's date "
                                  '("12 Jan 2010", "week of 5 Dec 2007").')


class BriefSentenceOut(BaseModel):
    text: str = Field(description="A verbatim span of the source article.")
    article_id: int | str
    position: int = Field(description="Index of the sentence in its article; the HTML anchor is #s{position}.")
    outlet: str | None = None
    published: datetime | None = None
    also_in: list[int | str] = []
    also_outlets: list[str] = []
    dates: list[TimeNote] = Field([], description="Relative time words in `text` and the date each stands for.")


class RelatedStory(BaseModel):
    id: int
    headline: str
    score: float


class ThreadEvent(BaseModel):
    id: int
    headline: str
    first_published: datetime | None = None
    last_published: datetime | None = None
    article_count: int


class StorySummary(BaseModel):
    id: int
    headline: str
    first_published: datetime | None = None
    last_published: datetime | None = None
    article_count: int
    outlets: list[str]
    teaser: str | None = Field(None, description="The first sentence of `latest`, else of the brief.")
    section: str | None = Field(None, description="The story's section key (`/api/sections`), read from its "
                                "articles by an automatic classifier; null until a build has read the story.")
    thread_id: int | None = Field(None, description="The long-running story (thread) it belongs to: the id of that "
                                  "thread's oldest story (its own id when it is alone); null until a build finds it.")


class SectionOut(BaseModel):
    key: str = Field(description="The name in `/section/{key}` and in stories' `section`.")
    label: str
    short: str = Field(description="The label in a few letters, as the pages' bar of sections shows it.")
    iptc: list[dict[str, str]] = Field(description="The IPTC Media Topics top-level topics it holds: code, name.")
    stories: int = Field(description="Stories with articles in it.")


class StoryList(BaseModel):
    total: int
    limit: int
    offset: int
    stories: list[StorySummary]


class StoryDetail(BaseModel):
    id: int
    headline: str
    first_published: datetime | None = None
    last_published: datetime | None = None
    outlets: list[str]
    article_count: int
    brief: list[BriefSentenceOut]
    latest: list[BriefSentenceOut] = Field([], description="What the newest reports add to the brief, newest first; "
                                            "empty when every article has one date.")
    brief_language: str | None = Field(None, description="The language of `headline`, `brief` and `latest`: the one "
                                       "asked for with `?lang=` where the story has articles in it, else the "
                                       "language most of its articles are in.")
    brief_languages: list[str] = Field([], description="Every language the brief can be had in (`?lang=`), the "
                                       "majority language first.")
    articles: list[ArticleRef]
    related: list[RelatedStory]
    section: str | None = Field(None, description="The story's section key (`/api/sections`), read from its "
                                "articles by an automatic classifier; null until a build has read the story.")
    thread_id: int | None = Field(None, description="As in the list: the id of its thread's oldest story.")
    thread: list[ThreadEvent] = Field([], description="Every story (event) of its thread, this one included, oldest "
                                      "first; empty when the thread has no other.")


class SearchHit(BaseModel):
    article: ArticleRef
    snippet: str = Field(description="Plain text around the matches.")
    highlights: list[tuple[int, int]] = Field(description="(start, end) character offsets of matches in snippet.")


class SearchResults(BaseModel):
    query: str
    results: list[SearchHit]


class StoryHits(BaseModel):
    story: StorySummary | None = Field(None, description="None for an article not yet in a story.")
    hits: list[SearchHit] = Field(description="The story's matching articles, best first.")


class StorySearchResults(BaseModel):
    query: str
    sort: str
    results: list[StoryHits]


def article_ref(a: Article) -> ArticleRef:
    return ArticleRef(
        id=a.id, title=a.title, outlet=a.outlet, published=a.published, url=a.url, story_id=a.story_id,
        duplicate_of=a.duplicate_of,
    )


def sentence_out(s: BriefSentence) -> BriefSentenceOut:
    return BriefSentenceOut(
        text=s.text, article_id=s.article_id, position=s.position, outlet=s.outlet, published=s.published,
        also_in=list(s.also_in), also_outlets=list(s.also_outlets),
        dates=[TimeNote(start=a, end=b, text=s.text[a:b], date=label) for a, b, label in time_notes(s)],
    )


def story_summary(s: Story) -> StorySummary:
    teaser = s.brief.teaser.text if s.brief and s.brief.teaser else None
    return StorySummary(
        id=s.id, headline=s.headline, first_published=s.first_published, last_published=s.last_published,
        article_count=len(s.article_ids), outlets=s.outlets, teaser=teaser, section=s.section,
        thread_id=s.thread_id,
    )


def thread_event(s: Story) -> ThreadEvent:
    return ThreadEvent(id=s.id, headline=s.headline, first_published=s.first_published,
                       last_published=s.last_published, article_count=len(s.article_ids))


def search_hit(a: Article, snippet: str) -> SearchHit:
    text, highlights, pos = [], [], 0
    for part, marked in snippet_parts(snippet):
        if marked:
            highlights.append((pos, pos + len(part)))
        text.append(part)
        pos += len(part)
    return SearchHit(article=article_ref(a), snippet="".join(text), highlights=highlights)


# -- facts and entities ----------------------------------------------------------------------------------------
class Claim(BaseModel):
    value: float
    unit: str | None = None
    hedge: str | None = Field(None, description='"more than", "at least", ... as written')
    text: str = Field(description="The verbatim sentence of the article.")
    doc_id: int | str
    outlet: str | None = None
    date: str | None = None
    cited_source: str | None = Field(None, description='Who the sentence cites: "AFP tally", "the IHCHR".')
    position: int | None = Field(None, description="Index of the sentence in its article (anchor #s{position}).")
    as_written: str | None = Field(None, description='The figure as the article writes it: "as many as 200,000".')


class Disagreement(BaseModel):
    what: str = Field(description='What the figures count: "killed", "injured", "homeless", "displaced", ...')
    category: str | None = Field(None, description='The category of that count: "displaced" for "homeless"')
    kind: str = Field(description='"update" (dated reports moving one way, latest first) or "contradiction" (the '
                      'same day, a figure that falls and rises again, or a later lower one from another source)')
    reason: str | None = Field(None, description="Why the card is an update or a contradiction, in words.")
    claims: list[Claim]


class StoryFacts(BaseModel):
    story_id: int
    disagreements: list[Disagreement]
    figures: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    timeline: list[dict[str, Any]]


class EntityStory(BaseModel):
    story_id: int
    headline: str
    first_published: datetime | None = None
    last_published: datetime | None = None
    mentions: int
    variants: list[str]


class EntityOut(BaseModel):
    id: int
    kind: str
    name: str
    place: dict[str, Any] | None = None
    stories: list[EntityStory]


# -- feeds -----------------------------------------------------------------------------------------------------
class FeedStatus(BaseModel):
    id: int
    url: str = Field(description="The feed URL as subscribed (untrusted).")
    title: str | None = None
    site_url: str | None = None
    added_at: datetime
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = Field(None, description="The most recent failure, kept after later successes.")
    last_error_at: datetime | None = None
    last_warning: str | None = Field(None, description="What the last good poll could read only in part (ill-formed "
                                     "XML read anyway, items without an id skipped); cleared by a clean poll.")
    failing: bool = Field(description="True when the latest poll failed.")
    items_seen: int
    articles: int = Field(description="Articles extracted from this feed's items.")
    next_poll_at: datetime | None = None
    poll_seconds: int = Field(description="How often the feed is polled, in seconds.")


class FeedList(BaseModel):
    feeds: list[FeedStatus]


class NewFeed(BaseModel):
    url: str
    every: int | None = Field(None, ge=1, description="Poll this often, in seconds (default 900).")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def feed_status(f: dict) -> FeedStatus:
    failing = bool(f["last_error_at"]) and (not f["last_success_at"] or f["last_error_at"] > f["last_success_at"])
    return FeedStatus(
        id=f["id"], url=f["url"], title=f["title"], site_url=f["site_url"], added_at=_dt(f["added_at"]),
        last_polled_at=_dt(f["last_polled_at"]), last_success_at=_dt(f["last_success_at"]),
        last_error=f["last_error"], last_error_at=_dt(f["last_error_at"]), failing=failing,
        last_warning=f["last_warning"],
        items_seen=f["items_seen"], articles=f["articles"], next_poll_at=_dt(f["next_poll_at"]),
        poll_seconds=f["poll_seconds"],
    )


# -- edits -----------------------------------------------------------------------------------------------------
class MoveIn(BaseModel):
    article_id: int
    to: int | None = Field(None, description="The story to move it to; a new story when left out.")


class MergeIn(BaseModel):
    into: int = Field(description="The story that absorbs this one and keeps its id.")


class EditOut(BaseModel):
    story_id: int = Field(description="Where the article or the merged articles are now.")
    from_story: int
    redirected: bool = Field(description="True when the old story is now empty and its URL redirects.")
