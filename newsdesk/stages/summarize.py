"""Extractive summary of a story: a few verbatim sentences, each credited to its article.

Selection is global: one integer program (stages/concepts.py, Gillick & Favre's concept coverage) picks the
sentences that together cover the most stemmed bigrams that many articles carry, plus a prior for centrality
(TF-IDF cosine to the story centroid), for the first report and for the previous brief (so a growing story does
not churn). The greedy centrality + coverage + MMR `_select` is the fallback when the program has no solution.
Near-copies of one sentence are exclusive and the earliest copy is kept, with `also_in` credits to the others.
Sentences that only make sense after their predecessor (leading pronouns, connectives, "he said") are taken
only together with that predecessor; datelines, bylines, captions and bare quotes are never candidates.
Output order is chronological by article, then by position.

Concepts, stop words and word counts are those of the story's language (the language most of its articles are in;
newsdesk/lang.py), and a story told in several languages is briefed from its articles in that one: Snowball stems and
stopwords-iso lists, characters in Chinese and Japanese. A story in a script
written without spaces that newsdesk cannot segment (Thai) raises lang.UnsupportedLanguage. The sentence filters
that read English words (captions without a verb, leading pronouns) apply to English only.

Settings: [summarize] in docs/settings.md; the "Latest" section and the headline rule: docs/design/latest.md.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from newsdesk.models import Article, Brief, BriefSentence
from newsdesk.settings import current
from newsdesk.lang import Lexicon, UnsupportedLanguage, lexicon, story_language
from newsdesk.stages.concepts import concept_weights, solve
from newsdesk.text import split_sentences, tokenize

__all__ = ["summarize", "summarize_languages", "clean_headline", "brief_candidates", "BriefRules"]

# Settings ([summarize] in newsdesk.toml, documented in docs/settings.md)
SETTINGS = current().summarize
MAX_SENTENCES_PER_ARTICLE = SETTINGS.max_sentences_per_article  # the cap keeps 100-article stories fast
REDUNDANT = SETTINGS.redundant  # cosine at which two sentences are taken to say the same thing
WIRE_COPY = SETTINGS.wire_copy  # cosine at which two sentences are the same sentence (wire copy, light edits)
POOL = SETTINGS.pool  # sentences entering the integer program, by concept value
NODE_LIMIT = SETTINGS.node_limit  # branch-and-bound nodes of the program: a count, so load cannot change a brief
BUDGET_SLACK = SETTINGS.budget_slack  # the word budget may be overshot by this factor
HEADLINE_MIN_WORDS = SETTINGS.headline_min_words
HEADLINE_RECENT_DAYS = SETTINGS.headline_recent_days
LATEST_MAX_OVERLAP = SETTINGS.latest_max_overlap  # a sentence adds when at most this share of its bigrams is old

# The brief's rules and weights, in one place so that benchmarks/brief_loso.py can try each one off or at other
# values and choose them by leave-one-set-out (docs/design/briefs-generalisation.md); the defaults are what ships:
# the changes every leave-one-set-out choice agreed on (min_words 8 -> 5, w_prior 0.3 -> 1.0, w_first_report
# 0.3 -> 0, short_damping off); the others as they were.
@dataclass(frozen=True)
class BriefRules:
    """Every tunable rule and weight of the brief's selection. `summarize(rules=...)` takes one; the default
    instance is the shipped brief. Weights of the prior are shares of its [0, ~1.3] score; bonuses of the program
    are shares of the best concept's or sentence's value."""

    min_words: int = 5  # a candidate sentence has this many words or more ...
    max_words: int = 60  # ... and at most this many
    caption_test: bool = True  # English: a sentence of 20 words or fewer without a finite verb is a caption
    context_rules: bool = True  # readability: a dangling/anaphoric sentence only after what it refers to, an open
    #                             quotation only with the sentence that closes it (kept whatever ROUGE says)
    exclusive: bool = True  # two sentences at cosine >= [summarize] redundant never both appear
    w_central: float = 0.5  # prior: TF-IDF cosine to the story's centroid ...
    w_cover: float = 0.35  # ... how many other articles carry the sentence ...
    w_lead: float = 0.15  # ... its position in its article ...
    w_first_report: float = 0.0  # ... and being the first report's lead (0: not kept, see the design note)
    short_damping: bool = False  # prior: very short sentences (few content terms) are worth less (not kept)
    min_df: int = 3  # a concept counts when this many articles carry it (Gillick & Favre used 3 for 10 articles) ...
    min_df_share: float = 0.3  # ... or this share of the articles in smaller stories, at least 1
    lead_sentences: int = 5  # a bigram in an article's first sentences ...
    lead_bonus: float = 1.0  # ... counts 1 + this for that article
    w_prior: float = 1.0  # the prior's weight in the program, as a share of the best concept's weight
    w_opening: float = 0.3  # bonus for the first report's first usable sentence, as a share of the best sentence's


RULES = BriefRules()
MMR_LAMBDA = 0.7  # the greedy fallback's trade-off (used only when the program has no solution)
# Bonus for a sentence of the previous brief, as a share of what the program pays for it (concepts and prior): enough
# that one marginal article does not reshuffle a brief (tests/test_summarize_quality.py). No development set has a
# previous brief, so ROUGE cannot choose it.
STICKY = 0.35
HEADLINE_STICKY = 0.25  # the previous headline's value is multiplied by 1 + this among the candidates
# The headline names what the newest substantial reports say: a brief item or a correction does not name a story,
# and reports within a day of the newest one are candidates together, so that one more report of the same day
# (from another outlet, say) does not flip the headline; the previous headline keeps its HEADLINE_STICKY bonus
# among them.
# "Latest": what the newest reports add. Up to LATEST_MAX sentences: LATEST_NEWEST_DAY from the newest day's
# reports, then LATEST_EARLIER_DAY from each earlier day back to the newest one the brief already covers (at most
# LATEST_DAYS days), so that a story whose brief stops early still shows what happened since.
LATEST_MAX, LATEST_NEWEST_DAY, LATEST_EARLIER_DAY, LATEST_DAYS = 4, 2, 1, 3
W_LATEST_LEAD = 0.7  # weight of a sentence's position in its report against its closeness to the story

_STOP = frozenset(ENGLISH_STOP_WORDS)

# ---------------------------------------------------------------- sentence filters

_QUOTE_CHARS = "\"“”«»"
_DATELINE = re.compile(
    r"^(?:"
    r"[A-Z][A-Z.'’\-]+(?:\s+[A-Z][A-Z.'’\-]+)*"  # LONDON / NEW YORK / WASHINGTON
    r"(?:,\s*[A-Z][A-Za-z.'’\-]*(?:\s+[A-Z][A-Za-z.'’\-]*){0,2})?"  # , US / , Calif.
    r"(?:,?\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"  # , Jan. 5
    r"(?:\s*\([A-Za-z][A-Za-z .&/\-]{0,30}\))?"  # (Reuters)
    r"|\([A-Za-z][A-Za-z .&/\-]{0,30}\)"
    r")(?:\s*(?:--|[–—])\s*|\s+[-_]\s+)"  # "CAIRO—The" is common; a bare hyphen needs spaces ("US-led")
)
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
# A date glued to the first sentence ("Tuesday, January 18, 2005Through a telethon, ...").
_DATE_LEAD = re.compile(
    r"^(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
    rf"(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}})\s*(?=[A-Z\"“])",
    re.I,
)
_BYLINE = re.compile(r"^By\s+[A-Z][\w.'’\-]*(?:\s+(?:[A-Z][\w.'’\-]*|and|&|de|van|von))*\s*(?:$|[,|/;]|\band\b)")
_CAPTION = re.compile(
    r"^\s*(?:photo|image|picture|video|graphic|caption|credit|file photo|pictured|watch)s?\s*(?:credit)?\s*[:|]"
    r"|\((?:[^()]*(?:\bphoto|photographer|getty|\bimages?\b|\bpool\b|\bfile\b))[^()]*\)"
    r"|\b(?:is|are) (?:seen|pictured|shown) (?:before|after|during|as|at|in|on|outside|inside|near|with)\b"
    r"|,\s*[A-Z][a-z]+\.? \d{1,2}, \d{4}\.$",  # wire captions end in "..., in Los Angeles, November 27, 2011."
    re.I,
)
_PROMO = re.compile(
    r"\b(?:subscribe|read more|click here|sign up|follow us|newsletter|all rights reserved|"
    r"download (?:our|the) app|share this|advertisement)\b|©|\bcopyright \d{4}",
    re.I,
)
_DATE_ONLY = re.compile(
    r"^\W*(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s*)?"
    r"(?:[a-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,2}(?:st|nd|rd|th)?\s+[a-z]+\.?,?\s+\d{4}"
    r"|\d{4}-\d{2}-\d{2}(?:[t ][\d:.]+z?)?|\d{1,2}/\d{1,2}/\d{2,4}|[a-z]+\s+\d{4})"
    r"(?:,?\s+\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[a-z]{2,4})?)?\W*$",
    re.I,
)
_FINAL = re.compile(r"[.!।॥۔。！](?:''|[\"'’”»)\]」』])*$")  # the danda, Urdu and ideographic stops end sentences too
_QUESTION = re.compile(r"[?؟？](?:''|[\"'’”»)\]」』])*$")
_SAYING = re.compile(
    r"\b(?:said|says|say|saying|told|tells|added|adds|asked|asks|stated|states|according|wrote|writes|"
    r"explained|noted|notes|commented|declared|announced|insisted|warned|claimed|argued|continued|"
    r"replied|responded|remarked|reported|quoted|urged|acknowledged|admitted|tweeted|posted|recalled|"
    r"described|called|confirmed|denied|suggested|believes|believed|predicted|vowed|pledged|"
    r"promised|conceded|stressed|emphasized|emphasised|cautioned|concluded|observed)\b",
    re.I,
)
_DANGLING_WORDS = frozenset(
    """he she they it this that these those his her their its him them such both another
    however but and also meanwhile later then still instead moreover furthermore nevertheless
    nonetheless yet so thus therefore hence besides otherwise likewise similarly consequently
    accordingly additionally afterwards afterward subsequently indeed or nor again here""".split()
)
_DANGLING_PHRASE = re.compile(
    r"^(?:in addition|as a result|on the other hand|at the same time|after that|because of this|"
    r"in response|in turn|even so|by contrast|in contrast|for (?:his|her|their|its) part|"
    r"the (?:latter|former|same|two|pair|trio|second|third|fourth|other|earlier|previous|move|decision|announcement|statement|comments|remarks|"
    r"incident|measure|change|news|about-face|following|reversal|development|latest)\b|"
    r"[\w\s\-]{0,30}?\blater\s*,|[\w\s\-]{0,30}?\bafterwards?\b)",
    re.I,
)
# '..., he said.' credits a speaker named only in an earlier sentence.
_PRONOUN_ATTRIBUTION = re.compile(
    r"[,\"”'’]\s*(?:he|she|they)\s+(?:\w+ly\s+)?(?:said|says|added|adds|told|explained|noted|continued|"
    r"stated|asked|wrote|argued|insisted|warned|claimed|replied|concluded)\b",
    re.I,
)
_BULLET = re.compile(r"^[•*·▪◦‣\-–]\s")
# "Lindsey Germaine: Piccadilly Line train, ..." - a list entry or label, not a statement.
_LABEL = re.compile(r"^[^:.!?\"“]{1,50}:\s")
# "Pending his extradition, he was held ..." - the subject is a pronoun after an opening phrase.
_INTRO_PRONOUN = re.compile(r"^[^,;:\"“]{1,60},\s*(?:he|she|it|they|this|these|those)\s", re.I)


def _outside_quotes(s: str) -> tuple[str | None, bool]:
    """Text outside double quotes (None if nothing is quoted), and whether the sentence is a
    fragment of a quote that runs across sentences."""
    s = s.replace("``", "“").replace("''", "”")
    marks = [i for i, ch in enumerate(s) if ch in _QUOTE_CHARS]
    if not marks:
        return None, False
    stripped = s.strip()
    if len(marks) % 2:
        # An odd quote at either end means the quote runs on from/into a neighbouring sentence.
        if stripped[0] in _QUOTE_CHARS or stripped[-1] in _QUOTE_CHARS or stripped.rstrip(".!?")[-1:] in _QUOTE_CHARS:
            return "", True
        marks.append(len(s))
    out, last = [], 0
    for a, b in zip(marks[::2], marks[1::2]):
        out.append(s[last:a])
        last = b + 1
    out.append(s[last:])
    return " ".join(out), False


# Finite-verb evidence for the caption test; hand-written because a POS tagger (spaCy and its model) is a
# heavy dependency for one yes/no question, and a missed verb only costs one short candidate sentence.
_FINITE = frozenset(
    """is are was were be been being am has have had will would shall should can could may might must do does
    did said says told tells took takes made makes came comes went goes began begins fled hit hits struck
    strikes killed kills left leaves gave gives got gets found finds saw sees knew knows thought held holds
    kept keeps brought brings stood stands ran runs won wins lost loses met meets paid pays sent sends built
    became becomes fell falls rose rises grew grows led leads spoke speaks wrote writes set sets put puts
    remains continues includes shows faces plans wants needs calls expects seems appears reports warns
    claims denies urges vows""".split()
)


def _verbless(s: str) -> bool:
    """A caption ("Ambulances at Russell Square, London after the July 7, 2005 bombings."): no finite verb."""
    for tok in tokenize(s):
        if tok in _FINITE or tok.endswith("ed") and len(tok) > 4 and tok not in ("hundred", "kindred"):
            return False
        if tok.endswith("n't"):
            return False
    return True


def _unusable(s: str, n_words: int, continues_quote: bool = False, english: bool = True,
              rules: BriefRules = RULES) -> bool:
    """`continues_quote`: the sentence goes on with a quotation an earlier one opened; it may still be used right
    after that sentence (the selection sees to that), so running into or out of the quotation is no fault.
    `english`: the verb test reads English words, so it applies to English only."""
    if n_words < rules.min_words or n_words > rules.max_words:
        return True
    if english and rules.caption_test and n_words <= 20 and _verbless(s):
        return True
    if _QUESTION.search(s) or not _FINAL.search(s):
        return True  # questions, and headings/fragments without final punctuation
    label = _LABEL.match(s)
    if label and not _SAYING.search(label.group(0)):
        return True
    if _BYLINE.match(s) or _CAPTION.search(s) or _PROMO.search(s) or _DATE_ONLY.match(s) or _BULLET.match(s):
        return True
    outside, fragment = _outside_quotes(s)
    if continues_quote:
        return False
    if fragment:
        return True
    if outside is not None and (s.lstrip()[:1] in _QUOTE_CHARS + "`" or len(outside) < 0.4 * len(s)):
        # Quote-led or mostly quoted: needs a speaker outside the quotes.
        if not _SAYING.search(outside):
            return True
    return False


def _is_dangling(s: str) -> bool:
    body = s.lstrip(_QUOTE_CHARS + "`'‘(").lstrip()
    first = re.match(r"[A-Za-z]+", body)
    if first and first.group(0).lower() in _DANGLING_WORDS:
        return True
    return bool(_DANGLING_PHRASE.match(body) or _INTRO_PRONOUN.match(body) or _PRONOUN_ATTRIBUTION.search(s))


# ---------------------------------------------------------------- headline

_DATE_PREFIX = re.compile(r"^\s*\d{4}[/-]\d{1,2}[/-]\d{1,2}\s+")
_SUFFIX = re.compile(r"\s+(\||-|–|—|::|·)\s+([^|\-–—·]+)$")
_SITE_WORD = re.compile(r"^(?:[A-Z0-9][\w.&'’]*|of|the|de|and|&|on|in|for)$")


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower().removeprefix("www.").split(".com")[0])


def clean_headline(title: str, outlet: str | None = None) -> str:
    """Drop a leading "YYYY/MM/DD " and a trailing " - Site", " | Site" or " — Site"."""
    t = _DATE_PREFIX.sub("", title or "").strip()
    for _ in range(2):
        m = _SUFFIX.search(t)
        if not m:
            break
        sep, suffix = m.group(1), m.group(2).strip()
        head = t[: m.start()].strip()
        words = suffix.split()
        if len(head.split()) < 2:
            break
        same_outlet = bool(outlet) and _norm(outlet) and (_norm(outlet) in _norm(suffix) or _norm(suffix) in _norm(outlet))
        looks_like_site = len(words) <= 4 and all(_SITE_WORD.match(w) for w in words)
        if same_outlet or sep in ("|", "::", "·") or (looks_like_site and len(head.split()) >= 3):
            t = head
        else:
            break
    return t


# ---------------------------------------------------------------- selection


@dataclass
class _Sent:
    art: int
    pos: int
    start: int
    end: int
    text: str
    words: int
    dangling: bool
    anaphor: str | None = None  # stem of a "The aftershock ..." head noun that an earlier sentence must name
    stems: frozenset = frozenset()
    open_end: bool = False  # a quotation is still open when the sentence ends: its continuation must follow


def _pub_key(dt: datetime | None) -> tuple[int, float]:
    if dt is None:
        return (1, 0.0)
    if dt.tzinfo is None:  # naive and aware times must still sort together
        dt = dt.replace(tzinfo=timezone.utc)
    return (0, dt.timestamp())


def _analyzer(text: str) -> list[str]:
    return [t for t in tokenize(text) if t not in _STOP and (len(t) > 1 or t.isdigit())]


def _analyzer_for(lx: Lexicon):
    """The TF-IDF analyzer of the story's language: English's as it always was, the lexicon's tokens and stop
    words otherwise (a single character is a word in Chinese and Japanese)."""
    if lx.english:
        return _analyzer
    stop, single = lx.stop, lx.language in ("zh", "ja")
    return lambda text: [t for t in lx.tokens(text) if t not in stop and (single or len(t) > 1 or t.isdigit())]


def _story_lexicon(articles: list[Article]) -> Lexicon:
    return lexicon(story_language([a.language for a in articles]))


def brief_candidates(ai: int, art: Article, lx: Lexicon | None = None, rules: BriefRules = RULES) -> list[_Sent]:
    """The sentences of article number `ai` a brief may quote, each with the readability flags the program reads
    (`dangling`, `anaphor`, `open_end`...), in text order. `lx`: the story's lexicon (default: the article's).
    With `rules.context_rules` off no sentence is flagged (for measuring what the flags cost)."""
    lx = lx or _story_lexicon([art])
    stem_tokens = lx.stem_tokens
    text = art.text or ""
    spans = split_sentences(text)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    # Indented lines are list items, unless the source indents (nearly) every paragraph.
    indent_means_list = sum(ln[:2].isspace() or ln[:1] == "\t" for ln in lines) < 0.8 * max(1, len(lines))
    out = []
    in_quote = False  # does the sentence start inside a quotation opened by an earlier one?
    seen: set[str] = set()  # stems named by the article's earlier sentences
    for pos, (s, e) in enumerate(spans[:MAX_SENTENCES_PER_ARTICLE]):
        starts_quoted = in_quote and "\n" not in text[spans[pos - 1][1]:s] if pos else False
        in_quote = _quote_open_after(text[s:e], starts_quoted)
        earlier, seen = seen, seen | set(stem_tokens(text[s:e]))
        if pos < 3:
            for rx in (_DATE_LEAD, _DATELINE):
                m = rx.match(text[s:e])
                if m and e - s - m.end() > 20:
                    s += m.end()
        sent = text[s:e]
        line_start = text.rfind("\n", 0, s) + 1
        if indent_means_list and (text[line_start:line_start + 2].isspace() or text[line_start:line_start + 1] == "\t"):
            continue
        n = len(lx.tokens(sent))
        if _unusable(sent, n, continues_quote=starts_quoted, english=lx.english, rules=rules):
            continue
        m = _DEFINITE.match(sent)
        anaphor = None
        if m and m.group(2) not in _NOT_ANAPHOR:
            stem = stem_tokens(m.group(2))
            anaphor = stem[0] if stem and stem[0] in earlier else None
        elif (short := _SHORT_NAME.match(sent)) and re.search(rf"\b{short.group(1).lower()}\b", text):
            # written in lower case elsewhere in the article, the head is a common noun standing for a longer name
            stem = stem_tokens(short.group(1))
            anaphor = stem[0] if stem and stem[0] in earlier else None
        dangling = (lx.english and _is_dangling(sent)) or starts_quoted
        if not rules.context_rules:
            dangling, anaphor, in_quote = False, None, False
        out.append(_Sent(ai, pos, s, e, sent, n, dangling, anaphor, frozenset(stem_tokens(sent)), in_quote))
    return out


# "The aftershock was ...", "The first photograph shows ...", "After the speech, ...": a definite head noun the
# article named before refers back to it.
_DEFINITE = re.compile(
    r"^(?:(?:After|Before|During|Following|Since|Despite|Amid|Throughout|Until|Unlike)\s+)?"
    r"(The|the|This|this|That|that|These|these|Those|those|Such|such)\s+"
    r"(?:(?:first|second|third|last|latest|new|other|two|three|four|five)\s+)?"
    r"([a-z][a-z\-]+)\b(?!\s+(?:of|in|on|at|for|from|to|who|which|that)\b)"
)
_NOT_ANAPHOR = frozenset("same following first last next new".split())
# "The Conference is the place ...", after "the United Nations Climate Change Conference": one capitalised word that
# no other capitalised word follows (a proper name of several words stands alone).
_SHORT_NAME = re.compile(r"^(?:The|This|That|These|Those)\s+([A-Z][a-z]{2,})\b(?!\s+(?:[A-Z]|of\b|for\b|in\b))")


def _quote_open_after(sent: str, open_before: bool) -> bool:
    """Whether a quotation is still open at the end of `sent` (straight quotes toggle, curly ones say)."""
    state = open_before
    for ch in sent.replace("``", "“").replace("''", "”"):
        if ch == '"':
            state = not state
        elif ch in "“«":
            state = True
        elif ch in "”»":
            state = False
    return state


def summarize(articles: list[Article], words: int = 120, min_sentences: int = 3, max_sentences: int = 7,
              previous: Brief | None = None, solver: str = "ilp", rules: BriefRules = RULES) -> Brief:
    """Brief of a story: `min_sentences`..`max_sentences` verbatim sentences, about `words` words.

    `previous` is the story's earlier brief: its sentences get a bonus so that a growing story keeps them
    unless new articles bring a clearly better selection. `solver` is "ilp" (the concept program) or "greedy"
    (the MMR selector alone, which the program falls back to; for comparisons). `rules`: the selection's rules and
    weights (BriefRules; the default is the shipped brief).
    """
    if solver not in ("ilp", "greedy"):
        raise ValueError(f"solver must be 'ilp' or 'greedy', not {solver!r}")
    if not articles:
        return Brief(headline="", sentences=[])
    language = story_language([a.language for a in articles])
    if language and any(a.language and a.language != language for a in articles):
        # a story told in several languages is briefed in the one most of its articles use, from those articles
        # (and those of unknown language), so that one brief never switches language mid-way
        articles = [a for a in articles if a.language in (language, None)]
    lx = lexicon(language)
    stem_tokens, bigrams = lx.stem_tokens, lx.bigrams
    keys = [a.id if a.id is not None else a.external_id for a in articles]
    pubs = [_pub_key(a.published) for a in articles]

    pool: list[_Sent] = []
    for ai, art in enumerate(articles):
        pool.extend(brief_candidates(ai, art, lx, rules))
    titles = [clean_headline(a.title, a.outlet) for a in articles]

    vec = TfidfVectorizer(analyzer=_analyzer_for(lx), sublinear_tf=True, dtype=np.float32)
    try:
        X = vec.fit_transform([p.text for p in pool] + titles)
    except ValueError:  # nothing but stop words (or nothing at all)
        X = None
    if X is None or not pool:
        hi = next((i for i, t in enumerate(titles) if t), 0)
        return Brief(headline=titles[hi], sentences=[], headline_article_id=keys[hi] if titles[hi] else None,
                     language=language)
    m = len(pool)
    T, X = X[m:], X[:m]
    art_of = np.array([p.art for p in pool])

    # Concepts: bigrams carried by several articles; their weight is how many carry them.
    doc_bg = [bigrams(stem_tokens(f"{t}\n{a.text or ''}")) for t, a in zip(titles, articles)]
    sent_bg = [bigrams(stem_tokens(p.text)) for p in pool]
    lead_bg = [set() for _ in articles]
    for p, bg in zip(pool, sent_bg):
        if p.pos < rules.lead_sentences:
            lead_bg[p.art] |= bg
    weights = {}
    for min_df in sorted({max(1, min(rules.min_df, round(rules.min_df_share * len(articles)))), 1}, reverse=True):
        weights = concept_weights(doc_bg, min_df, lead_bg, rules.lead_bonus)
        if sum(1 for bg in sent_bg if any(c in weights for c in bg)) >= min(max_sentences, 5):
            break
    value = np.array([math.fsum(weights.get(c, 0.0) for c in bg) for bg in sent_bg])  # exact: order-free

    prev_keys = {(s.article_id, s.position) for s in previous.sentences} if previous else set()
    sticky = np.array([(keys[p.art], p.pos) in prev_keys for p in pool])

    # Only the most promising sentences enter the integer program (keeps 100-article stories fast);
    # sentences of the previous brief always do, and so do the predecessor of every dangling one and the successor
    # of every one that leaves a quotation open.
    order = np.argsort(-(value + 1e-3 * (np.arange(m)[::-1])), kind="stable")
    keep = set(order[:POOL].tolist()) | set(np.flatnonzero(sticky).tolist())
    index = {(p.art, p.pos): i for i, p in enumerate(pool)}
    for i in list(keep):
        if pool[i].dangling:
            j = index.get((pool[i].art, pool[i].pos - 1))
            if j is not None:
                keep.add(j)
        if pool[i].open_end:  # and the sentence that closes a quotation a kept one leaves open
            j = index.get((pool[i].art, pool[i].pos + 1))
            if j is not None:
                keep.add(j)
    P = np.array(sorted(keep))
    XP = X[P]
    SP_all = (XP @ X.T).toarray()  # similarity of each kept sentence to every candidate
    SP = SP_all[:, P]

    score = _prior(pool, P, XP, SP_all, art_of, pubs, rules)

    chosen_local = None
    if solver == "ilp":
        chosen_local = _select_ilp(pool, P, sent_bg, weights, value, score, SP, sticky, words, min_sentences,
                                   max_sentences, index, pubs, rules)
    if chosen_local is None:  # no feasible program within its node limit (or greedy asked for): greedy MMR
        chosen_local = _select([pool[i] for i in P], SP, score, words, min_sentences, max_sentences)
    chosen = _prefer_earliest_copy([int(P[i]) for i in chosen_local], pool, X, pubs)

    def credited(i: int) -> BriefSentence:
        p = pool[i]
        art = articles[p.art]
        sim = np.asarray((X[i] @ X.T).todense()).ravel()
        others = sorted({int(a) for a in art_of[(sim >= WIRE_COPY) & (art_of != p.art)]})
        outlets = []
        for a in others:
            o = articles[a].outlet
            if o and o != art.outlet and o not in outlets:
                outlets.append(o)
        return BriefSentence(text=p.text, article_id=keys[p.art], position=p.pos, outlet=art.outlet,
                             published=art.published, also_in=[keys[a] for a in others], also_outlets=outlets)

    brief_order = sorted(chosen, key=lambda i: (pubs[pool[i].art], pool[i].art, pool[i].pos))
    sentences = [credited(i) for i in brief_order]
    latest = [credited(i) for i in _latest(articles, pool, X, brief_order, lx)]

    hi = _headline(titles, articles, weights, pubs, previous, keys, lx)
    return Brief(headline=titles[hi], sentences=sentences, headline_article_id=keys[hi] if titles[hi] else None,
                 latest=latest, language=language)


def summarize_languages(articles: list[Article], previous: Brief | None = None, **options) -> Brief:
    """The story's brief in its majority language (`summarize`), holding in `by_language` one brief more for each
    other language the story has articles in, each from that language's articles only (and kept stable by that
    language's previous brief): a reader can have the story in their language where it was reported in it. A
    language the lexicons refuse (lang.UnsupportedLanguage: Thai) gets no brief of its own; only the majority
    language's refusal propagates."""
    brief = summarize(articles, previous=previous, **options)
    languages = list(dict.fromkeys(a.language for a in articles if a.language and a.language != brief.language))
    for code in languages:
        group = [a for a in articles if a.language == code]
        try:
            other = summarize(group, previous=previous.by_language.get(code) if previous else None, **options)
        except UnsupportedLanguage:
            continue
        if other.sentences or other.latest:
            brief.by_language[code] = other
    return brief


