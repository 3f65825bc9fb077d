"""Articles: an article's page (its text in anchored sentences, the sentences a brief quotes marked) and
`/api/articles/{id}`. The page context is shared with the static export (`export.py`).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ...store import Store
from ..api_models import ArticleDetail, ErrorOut, article_ref
from ..deps import get_store, render
from ..handlers import Missing
from ..templating import safe_url, sentence_paragraphs

router = APIRouter()


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


@router.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
def article_page(request: Request, article_id: int, store: Store = Depends(get_store)):
    ctx = article_context(store, article_id)
    if ctx is None:
        raise Missing("article")
    return render(request, "article.html", ctx)


@router.get("/api/articles/{article_id}", response_model=ArticleDetail,
            responses={404: {"model": ErrorOut, "description": "No such id"}}, tags=["articles"],
            summary="One article in full")
def api_article(article_id: int, store: Store = Depends(get_store)):
    a = store.get_article(article_id)
    if a is None:
        raise Missing("article")
    return ArticleDetail(
        **article_ref(a).model_dump(), text=a.text, authors=a.authors, language=a.language,
        duplicates=[article_ref(d) for d in store.duplicates_of(a.id)],
    )
