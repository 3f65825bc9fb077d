"""Web pages and JSON API: a thin shell over the store.

Everything here is presentation. The page contexts built below are shared by the server and by the static export
(`export.py`), which renders the same templates with relative links; `link_to` is the only thing that differs.
Article text and titles are untrusted: templates are autoescaped and nothing from an article is marked safe.
"""
from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline  # serves the Swagger UI assets itself: /docs must work offline
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup, escape
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..models import Article, BriefSentence, Story
from ..settings import ServerSettings
from ..store import SearchRefused, SearchTimedOut, Store
from ..text import split_sentences
from .atom import latest_stories, matching_stories, stories_feed
from .auth import Auth, WriteGuard, current_viewer, login_router
from .facts_routes import facts_context

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
PAGE_SIZE = 50
OUTLETS_SHOWN = 3

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# -- formatting -------------------------------------------------------------------------------------------------
def fmt_date(value: datetime | None) -> str:
    # Month names are spelled out here rather than with %b, which follows the server's locale.
    if value is None:
        return "undated"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def iso_date(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def date_span(first: datetime | None, last: datetime | None) -> str:
    """"12 Mar – 2 Apr 2007"; the year (and month) is written once when both ends share it."""
    if first is None or last is None:
        return fmt_date(first or last)
    a, b = first.date(), last.date()
    if a == b:
        return fmt_date(first)
    if a.year != b.year:
        return f"{fmt_date(first)} – {fmt_date(last)}"
    if a.month != b.month:
        return f"{a.day} {_MONTHS[a.month - 1]} – {b.day} {_MONTHS[b.month - 1]} {b.year}"
    return f"{a.day}–{b.day} {_MONTHS[b.month - 1]} {b.year}"


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


def outlet_names(outlets: list[str], shown: int = OUTLETS_SHOWN) -> str:
    if len(outlets) <= shown:
        return ", ".join(outlets)
    return f"{', '.join(outlets[:shown])} and {len(outlets) - shown} more"


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are rendered: autoescaping does not stop a `javascript:` URL from an untrusted feed."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """Split an FTS snippet at its \\x02/\\x03 markers into (text, matched) runs.

    Markers are read as a toggle that can only open when closed and close when open, so a stray control character
    in an article can never produce unbalanced <mark> tags.
    """
    parts: list[tuple[str, bool]] = []
    buf: list[str] = []
    marked = False
    for ch in snippet:
        if ch in "\x02\x03":
            want = ch == "\x02"
            if want != marked:
                if buf:
                    parts.append(("".join(buf), marked))
                    buf = []
                marked = want
            continue
        buf.append(ch)
    if buf:
        parts.append(("".join(buf), marked))
    return parts


def snippet_html(snippet: str) -> Markup:
    # Escape first, then add our own tags: the order is what keeps article text inert.
    return Markup("").join(Markup("<mark>%s</mark>") % t if m else escape(t) for t, m in snippet_parts(snippet))


def sentence_paragraphs(text: str) -> list[list[tuple[str, int | None]]]:
    """Paragraphs of (text, sentence position or None for the gaps between sentences).

    Positions are indexes into `split_sentences(text)`, the same split the summarizer uses, so `#s{position}` lands
    on the sentence a brief quotes. A line break between sentences starts a new paragraph; one inside a sentence is
    left alone so that the sentence stays one anchored element.
    """
    paragraphs: list[list[tuple[str, int | None]]] = [[]]

    def gap(chunk: str) -> None:
        lines = chunk.split("\n")
        for i, line in enumerate(lines):
            if i:
                paragraphs.append([])
            # Trim only at the line breaks, so a space between two sentences of one paragraph survives.
            line = line.lstrip() if i else line
            line = line.rstrip() if i < len(lines) - 1 else line
            if line:
                paragraphs[-1].append((line, None))

    pos = 0
    for n, (start, end) in enumerate(split_sentences(text)):
        gap(text[pos:start])
        paragraphs[-1].append((text[start:end], n))
        pos = end
    gap(text[pos:])
    return [p for p in paragraphs if any(t.strip() for t, _ in p)]


# -- links ------------------------------------------------------------------------------------------------------
def make_link(kind: str, key: object = None, anchor: object = None, *, static_site: bool = False, root: str = "") -> str:
    """One place that knows the URL layout: `/stories/3` on the server, `{root}stories/3.html` in the export."""
    frag = f"#s{anchor}" if anchor is not None else ""
    if not static_site:
        paths = {
            "home": "/", "about": "/about", "search": "/search",
            "page": "/" if key in (None, 1) else f"/?page={key}",
            "story": f"/stories/{key}", "article": f"/articles/{key}", "static": f"/static/{key}",
        }
    else:
        paths = {
            "home": "index.html", "about": "about.html", "search": "index.html",
            "page": "index.html" if key in (None, 1) else f"index-{key}.html",
            "story": f"stories/{key}.html", "article": f"articles/{key}.html", "static": f"static/{key}",
        }
        paths = {k: root + v for k, v in paths.items()}
    return paths[kind] + frag


def time_notes(s: BriefSentence) -> list[tuple[int, int, str]]:
    """(start, end, date) of the relative time words ("earlier today", "on Monday") of a quoted sentence, resolved
    against its article's date: out of their article they would point at the reader's today."""
    from ..stages.facts.timeline import relative_times

    return relative_times(s.text, s.published)


def quote_html(s: BriefSentence) -> Markup:
    """The sentence, verbatim and escaped, with each relative time word followed by its date in brackets, the
    editor's mark for words that are not the source's."""
    parts, at = [], 0
    for start, end, label in time_notes(s):
        parts.append(escape(s.text[at:end]))
        parts.append(Markup('<span class="when" title="not in the source: worked out from the date of the article">'
                            ' [%s]</span>') % label)
        at = end
    parts.append(escape(s.text[at:]))
    return Markup("").join(parts)


def make_env(static_site: bool = False) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    @pass_context
    def link_to(ctx, kind: str, key: object = None, anchor: object = None) -> str:
        return make_link(kind, key, anchor, static_site=static_site, root=ctx.get("root", ""))

    env.globals.update(
        link_to=link_to, static_site=static_site, date_span=date_span, count=count, outlet_names=outlet_names,
        iso_date=iso_date, version=__version__, has_sample=lambda: False, viewer=current_viewer,
    )
    env.filters.update(date=fmt_date, snippet=snippet_html, quote=quote_html)
    return env


# -- page contexts (shared by server and export) ---------------------------------------------------------------
def page_count(store: Store) -> int:
    return max(1, -(-store.story_count() // PAGE_SIZE))


def index_context(store: Store, page: int = 1) -> dict | None:
    pages = page_count(store)
    if page < 1 or page > pages:
        return None
    listed = store.list_stories(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    # list_stories leaves the brief out; the teaser needs its first sentence.
    stories = [store.get_story(s.id) or s for s in listed]
    return {"stories": stories, "page": page, "pages": pages, "total": store.story_count()}


def _timeline(articles: list[Article]) -> list[tuple[datetime | None, list[Article]]]:
    # story_articles is already in time order with undated articles last, so consecutive grouping is enough.
    return [
        (items[0].published, items)
        for _, group in itertools.groupby(articles, key=lambda a: a.published.date() if a.published else None)
        for items in [list(group)]
    ]


def _by_outlet(articles: list[Article]) -> list[tuple[str | None, list[Article]]]:
    groups: dict[str | None, list[Article]] = {}
    for a in articles:
        groups.setdefault(a.outlet, []).append(a)
    return sorted(groups.items(), key=lambda kv: (kv[0] is None, (kv[0] or "").lower()))


def story_context(store: Store, story_id: int) -> dict | None:
    story = store.get_story(story_id)
    if story is None:
        return None
    articles = store.story_articles(story_id)
    by_id = {a.id: a for a in articles}
    sources: dict[int, Article | None] = {}
    for s in (story.brief.sentences + story.brief.latest) if story.brief else []:
        if s.article_id not in by_id and isinstance(s.article_id, int) and s.article_id not in sources:
            sources[s.article_id] = store.get_article(s.article_id)
    sources.update(by_id)
    return {
        "story": story, "articles": articles, "sources": sources, "timeline": _timeline(articles),
        "by_outlet": _by_outlet(articles),
        "facts": facts_context(store, story_id),
    }


def article_context(store: Store, article_id: int) -> dict | None:
    article = store.get_article(article_id)
    if article is None:
        return None
    story = store.get_story(article.story_id) if article.story_id is not None else None
    quoted = {
        s.position for s in (story.brief.sentences + story.brief.latest if story and story.brief else [])
        if s.article_id == article.id
    }
    original = store.get_article(article.duplicate_of) if article.duplicate_of is not None else None
    url = safe_url(article.url)
    return {
        "article": article, "story": story, "paragraphs": sentence_paragraphs(article.text), "quoted": quoted,
        "duplicates": store.duplicates_of(article.id), "original": original, "url": url,
        "url_host": urlsplit(url).netloc if url else None,
    }


def search_context(store: Store, q: str) -> dict:
    """The search page's context; a refused or stopped search gives `error` and its HTTP `status`."""
    try:
        results = store.search(q) if q.strip() else []
    except SearchRefused as e:
        return {"q": q, "results": [], "headlines": {}, "error": f"Not searched: {e}.", "status": 400}
    except SearchTimedOut as e:
        return {"q": q, "results": [], "headlines": {}, "error": f"Stopped: {e}.", "status": 503}
    headlines: dict[int, str] = {}
    for a, _ in results:
        if a.story_id is not None and a.story_id not in headlines:
            s = store.get_story(a.story_id)
            headlines[a.story_id] = s.headline if s else ""
    return {"q": q, "results": results, "headlines": headlines, "error": None, "status": 200}


# -- API models -------------------------------------------------------------------------------------------------
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


class StorySummary(BaseModel):
    id: int
    headline: str
    first_published: datetime | None = None
    last_published: datetime | None = None
    article_count: int
    outlets: list[str]
    teaser: str | None = Field(None, description="The first sentence of `latest`, else of the brief.")


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
    articles: list[ArticleRef]
    related: list[RelatedStory]


class SearchHit(BaseModel):
    article: ArticleRef
    snippet: str = Field(description="Plain text around the matches.")
    highlights: list[tuple[int, int]] = Field(description="(start, end) character offsets of matches in snippet.")


class SearchResults(BaseModel):
    query: str
    results: list[SearchHit]


class ErrorOut(BaseModel):
    detail: str


def _article_ref(a: Article) -> ArticleRef:
    return ArticleRef(
        id=a.id, title=a.title, outlet=a.outlet, published=a.published, url=a.url, story_id=a.story_id,
        duplicate_of=a.duplicate_of,
    )


def _sentence_out(s: BriefSentence) -> BriefSentenceOut:
    return BriefSentenceOut(
        text=s.text, article_id=s.article_id, position=s.position, outlet=s.outlet, published=s.published,
        also_in=list(s.also_in), also_outlets=list(s.also_outlets),
        dates=[TimeNote(start=a, end=b, text=s.text[a:b], date=label) for a, b, label in time_notes(s)],
    )


def _summary(s: Story) -> StorySummary:
    teaser = s.brief.teaser.text if s.brief and s.brief.teaser else None
    return StorySummary(
        id=s.id, headline=s.headline, first_published=s.first_published, last_published=s.last_published,
        article_count=len(s.article_ids), outlets=s.outlets, teaser=teaser,
    )


def _search_hit(a: Article, snippet: str) -> SearchHit:
    text, highlights, pos = [], [], 0
    for part, marked in snippet_parts(snippet):
        if marked:
            highlights.append((pos, pos + len(part)))
        text.append(part)
        pos += len(part)
    return SearchHit(article=_article_ref(a), snippet="".join(text), highlights=highlights)


def _search_http_error(e: Exception) -> HTTPException:
    return HTTPException(400 if isinstance(e, SearchRefused) else 503, str(e))


# -- the app ----------------------------------------------------------------------------------------------------
def create_app(db_path: str, settings: ServerSettings | None = None) -> FastAPI:
    """The web UI and API over the store at `db_path`. Without settings: public URL http://127.0.0.1:8000, the
    loopback names as hosts, and writes only with a credential stored in the database (read-only without one).

    `app.state.stop_requests()` makes the running database work of every request stop at once (SQLite's
    interrupt) and new requests answer 503: `serve` calls it on SIGTERM so that no request holds the shutdown.
    """
    settings = settings or ServerSettings()
    app = FastAPIOffline(
        title="newsdesk",
        version=__version__,
        description="Stories grouped from many outlets, each with an extractive brief whose every sentence is a "
        "verbatim span of a named article. Reading is open; every POST needs `Authorization: Bearer TOKEN` "
        "(`newsdesk token --reset` makes one) and answers 401 without it, 403 when the server is read-only.",
    )
    env = make_env(static_site=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    sample_seen = {"at": 0.0, "value": False}

    def has_sample() -> bool:
        # The CC BY attribution of the bundled sample belongs on pages only while sample articles are stored;
        # rechecked once a minute rather than on every page.
        now = time.monotonic()
        if now - sample_seen["at"] > 60:
            with Store(db_path) as store:
                sample_seen.update(at=now, value=store.has_sample_articles())
        return sample_seen["value"]

    env.globals["has_sample"] = has_sample
    open_stores: set[Store] = set()
    open_lock = threading.Lock()
    stopping = threading.Event()

    def stop_requests() -> None:
        stopping.set()
        with open_lock:
            for store in open_stores:
                store.db.interrupt()  # thread-safe by SQLite's design: the statement ends with "interrupted"

    app.state.stop_requests = stop_requests

    def get_store() -> Iterator[Store]:
        # One connection per request: the pipeline may write between requests, and connections are cheap.
        if stopping.is_set():
            raise HTTPException(503, "the server is stopping")
        store = Store(db_path)
        with open_lock:
            open_stores.add(store)
        try:
            yield store
        finally:
            with open_lock:
                open_stores.discard(store)
            store.close()

    def page(template: str, context: dict, status_code: int = 200) -> HTMLResponse:
        return HTMLResponse(env.get_template(template).render(context), status_code=status_code)

    def not_found(what: str) -> HTMLResponse:
        return page("404.html", {"what": what}, status_code=404)

    def is_api(request: Request) -> bool:
        path = request.url.path  # feeds are read by programs too: they get errors as JSON, not an HTML page
        return path.startswith("/api/") or path == "/api" or path.endswith(".atom")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404 and not is_api(request):
            return not_found("page")
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(sqlite3.OperationalError)
    async def interrupted(request: Request, exc: sqlite3.OperationalError):
        if stopping.is_set() and "interrupt" in str(exc):
            return PlainTextResponse("the server is stopping; try again when it is back", status_code=503)
        raise exc

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        # /stories/abc is a page that does not exist to a reader; API clients get the usual 422 details.
        if not is_api(request):
            return not_found("page")
        return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)

    # -- HTML ---------------------------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(page_no: int = Query(1, alias="page"), store: Store = Depends(get_store)):
        ctx = index_context(store, page_no)
        return page("index.html", ctx) if ctx else not_found("page")

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(story_id: int, store: Store = Depends(get_store)):
        if (moved := store.story_redirect(story_id)) is not None:  # merged: the old URL keeps working
            return RedirectResponse(f"/stories/{moved}", status_code=301)
        ctx = story_context(store, story_id)
        return page("story.html", ctx) if ctx else not_found("story")

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(article_id: int, store: Store = Depends(get_store)):
        ctx = article_context(store, article_id)
        return page("article.html", ctx) if ctx else not_found("article")

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(q: str = "", store: Store = Depends(get_store)):
        ctx = search_context(store, q)
        return page("search.html", ctx, status_code=ctx["status"])

    @app.get("/about", response_class=HTMLResponse, include_in_schema=False)
    def about_page():
        return page("about.html", {})

    # -- Atom ---------------------------------------------------------------------------------------------------
    def atom(body: bytes) -> Response:
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    def self_url(request: Request) -> str:
        # The public URL, never the Host header: one feed, one id, whatever name reached the server.
        query = request.url.query
        return settings.base_url + request.url.path + (f"?{query}" if query else "")

    @app.get("/feed.atom", tags=["feeds"], summary="Atom feed of the latest stories, one entry per story",
             response_class=Response, responses={200: {"content": {"application/atom+xml": {}}}})
    def atom_latest(request: Request, store: Store = Depends(get_store)):
        return atom(stories_feed(latest_stories(store), settings.base_url, "newsdesk: latest stories",
                                 self_url(request)))

    @app.get("/search.atom", tags=["feeds"], summary="Atom feed of the stories whose articles match a query",
             response_class=Response, responses={200: {"content": {"application/atom+xml": {}}},
                                                 400: {"model": ErrorOut}, 503: {"model": ErrorOut}})
    def atom_search(request: Request, q: str = Query(..., min_length=1, description="Words to find; no query syntax."),
                    store: Store = Depends(get_store)):
        try:
            stories = matching_stories(store, q)
        except (SearchRefused, SearchTimedOut) as e:
            raise _search_http_error(e) from None
        return atom(stories_feed(stories, settings.base_url, f"newsdesk: stories matching “{q}”",
                                 self_url(request)))

    # -- JSON API -----------------------------------------------------------------------------------------------
    missing = {404: {"model": ErrorOut, "description": "No such id"}}

    @app.get("/api/stories", response_model=StoryList, tags=["stories"], summary="Stories, newest first")
    def api_stories(
        limit: int = Query(PAGE_SIZE, ge=1, le=500), offset: int = Query(0, ge=0), store: Store = Depends(get_store)
    ):
        listed = store.list_stories(limit=limit, offset=offset)
        stories = [store.get_story(s.id) or s for s in listed]
        return StoryList(total=store.story_count(), limit=limit, offset=offset, stories=[_summary(s) for s in stories])

    @app.get("/api/stories/{story_id}", response_model=StoryDetail, responses=missing, tags=["stories"],
             summary="One story with its brief, articles and related stories")
    def api_story(story_id: int, store: Store = Depends(get_store)):
        if (moved := store.story_redirect(story_id)) is not None:
            return RedirectResponse(f"/api/stories/{moved}", status_code=301)
        story = store.get_story(story_id)
        if story is None:
            raise HTTPException(404, "story not found")
        return StoryDetail(
            id=story.id, headline=story.headline, first_published=story.first_published,
            last_published=story.last_published, outlets=story.outlets, article_count=len(story.article_ids),
            brief=[_sentence_out(s) for s in (story.brief.sentences if story.brief else [])],
            latest=[_sentence_out(s) for s in (story.brief.latest if story.brief else [])],
            articles=[_article_ref(a) for a in store.story_articles(story_id)],
            related=[RelatedStory(id=i, headline=h, score=sc) for i, h, sc in story.related],
        )

    @app.get("/api/articles/{article_id}", response_model=ArticleDetail, responses=missing, tags=["articles"],
             summary="One article in full")
    def api_article(article_id: int, store: Store = Depends(get_store)):
        a = store.get_article(article_id)
        if a is None:
            raise HTTPException(404, "article not found")
        return ArticleDetail(
            **_article_ref(a).model_dump(), text=a.text, authors=a.authors, language=a.language,
            duplicates=[_article_ref(d) for d in store.duplicates_of(a.id)],
        )

    @app.get("/api/search", response_model=SearchResults, tags=["search"], summary="Full-text search over articles",
             responses={400: {"model": ErrorOut, "description": "Too long, or too many different words"},
                        503: {"model": ErrorOut, "description": "Stopped at the time limit"}})
    def api_search(q: str = Query(..., description="Words to find; no query syntax."),
                   limit: int = Query(50, ge=1, le=200), store: Store = Depends(get_store)):
        try:
            hits = store.search(q, limit=limit)
        except (SearchRefused, SearchTimedOut) as e:
            raise _search_http_error(e) from None
        return SearchResults(query=q, results=[_search_hit(a, s) for a, s in hits])

    from .feeds_routes import feeds_router  # /feeds and /api/feeds

    app.include_router(feeds_router(env, get_store))
    from .facts_routes import make_router as facts_router  # /entities/{id}, /api/stories/{id}/facts, /api/entities

    app.include_router(facts_router(get_store, page))
    from .edits import add_edit_routes  # POST move / merge, API and forms

    add_edit_routes(app, get_store)
    auth = Auth(db_path, settings)
    app.include_router(login_router(auth, page))

    def refusal_page(message: str, status: int, login_next: str | None) -> HTMLResponse:
        return page("notice.html", {"message": message, "login_next": login_next}, status_code=status)

    app.add_middleware(WriteGuard, auth=auth, render=refusal_page)
    return app