def _day(art: Article):
    return art.published.date() if art.published is not None else None


def _overlap(bg: set, said: list[set], posting: dict) -> float:
    """The largest share of `bg` that one earlier sentence (bigram sets `said`, indexed in `posting`) carries."""
    if not bg:
        return 1.0
    shared: dict[int, int] = {}
    for c in bg:
        for k in posting.get(c, ()):
            shared[k] = shared.get(k, 0) + 1
    return max(shared.values(), default=0) / len(bg)


# "The first report, by ...", "The second quake ...": one of a set the report introduced before. The brief may take
# such a sentence after its predecessor; "latest" shows sentences one by one, so it needs them to stand alone.
_ONE_OF = re.compile(r"^(?:After\s+|During\s+)?the\s+(?:first|second|third|fourth|fifth|last|latter|former|other|"
                     r"remaining)\s+[a-z]", re.I)


def _latest(articles: list[Article], pool: list[_Sent], X, brief: list[int], lx: Lexicon) -> list[int]:
    """Indexes into `pool` of the sentences the newest reports add to what the story said before them (its earlier
    articles and their sentences in the brief), newest day first, in reading order within a day; [] when the dated
    articles share one day. A sentence qualifies when it stands alone (no pronoun or reference back, no open
    quotation) and at most LATEST_MAX_OVERLAP of its bigrams were in any one earlier sentence; among those, a
    report's first sentences come first, then those closest to the story as a whole."""
    stem_tokens, bigrams = lx.stem_tokens, lx.bigrams
    days = sorted({d for a in articles if (d := _day(a)) is not None}, reverse=True)
    if len(days) < 2:
        return []
    brief_last = max((d for i in brief if (d := _day(articles[pool[i].art])) is not None), default=days[-1])
    # Everything the articles said, not only the usable candidates: a fact is old whatever sentence carried it.
    said_by_day: list[tuple[object, set]] = []
    for art in articles:
        text = art.text or ""
        for a, b in split_sentences(text)[:MAX_SENTENCES_PER_ARTICLE]:
            said_by_day.append((_day(art), bigrams(stem_tokens(text[a:b]))))
    centroid = np.asarray(X.mean(axis=0)).ravel()
    centroid /= np.linalg.norm(centroid) or 1.0
    relevance = np.asarray(X @ centroid).ravel()
    relevance = relevance / (relevance.max() or 1.0)
    chosen: list[int] = []
    for n, day in enumerate(days[:LATEST_DAYS]):
        if day == days[-1] or (n and day <= brief_last):
            break
        # what the story said before this day: its earlier articles, the brief's sentences from them, and the
        # newer days' picks (a brief sentence of this day's reports is news, and shown as such)
        said = [bg for d, bg in said_by_day if d is None or d < day]
        said += [bigrams(stem_tokens(pool[i].text)) for i in brief + chosen
                 if i in chosen or (d := _day(articles[pool[i].art])) is None or d < day]
        posting: dict = {}
        for k, said_bg in enumerate(said):
            for c in said_bg:
                posting.setdefault(c, []).append(k)
        scored = []
        for i, p in enumerate(pool):
            if _day(articles[p.art]) != day or p.dangling or p.anaphor or p.open_end or _ONE_OF.match(p.text):
                continue
            if _overlap(bigrams(stem_tokens(p.text)), said, posting) <= LATEST_MAX_OVERLAP:
                # a report states what happened first: position leads, closeness to the story breaks ties
                lead = 1.0 / np.sqrt(1.0 + p.pos)
                scored.append((W_LATEST_LEAD * lead + (1.0 - W_LATEST_LEAD) * relevance[i], i))
        room = min(LATEST_NEWEST_DAY if n == 0 else LATEST_EARLIER_DAY, LATEST_MAX - len(chosen))
        picked: list[int] = []
        for _, i in sorted(scored, reverse=True):
            if len(picked) == room:
                break
            bg = bigrams(stem_tokens(pool[i].text))
            # two picks of one day must not repeat each other either
            if any(len(bg & bigrams(stem_tokens(pool[j].text))) > LATEST_MAX_OVERLAP * len(bg)
                   for j in picked):
                continue
            picked.append(i)
        chosen += sorted(picked, key=lambda i: (pool[i].art, pool[i].pos))
        if len(chosen) >= LATEST_MAX:
            break
    return chosen


