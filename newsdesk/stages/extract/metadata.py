"""Page metadata: what the page says about itself, and trafilatura's heuristics for what it leaves open.

`page_meta(tree)` reads the <meta> tags, JSON-LD and <link rel=canonical> in one walk and returns the candidates
for each field (headline, titles, site names, date, authors, URL, languages, lead image and its credit) as a dict
of trimmed strings; the titles, sites and fields modules choose among them and clean them. `TrafMeta` runs trafilatura's own metadata heuristics (title, site name, byline, htmldate) one field at a
time, only for the fields asked for; `extract_author` is trafilatura.metadata.extract_author without its copy of
the page. All of them read the whole tree, so they run before main_text.slim prunes it.
"""
from __future__ import annotations

import copy
import json
import re
from functools import cached_property
from typing import Any

from .normalize import ws


_ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "socialmediaposting",
    "scholarlyarticle", "techarticle", "report",
}
_PAGE_TYPES = {"webpage", "itempage", "collectionpage"}
_SITE_TYPES = {"website", "newsmediaorganization", "organization"}


# meta names that carry the publication time (with zone) on common CMSs, most specific first
_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "datepublished", "og:published_time",
    "published_time", "article:published", "parsely-pub-date", "sailthru.date", "dc.date.issued",
    "dcterms.issued", "dc.date", "dcterms.date", "pubdate", "publishdate", "publish-date", "date",
)


def _types(obj: dict) -> set[str]:
    t = obj.get("@type")
    items = t if isinstance(t, list) else [t]
    return {str(x).lower().rsplit("/", 1)[-1] for x in items if x}


