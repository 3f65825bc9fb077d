"""Plant known kinds of boilerplate into a news page, for tests of the extract stage's line filter.

Each kind is what real pages leak into article bodies: a server-side-include error, a "Related news" block,
"Read more:" link lines, share and subscribe prompts, a cookie notice, photo credits. `plant` puts them between
the article's paragraphs or after its last one, so a test can check that they are gone and the article is whole.
"""
from __future__ import annotations

import re
from collections import Counter

import lxml.html

SSI = "[an error occurred while processing this directive]"

# kind -> (HTML to insert, phrases that must not appear in the extracted text)
KINDS: dict[str, tuple[str, list[str]]] = {
    "ssi": (f"<p>{SSI}</p>", ["error occurred"]),
    "related": (
        "<div><h3>Related news</h3><ul>"
        "<li><a href='/news/1'>Mayor defends housing targets</a></li>"
        "<li><a href='/news/2'>Flood defences to cost millions more</a></li>"
        "<li><a href='/news/3'>Residents march against warehouse demolition</a></li></ul></div>",
        ["Related news", "Mayor defends", "Flood defences to cost", "Residents march against"],
    ),
    "read_more": (
        "<p><strong>Read more:</strong> <a href='/news/4'>Ferry operator warns of summer timetable cuts</a></p>",
        ["Ferry operator warns"],
    ),
    "share": ("<p>Share this article</p>", ["Share this"]),
    "subscribe": ("<p>Sign up for our newsletter</p>", ["Sign up for our"]),
    "follow": (
        "<p>Follow us on Twitter and Facebook for the latest news updates.</p>",
        ["Follow us on Twitter"],
    ),
    "cookies": (
        "<p>We use cookies to improve your experience. By continuing to browse you accept our use of cookies.</p>",
        ["We use cookies", "our use of cookies"],
    ),
    "credit": (
        "<figure><img src='/img/harbour.jpg' alt=''><figcaption>Photo: Anna Berglund/Getty Images</figcaption></figure>"
        "<p>The harbour at dawn. (AP Photo/Jane Roe)</p>",
        ["Anna Berglund", "Jane Roe"],
    ),
}

_WS = re.compile(r"\s+")


def _text(el) -> str:
    return _WS.sub(" ", el.text_content()).strip()


def article_paragraphs(tree, lines: list[str]) -> list:
    """The <p> elements whose whole text is one line of the extracted body, in document order."""
    wanted = {ln.strip() for ln in lines if len(ln.split()) >= 8}
    return [p for p in tree.iter("p") if _text(p) in wanted]


def serialize(tree) -> bytes:
    return lxml.html.tostring(tree, encoding="utf-8", doctype="<!DOCTYPE html>")


def plant(page: str, lines: list[str], where: str, kinds: list[str] | None = None) -> tuple[bytes, bytes] | None:
    """Return (control, planted) HTML bytes: the same page serialised alike, the second with boilerplate put
    after an article paragraph ("middle": after the second of them, plus an SSI error inside one paragraph's text;
    "end": after the last). None when the extracted lines cannot be found as <p> elements in the page."""
    control_tree = lxml.html.document_fromstring(page.encode("utf-8"), parser=_parser())
    tree = lxml.html.document_fromstring(page.encode("utf-8"), parser=_parser())
    paras = article_paragraphs(tree, lines)
    if len(paras) < 3:
        return None
    anchor = paras[1] if where == "middle" else paras[-1]
    snippets = [KINDS[k][0] for k in (kinds or list(KINDS))]
    for snippet in reversed(snippets):  # addnext inserts right after the anchor, so go backwards
        for el in reversed(lxml.html.fragments_fromstring(snippet)):
            anchor.addnext(el)
    if where == "middle":
        # the SSI error also turns up inside running text, glued to a sentence
        target = paras[2]
        if len(target):
            last = target[-1]
            last.tail = (last.tail or "") + " " + SSI
        else:
            target.text = (target.text or "") + " " + SSI
    return serialize(control_tree), serialize(tree)


def _parser():
    return lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)


def forbidden(kinds: list[str] | None = None) -> list[str]:
    return [phrase for k in (kinds or list(KINDS)) for phrase in KINDS[k][1]]


def token_recall(reference: str, candidate: str) -> float:
    ref, cand = Counter(re.findall(r"\w+", reference.lower())), Counter(re.findall(r"\w+", candidate.lower()))
    total = sum(ref.values())
    return sum((ref & cand).values()) / total if total else 1.0