def _prior(pool, P, XP, SP_all, art_of, pubs, rules: BriefRules = RULES) -> np.ndarray:
    """Centrality, coverage by other articles and lead position of the kept sentences, in [0, ~1.3]:
    the tie-breaker of the concept program and the score of the greedy fallback."""
    m = len(pool)
    starts = np.flatnonzero(np.r_[True, art_of[1:] != art_of[:-1]])
    counts = np.diff(np.r_[starts, m])
    # Centroid with each article weighted equally, so one long article cannot define the story.
    centroid = np.zeros(XP.shape[1], dtype=np.float64)
    centroid_terms = XP  # kept sentences stand for their articles
    art_P = art_of[P]
    for a in np.unique(art_P):
        centroid += np.asarray(centroid_terms[art_P == a].mean(axis=0)).ravel()
    centroid /= np.linalg.norm(centroid) or 1.0
    central = np.asarray(XP @ centroid).ravel()
    if len(starts) > 1:
        per_art = np.maximum.reduceat(SP_all, starts, axis=1)  # best match of each sentence in each article
        per_art[np.arange(len(P)), np.searchsorted(starts, P, side="right") - 1] = 0.0
        cover = np.clip(per_art / REDUNDANT, 0.0, 1.0).sum(axis=1) / (len(starts) - 1)
    else:
        cover = np.zeros(len(P))
    rank = P - np.repeat(starts, counts)[P]
    lead = 1.0 / np.sqrt(1.0 + rank)
    # The first report's lead states the event the story is about; later articles tend to cover follow-ups
    # (aftershocks, reactions), which centrality alone would favour by their number.
    first_report = np.array([pubs[pool[i].art] == min(pubs) for i in P]) & (rank == 0)
    score = (
        rules.w_central * central / (central.max() or 1.0)
        + rules.w_cover * cover / (cover.max() or 1.0)
        + rules.w_lead * lead
        + rules.w_first_report * first_report
    )
    if not rules.short_damping:
        return score
    # Very short sentences score well on a few topic words but say little ("Tomorrow is a rest day").
    content = np.diff(XP.indptr)
    return score * np.minimum(1.0, 0.6 + 0.05 * content)