def _json_ld_objects(scripts: list) -> list[dict]:
    """Every object in the page's JSON-LD `scripts`, nested @graph/mainEntity/itemListElement ones included."""
    out: list[dict] = []

    def walk(node: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(node, list):
            for x in node:
                walk(x, depth + 1)
        elif isinstance(node, dict):
            out.append(node)
            for key in ("@graph", "mainEntity", "itemListElement"):
                if key in node:
                    walk(node[key], depth + 1)

    for script in scripts:
        raw = (script.text or "").strip()
        if raw.startswith("<!--"):
            raw = raw[4:].rstrip("->").strip()
        try:
            data = json.loads(raw, strict=False)  # strict=False: raw newlines inside strings are common
        except ValueError:
            continue
        walk(data)
    return out


def _str(v: Any) -> str | None:
    if isinstance(v, list):
        v = v[0] if v else None
    if isinstance(v, dict):
        v = v.get("name") or v.get("@value")
    if isinstance(v, (str, int, float)) and str(v).strip():
        return ws(str(v))
    return None


def _image_url(v: Any) -> str | None:
    """The URL of a schema.org `image` value: a URL, an ImageObject (`url` or `contentUrl`) or a list of them."""
    if isinstance(v, list):
        v = v[0] if v else None
    if isinstance(v, dict):
        v = v.get("url") or v.get("contentUrl")
        if isinstance(v, list):
            v = v[0] if v else None
    return v.strip() if isinstance(v, str) and v.strip() else None


def _image_credit(v: Any) -> str | None:
    """Who the page says made or owns its JSON-LD image: `creditText`, else `copyrightHolder`, `author` or
    `creator` of the ImageObject. A caption or alt text is not a credit and is never read as one."""
    if isinstance(v, list):
        v = v[0] if v else None
    if not isinstance(v, dict):
        return None
    for key in ("creditText", "copyrightHolder", "author", "creator"):
        name = _str(v.get(key))
        if name and len(name) <= 200:
            return name
    return None


_CREDIT_CLASS = re.compile(r"credit|copyright|photographer", re.I)
_CREDIT_PROPS = {"copyrightholder", "credittext", "author", "creator"}
_CREDIT_PREFIX = re.compile(
    r"^(?:©|\(c\)|(?:image |photo |picture )?credits?|photograph(?:y)?(?: by)?|photo(?: by)?|foto|bild|image|"
    r"picture|quelle|source)\s*[:©]?\s*", re.I)


def figure_credit(figure) -> str | None:
    """The credit line of a <figure>: the text of its element marked as one (a class naming a credit, copyright or
    photographer; itemprop copyrightHolder, creditText, author or creator), its "Photo:" or "©" taken off. Never
    the caption itself: a caption says what is in the picture, not who made it."""
    for el in figure.iter():
        if not isinstance(el.tag, str) or el.tag in ("img", "picture", "source"):
            continue
        if (el.get("itemprop") or "").lower() in _CREDIT_PROPS or _CREDIT_CLASS.search(el.get("class") or ""):
            text = ws(el.text_content().replace("\u200b", ""))  # zero-width spaces that let a long line break
            if text.startswith("(") and text.endswith(")"):
                text = text[1:-1]
            for _ in range(2):  # "Foto: © Name"
                text = _CREDIT_PREFIX.sub("", text).strip(" ©|/:")
            return text if 2 < len(text) <= 80 else None
    return None


def lead_image(meta: dict[str, str], main: dict) -> tuple[str | None, str | None]:
    """The article's lead image as the page declares it, and its credit where the page gives one: the JSON-LD
    article's ImageObject when it names a credit (the publisher's own statement of whose picture it is), else
    og:image, else the JSON-LD image, else twitter:image. The URL as written (possibly relative)."""
    ld = main.get("image") or main.get("thumbnailUrl")
    ld_url, credit = _image_url(ld), _image_credit(ld)
    if ld_url and credit:
        return ld_url, credit
    og = meta.get("og:image:secure_url") or meta.get("og:image") or meta.get("og:image:url")
    url = og or ld_url or meta.get("twitter:image") or meta.get("twitter:image:src")
    return url, (credit if url == ld_url else None)


def page_meta(tree) -> dict[str, Any]:
    """The page's own metadata candidates (keys as returned below), read in one walk over the tree."""
    # one walk over the document for <meta>, JSON-LD <script> and <link rel=canonical>: each XPath "//..." would
    # walk all of it again (<meta itemprop> sits in the body too, so the <head> alone is not enough)
    meta: dict[str, str] = {}
    scripts: list = []
    canonical = figure = None
    for el in tree.iter("meta", "script", "link", "figure"):
        tag = el.tag
        if tag == "figure":
            if figure is None and next(el.iter("img", "picture"), None) is not None:
                figure = el  # the page's first picture: the lead image's place on nearly every news page
        elif tag == "meta":
            content = el.get("content")
            if content is None:
                continue
            key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or ""
            key = key.strip().lower()
            if key and key not in meta and content.strip():
                meta[key] = ws(content)
        elif tag == "script":
            if "ld+json" in (el.get("type") or "").lower():
                scripts.append(el)
        elif canonical is None and (el.get("rel") or "").lower() == "canonical" and el.get("href") is not None:
            canonical = el.get("href").strip()
    objs = _json_ld_objects(scripts)
    article = next((o for o in objs if _types(o) & _ARTICLE_TYPES), None)
    page = next((o for o in objs if _types(o) & _PAGE_TYPES), None)
    site = next((o for o in objs if _types(o) & _SITE_TYPES and o.get("name")), None)
    main = article or page or {}

    authors: list[str] = []
    if article is not None:
        a = article.get("author") or article.get("creator")
        for item in a if isinstance(a, list) else [a]:
            if isinstance(item, dict) and not item.get("name") and (item.get("givenName") or item.get("familyName")):
                # schema.org Person parts
                item = f"{_str(item.get('givenName')) or ''} {_str(item.get('familyName')) or ''}"
            name = _str(item)
            if name:
                authors.append(name)

    publisher = _str(main.get("publisher")) if isinstance(main.get("publisher"), (dict, list)) else None
    lang = tree.xpath("/html/@lang") or tree.xpath(
        "/html/@xml:lang", namespaces={"xml": "http://www.w3.org/XML/1998/namespace"}
    )
    image, image_credit = lead_image(meta, main)
    if image and not image_credit and figure is not None:
        image_credit = figure_credit(figure)
    return {
        "image": image,
        "image_credit": image_credit,
        "headline": _str(main.get("headline")) or (_str(main.get("name")) if article else None),
        "og_title": meta.get("og:title") or meta.get("twitter:title"),
        "twitter_title": meta.get("twitter:title") if meta.get("og:title") else None,  # else it is og_title
        "site_name": meta.get("og:site_name"),
        "publisher": publisher,
        "app_name": meta.get("application-name") or meta.get("apple-mobile-web-app-title"),
        "site_ld": _str(site.get("name")) if site else None,
        "date": _str(main.get("datePublished")) or next((meta[k] for k in _DATE_KEYS if meta.get(k)), None)
        or _str(main.get("dateCreated")),
        "authors": authors,
        "url": meta.get("og:url") or canonical,
        "langs": [lang[0] if lang else None, meta.get("content-language"), _str(main.get("inLanguage")),
                  meta.get("og:locale")],
    }


# trafilatura's AUTHOR_DISCARD_XPATHS (2.3) as a test on one element: comment blocks, sidebars, share and print
# bars, quotes, dates and figures are not bylines, and their text is not part of one
_AUTHOR_DISCARD_TAGS = {"a", "div", "section", "span"}
_AUTHOR_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_AUTHOR_DISCARD_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|article-(?:share|support)|"
    r"print|category|meta-date|meta-reviewer"
)


