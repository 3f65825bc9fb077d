"""Boilerplate filter: `clean_body(text, title)` drops the lines of trafilatura's text that are not the article.

Conservative by contract: it drops only lines of a known kind of boilerplate (SSI errors, "Related" and "Read
more" blocks with their link lists, share, follow and subscribe prompts, ad-slot labels, reading times, cookie
notices, photo credits), the headline repeated as the first line, and repeats of lines of six words or more.
Every rule but the photo credits applies to short lines only, so article paragraphs stay. Whitespace is collapsed
in each line and empty lines go.
"""
from __future__ import annotations

import re

from .normalize import line_key, words, ws


_SSI = re.compile(r"\[an error occurred while processing (?:this|the) directive\]", re.I)
_RELATED_HEAD = re.compile(
    r"^(?:related(?: news| articles?| stories| content| coverage| links| posts| reading| topics)?|"
    r"read more|read also|also read|see also|more on this (?:story|topic)|more stories|more from [\w .'’-]{1,40}|"
    r"recommended(?: for you| stories| reading| videos)?|most (?:read|popular|viewed)|you (?:may|might) also like|"
    r"top stories|trending(?: now)?|lesen sie auch|mehr zum thema|auch interessant|das könnte sie auch interessieren|"
    r"weiterführende links|(?:à )?lire aussi|(?:lee|leer|lea) también|leia também|leggi anche|lees ook|"
    r"läs (?:också|även)|læs også|les også|czytaj (?:też|także|również))"
    r"\s*[:.…]*$",
    re.I,
)
# "Read more: <headline>" and its translations; "MORE : <headline>" (Metro) too
_READ_MORE_LINK = re.compile(
    r"^(?:read more|read also|also read|related|see also|more|watch|lesen sie auch|mehr dazu|zum artikel|lire aussi|"
    r"leggi anche|"
    r"(?:lee|leer|lea) también|leia também|lees ook|läs (?:också|även)|læs også|les også|"
    r"czytaj (?:też|także|również))\s*[:|»>]\s*\S",
    re.I,
)
# calls to action that open with a fixed phrase and run on ("Got a story? Get in touch ...")
_PROMO = re.compile(
    r"^(?:got a story\b|for more stories like this\b|"
    r"follow (?:us|[\w.'’-]+(?: [\w.'’-]+){0,3}) on (?:twitter|facebook|instagram|x|tiktok|"
    r"linkedin|whatsapp|telegram|threads|bluesky|google news)\b|join (?:our|the) (?:commenting forum|conversation|"
    r"discussion)\b|(?:sign up|subscribe) (?:to|for) (?:our|the) [\w -]{0,40}newsletters?\b|"
    r"(?:click|tap) here to (?:subscribe|sign up|download|follow)\b|share (?:this|on|via) |"
    r"get (?:the latest|daily|breaking) [\w .'’-]{0,60}(?:in your inbox|news)\W*$|fehler gefunden\?)",
    re.I,
)
_PROMPT = re.compile(
    r"^(?:share(?: this)?(?: article| story| post)?(?: on \w+)?|share via \w+|tweet|email|e-mail|print|copy link|"
    r"(?:click here to |please )?subscribe(?: now| today| here)?(?: to (?:our|the) [\w -]{1,30})?|"
    r"sign up(?: for| to)? (?:our|the)? ?[\w -]{0,30}(?:newsletters?|e-?mails?|alerts)|"
    r"get (?:our|the) [\w -]{0,30}newsletters?|"
    r"follow us on [\w ,/&]+|advertisement|advertising|anzeige|publicité|publicidad|werbung|scroll to continue|"
    r"skip advertisement|story continues below(?: advertisement)?|continue reading(?: below)?|comments?|"
    r"listen to this article|download the app)\s*[:.!…]*$",
    re.I,
)
# "Lesedauer: 4 Minuten", "3 min read", "Reading time: 5 minutes"; ad slots glued to their label
_READING_TIME = re.compile(
    r"^(?:(?:reading time|read time|lesedauer|lesezeit|temps de lecture)\s*:?\s*\d+\s*(?:min\w*)\.?"
    r"|\d+\s*(?:min\w*)\s*(?:read|lesezeit|lesedauer|de lecture)\.?)$",
    re.I,
)
_AD_SLOT = re.compile(r"\bstory continues below\b|\badvertisement\b.{0,30}\bcontinues below\b", re.I)
_COOKIE_LONG = re.compile(
    r"\b(?:we|this (?:web)?site|our (?:web)?site) uses? cookies\b|\baccept (?:all )?cookies\b", re.I
)
_COOKIE_SHORT = re.compile(r"\bcookies? (?:settings|preferences|policy|consent)\b|\bmanage cookies\b", re.I)
_AGENCIES = (
    r"(?:Getty Images|AFP|AP|Reuters|EPA(?:-EFE)?|Shutterstock|Alamy|PA(?: Wire)?|dpa|Bloomberg|ANP|ANSA|Imago|"
    r"Keystone|NurPhoto|SOPA Images|Pool)"
)
# photo credits: a line that opens with "Photo:" or "©", or one that ends in "Name / Agency" or "(AP Photo/Name)";
# the second kind always holds a slash, so it is only searched for in lines that do
_CREDIT_HEAD = re.compile(
    r"(?:(?:photo|photograph|image|picture|pic|foto|bild|credit)s?(?: credit)?\s*[:©]|©)\s*\S", re.I
)
_CREDIT_TAIL = re.compile(
    rf"\((?:AP|AFP|Reuters|EPA)[ \w]*(?:Photo|Images?)?/[^)]*\)\s*$"
    rf"|(?:photo|image|foto|bild|credit)s?\s*:\s*[^.]{{0,80}}/\s*{_AGENCIES}\s*\.?$"
    rf"|^[\w .'’-]{{0,60}}/\s*{_AGENCIES}\s*\.?$",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?…:\"”'’»)]\s*$")