def _select_ilp(pool, P, sent_bg, weights, value, score, SP, sticky, words, lo, hi, index, pubs,
                rules: BriefRules = RULES) -> list[int] | None:
    """Concept-coverage integer program over the kept sentences; returns local indexes into P."""
    local = {int(g): li for li, g in enumerate(P)}
    cidx: dict = {}
    sent_concepts = []
    for g in P:
        # sorted: a set's order follows the process's hash seed, and the program's column order can change
        # which of two equal briefs the node-limited search returns
        sent_concepts.append([cidx.setdefault(c, len(cidx)) for c in sorted(sent_bg[g]) if c in weights])
    w = np.zeros(len(cidx))
    for c, j in cidx.items():
        w[j] = weights[c]
    lengths = np.array([pool[g].words for g in P], dtype=float)
    needs, banned = [], []
    brief_order = sorted(range(len(P)), key=lambda li: (pubs[pool[P[li]].art], pool[P[li]].art, pool[P[li]].pos))
    rank_in_brief = {li: r for r, li in enumerate(brief_order)}
    for li, g in enumerate(P):
        p = pool[g]
        j = index.get((p.art, p.pos - 1))
        pred = [local[int(j)]] if j is not None and int(j) in local else []
        if p.dangling:
            deps = pred  # a pronoun or connective: its own predecessor, right before it
        elif p.anaphor:
            # "The aftershock ...": fine after its predecessor or after any earlier brief sentence naming it.
            deps = pred + [lk for lk in range(len(P)) if rank_in_brief[lk] < rank_in_brief[li]
                           and p.anaphor in pool[P[lk]].stems]
        else:
            continue
        if deps:
            needs.append((li, deps))
        else:
            banned.append(li)
    for li, g in enumerate(P):
        # 'He said: "We will rebuild.' with the rest of the quotation in the next sentence: both or neither
        if pool[g].open_end:
            j = index.get((pool[g].art, pool[g].pos + 1))
            if j is not None and int(j) in local:
                needs.append((li, [local[int(j)]]))
            else:
                banned.append(li)
    # Two sentences saying the same thing never both appear (the second adds no concept, but the prior would
    # still pay for it when the budget has room).
    ii, jj = np.nonzero(np.triu(SP >= REDUNDANT, k=1))
    exclusive = list(zip(ii.tolist(), jj.tolist())) if rules.exclusive else []
    # The tie-breaker: worth a fraction of one shared concept, so coverage decides and the prior only breaks ties.
    prior = rules.w_prior * score * (w.max() if len(w) else 1.0) / max(1.0, score.max())
    bonus = prior
    # The first report's opening sentence states the event; a brief that starts elsewhere reads as a middle.
    first = min(pubs)
    first_candidate: dict[int, int] = {}
    for k, p in enumerate(pool):
        first_candidate.setdefault(p.art, k)
    opening = np.array([pubs[pool[g].art] == first and first_candidate[pool[g].art] == g for g in P])
    bonus = bonus + rules.w_opening * opening * (value[P].max() if len(P) else 0.0)
    # A sentence already in the previous brief keeps its place unless a clearly better selection comes.
    # Its worth is what the program pays for it: concepts and prior (with the prior at w_prior 1.0 a share of the
    # concepts alone let a marginal article reshuffle the brief).
    bonus = bonus + STICKY * np.where(sticky[P], value[P] + prior, 0.0)
    bonus[banned] = -1e6
    usable = [li for li in range(len(P)) if not (pool[P[li]].dangling or pool[P[li]].anaphor or pool[P[li]].open_end)]
    lo = min(lo, len(usable))
    budget = max(words * BUDGET_SLACK, sum(sorted(lengths[usable])[:lo]))
    chosen = solve(sent_concepts, w, lengths, bonus, budget, lo, hi, needs, exclusive, node_limit=NODE_LIMIT)
    if chosen is not None:
        chosen = [li for li in chosen if li not in set(banned)]
    return chosen