def _author_discard(el) -> bool:
    tag = el.tag
    if tag == "time" or tag == "figure":
        return True
    if tag not in _AUTHOR_DISCARD_TAGS:
        return False
    id_, cls = el.get("id"), el.get("class")
    return bool(
        (id_ is not None and (id_ == "comments" or _AUTHOR_DISCARD_ID.search(id_)))
        or (cls is not None and (cls in ("comments", "title", "date") or _AUTHOR_DISCARD_CLASS.search(cls)))
        or "Figure" in (el.get("data-component") or "")
    )


def extract_author(tree) -> str | None:
    """trafilatura.metadata.extract_author, without copying and pruning the whole page first.

    trafilatura deep-copies the page, deletes every discarded element (one XPath pass over the page, with a regex
    callback per element) and then runs its byline XPaths. Here the byline XPaths run on the page itself,
    candidates inside a discarded element are skipped, and only a candidate that holds a discarded element is
    copied and pruned. Same result: tests/test_extract.py compares the two.
    """
    from trafilatura.json_metadata import normalize_authors
    from trafilatura.utils import trim
    from trafilatura.xml import delete_element
    from trafilatura.xpaths import AUTHOR_XPATHS

    for expression in AUTHOR_XPATHS:  # extract_metainfo: the first candidate of the first XPath that has one
        for elem in expression(tree):
            # trafilatura's discard XPath starts below the root, so the root itself is never discarded
            if (elem is not tree and _author_discard(elem)) or any(
                _author_discard(a) for a in elem.iterancestors() if a is not tree
            ):
                continue
            if any(_author_discard(d) for d in elem.iterdescendants()):
                elem = copy.deepcopy(elem)
                for d in [d for d in elem.iterdescendants() if d.tag not in ("time", "figure") and _author_discard(d)]:
                    delete_element(d)  # in trafilatura's order: its first XPath, then <time> and <figure>
                for d in list(elem.iterdescendants("time", "figure")):
                    delete_element(d)
            content = trim(" ".join(elem.itertext()))
            if content and 2 < len(content) < 120:
                return normalize_authors(None, content)
    return None


class TrafMeta:
    """trafilatura's metadata heuristics, run piece by piece and only when needed.

    Its all-in-one `extract_metadata` re-parses every JSON-LD block, scans categories, tags and licence links and
    runs htmldate on every page: a large share of the extraction time, mostly for fields that JSON-LD and Open
    Graph (read once in `page_meta`) already give. Each piece reads the whole page: extract_html takes all it needs
    before it slims the tree for trafilatura's text extraction, which then consumes it.
    """

    def __init__(self, tree, url: str | None) -> None:
        from trafilatura.metadata import examine_meta

        self.tree, self.url = tree, url
        self.meta = examine_meta(tree)  # <meta> tags only: cheap

    @cached_property
    def title(self) -> str | None:
        from trafilatura.metadata import extract_title

        return self.meta.title or extract_title(self.tree)

    @cached_property
    def sitename(self) -> str | None:
        from trafilatura.metadata import extract_sitename

        name = self.meta.sitename or extract_sitename(self.tree)
        return name.lstrip("@") if name else None

    @cached_property
    def byline(self) -> str | None:
        author = self.meta.author
        if author and " " not in author:  # a handle or a bare site name, as trafilatura itself rules
            author = None
        return author or extract_author(self.tree)

    @cached_property
    def date(self) -> str | None:
        from htmldate import find_date
        from trafilatura.settings import set_date_params

        try:
            return find_date(self.tree, **{**set_date_params(True), "url": self.url})
        except Exception:  # htmldate is a last resort; never fail the page because of it
            return None