def _is_junk(line: str, n: int) -> bool:
    if n >= 60:  # every rule below is for short lines; most article paragraphs are longer
        return False
    # the cookie and ad-slot patterns all need their keyword: a substring test spares the regex search on
    # nearly every line
    low = line.lower()
    cookie = "cookie" in low
    if n < 15 and (_PROMPT.match(line) or (cookie and _COOKIE_SHORT.search(line))):
        return True
    if n < 40 and (_READ_MORE_LINK.match(line) or _PROMO.match(line)):
        return True
    if n < 10 and (_READING_TIME.match(line.lstrip("-•· ")) or ("continues below" in low and _AD_SLOT.search(line))):
        return True
    if n < 40 and cookie and _COOKIE_LONG.search(line):
        return True
    # captions ending in an agency credit can be long, but no article sentence ends "(AP Photo/Name)"
    return bool(_CREDIT_HEAD.match(line) or ("/" in line and _CREDIT_TAIL.search(line)))


def clean_body(text: str, title: str | None) -> str:
    """`text` without its boilerplate lines, one line per paragraph; `title` is the headline to drop from line 1."""
    lines = [ln for ln in map(ws, _SSI.sub("", text).splitlines()) if ln]  # an SSI error never spans lines
    out: list[str] = []
    seen: set[str] = set()
    ntitle = line_key(title) if title else ""
    i = 0
    while i < len(lines):
        line, n = lines[i], words(lines[i])
        i += 1
        if n < 15 and _RELATED_HEAD.match(line):
            # the headlines under a "Related" header are links, not article text; but a lone short line
            # followed by a paragraph is more likely the article's next subheading, so keep that one
            j = i
            while j < len(lines) and words(lines[j]) < 15 and not _SENTENCE_END.search(lines[j]):
                j += 1
            if j - i >= 2 or j == len(lines):
                i = j
            continue
        if _is_junk(line, n):
            continue
        key = line_key(line)
        if not key:
            continue
        # trafilatura keeps the <h1> as the first line, and captions/pull-quotes repeat long sentences;
        # short lines (list items, spec sheets) may legitimately repeat
        if (key == ntitle and not out) or (n >= 6 and key in seen):
            continue
        seen.add(key)
        out.append(line)
    return "\n".join(out)