_NOT_A_HEADLINE = re.compile(r"^\W*(?:corrections?|clarifications?|editor'?s note|in brief|briefly|brief)\b", re.I)


def _headline(titles, articles, weights, pubs, previous, keys, lx: Lexicon) -> int:
    """The title of one of the newest substantial reports (HEADLINE_MIN_WORDS or more, not a correction): among
    those within HEADLINE_RECENT_DAYS of the newest, the one that covers most of what the articles share (concept
    weight per word, so a long title is not favoured for length). A story is named by what it has become, not by
    its first report; without dates every substantial report is a candidate."""
    stem_tokens, bigrams = lx.stem_tokens, lx.bigrams
    substantial = [i for i, (t, a) in enumerate(zip(titles, articles))
                   if t and len(lx.tokens(a.text or "")) >= HEADLINE_MIN_WORDS and not _NOT_A_HEADLINE.match(t)]
    candidates = substantial or [i for i, t in enumerate(titles) if t]
    dated = [_day(articles[i]) for i in candidates if _day(articles[i]) is not None]
    if dated:
        newest = max(dated)
        candidates = [i for i in candidates
                      if (d := _day(articles[i])) is not None and (newest - d).days <= HEADLINE_RECENT_DAYS]
    best, best_val = 0, -np.inf
    for i, t in enumerate(titles):
        if not t or i not in candidates:
            continue
        toks = stem_tokens(t)
        val = sum(weights.get(c, 0.0) for c in bigrams(toks)) / max(4, len(toks))
        if previous is not None and previous.headline_article_id == keys[i]:
            val *= 1.0 + HEADLINE_STICKY
        if val > best_val:
            best, best_val = i, val
    return best


