"""A static copy of the site that works when opened from disk (no server, so no search).

It renders the same templates and page contexts as the server; only `link_to` changes, to relative `.html` links.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from ..stages.topics import SECTIONS
from ..store import Store
from .templating import STATIC_DIR, make_env
from .views.articles import article_context
from .views.sections import section_context, section_page_count
from .views.stories import index_context, page_count, story_context


def export_site(db_path: str, out_dir: str | Path) -> int:
    """Write index.html (plus index-N.html pages), latest.html (latest-N.html), stories/, articles/, section/ (one
    page per section, paged), about.html, images/ (the lead images' thumbnails) and static/; returns the number of
    files written."""
    out = Path(out_dir)
    env = make_env(static_site=True)
    written = 0

    def write(rel: str, template: str, context: dict) -> None:
        nonlocal written
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        # Links are made relative to the page's own folder.
        root = "../" * rel.count("/")
        path.write_text(env.get_template(template).render({**context, "root": root}), encoding="utf-8")
        written += 1

    with Store(db_path) as store:
        sample = store.has_sample_articles()
        env.globals["has_sample"] = lambda: sample
        for page in range(1, page_count(store) + 1):
            write("index.html" if page == 1 else f"index-{page}.html", "index.html", index_context(store, page))
            write("latest.html" if page == 1 else f"latest-{page}.html", "index.html",
                  index_context(store, page, order="latest"))
        # A merged story's file shows the story it became, so that an old link never dangles; an id that never
        # held an article has no page.
        for sid in store.story_ids():
            ctx = story_context(store, store.story_redirect(sid) or sid)
            if ctx is not None:
                write(f"stories/{sid}.html", "story.html", ctx)
        for article in store.articles():
            write(f"articles/{article.id}.html", "article.html", article_context(store, article.id))
        write("about.html", "about.html", {})
        for image_id in store.stored_image_ids():  # the thumbnails the pages show, as the server serves them
            (out / "images").mkdir(parents=True, exist_ok=True)
            (out / "images" / f"{image_id}.webp").write_bytes(store.image_data(image_id) or b"")
            written += 1
        for section in SECTIONS:
            for page in range(1, section_page_count(store, section.key) + 1):
                write(f"section/{section.key}.html" if page == 1 else f"section/{section.key}-{page}.html",
                      "section.html", section_context(store, section.key, page))

    for src in sorted(STATIC_DIR.iterdir()):
        if src.is_file():
            (out / "static").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, out / "static" / src.name)
            written += 1
    return written