def _select(pool: list[_Sent], S: np.ndarray, score: np.ndarray, words: int, lo: int, hi: int) -> list[int]:
    """Greedy MMR over units: single sentences, or (predecessor, dangling sentence) pairs."""
    index = {(p.art, p.pos): i for i, p in enumerate(pool)}
    units: list[tuple[int, ...]] = []
    for i, p in enumerate(pool):
        if not p.dangling:
            units.append((i,))
        else:
            j = index.get((p.art, p.pos - 1))
            if j is not None:
                units.append((i,))  # allowed alone once its predecessor is in
                if not pool[j].dangling:
                    units.append((j, i))
    units = [u for u in units if not pool[u[-1]].open_end]  # a quotation left open with nothing to close it
    u_score = [float(np.mean(score[list(u)])) for u in units]
    u_words = [sum(pool[k].words for k in u) for u in units]
    m = len(pool)
    maxsim = np.zeros(m, dtype=np.float32)
    picked: set[int] = set()
    order: list[int] = []
    total = 0
    dead = [False] * len(units)
    while len(order) < hi:
        best, best_val = None, -np.inf
        for u_i, u in enumerate(units):
            if dead[u_i]:
                continue
            if any(k in picked for k in u):
                if all(k in picked for k in u):
                    dead[u_i] = True
                continue
            if len(u) == 1 and pool[u[0]].dangling:
                j = index.get((pool[u[0]].art, pool[u[0]].pos - 1))
                if j not in picked:
                    continue
                red = float(maxsim[u[0]])
            else:
                red = float(max(maxsim[k] for k in u))
            if red >= REDUNDANT:
                dead[u_i] = True  # similarity to the selection only grows
                continue
            if len(order) + len(u) > hi:
                continue
            w = u_words[u_i]
            if len(order) >= lo and total + w > words * 1.15:
                continue
            val = MMR_LAMBDA * u_score[u_i] - (1 - MMR_LAMBDA) * red
            if len(order) < lo and total + w > words * 1.15:
                val -= 1.0  # forced to reach the minimum: prefer what still fits
            if val > best_val:
                best, best_val = u, val
        if best is None:
            break
        for k in best:
            picked.add(k)
            order.append(k)
            total += pool[k].words
            np.maximum(maxsim, S[k], out=maxsim)
        if len(order) >= lo and total >= words * 0.9:
            break
    return order


def _prefer_earliest_copy(chosen: list[int], pool: list[_Sent], X, pubs: list) -> list[int]:
    """Show wire copy from the article that published it first; others are credited in also_in."""
    chosen_set = set(chosen)
    index = {(p.art, p.pos): i for i, p in enumerate(pool)}
    tied = set()  # sentences whose neighbour in the brief depends on them staying put
    for i in chosen:
        if pool[i].dangling:
            tied.add(i)
            j = index.get((pool[i].art, pool[i].pos - 1))
            if j is not None:
                tied.add(j)
    out = []
    for i in chosen:
        best = i
        if i not in tied:
            sim = np.asarray((X[i] @ X.T).todense()).ravel()
            for k in np.flatnonzero(sim >= WIRE_COPY):
                k = int(k)
                if k in chosen_set or pool[k].dangling:
                    continue
                if (pubs[pool[k].art], pool[k].art) < (pubs[pool[best].art], pool[best].art):
                    best = k
        chosen_set.discard(i)
        chosen_set.add(best)
        out.append(best)
    return out
