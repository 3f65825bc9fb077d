"""The section of a story: one of the IPTC Media Topics top level (politics, sport, health...), read offline.

A zero-shot nearest-prototype classifier on the static embedding model that clustering already ships
(stages/embed.py). Each IPTC top-level topic has a few short seed phrases written by hand
(`newsdesk/data/topics/iptc.json`); a section's prototype is the mean of the vectors of all its topics' phrases,
and a text goes to the section whose prototype is nearest by cosine. Both sides are centred first: the prototypes
on the mean of every seed phrase, a text on the mean of the bundled Wikinews sample's 100 articles
(newsdesk/data/wikinews), so that what all news shares, and all seed phrases share, does not decide the section.
Nothing is fitted on labelled news: no package on PyPI or Debian ships labelled news fit to use.
`benchmarks/topics.py` scores it on labelled data against the majority class (docs/design/sections.md).

The contract: `classify_text(text)` gives one section key of `SECTIONS` for any input, and `classify(articles)` for
any story with an English (or undeclared) article, `UNSORTED` for one without; the same one every time (no
randomness; ties go to the first section in file order).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from ..models import Article
from .embed import MODEL_DIR, MAX_TOKENS, _model, article_text

LABELS_PATH = Path(__file__).resolve().parents[1] / "data" / "topics" / "iptc.json"


@dataclass(frozen=True)
class Section:
    key: str  # the URL's name: /section/<key>
    label: str  # shown to readers as the section's title
    short: str  # in the bar of sections and on each story
    topics: tuple[tuple[str, str], ...]  # (IPTC code, IPTC name) of the top-level topics it holds


def _load_sections(path: Path = LABELS_PATH) -> tuple[tuple[Section, ...], list[list[str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    sections, seeds = [], []
    for s in data["sections"]:
        sections.append(Section(s["key"], s["label"], s["short"], tuple((t["code"], t["name"]) for t in s["topics"])))
        seeds.append([t["seeds"] for t in s["topics"]])
    return tuple(sections), seeds


SECTIONS, _SEEDS = _load_sections()
SECTION_KEYS = tuple(s.key for s in SECTIONS)
BY_KEY = {s.key: s for s in SECTIONS}


def _encode(texts: list[str]) -> np.ndarray:
    texts = [" ".join(t.split()[:MAX_TOKENS]) for t in texts]
    vecs = np.asarray(_model(str(MODEL_DIR)).encode(texts, max_length=MAX_TOKENS, use_multiprocessing=False),
                      dtype=np.float64)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.where(norms == 0, 1, norms)


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n == 0, 1, n)


@lru_cache(maxsize=1)
def _prototypes() -> tuple[np.ndarray, np.ndarray]:
    """(the news centre, one prototype per section as rows), from the seed phrases and the bundled sample."""
    from ..sources.sample import sample_records

    news = _encode([f"{r['title']}\n{r['text']}" for r in sample_records()]).mean(axis=0)
    seeds = [_encode([p for phrases in topics for p in phrases]) for topics in _SEEDS]
    centre = np.concatenate(seeds).mean(axis=0)
    return news, _unit(np.asarray([v.mean(axis=0) for v in seeds]) - centre)


def section_scores(vector: np.ndarray) -> np.ndarray:
    """Each section's score, the cosine to its prototype, for a unit text vector, in SECTIONS order."""
    news, protos = _prototypes()
    return protos @ _unit(np.asarray(vector, dtype=np.float64) - news)


def _pick(vector: np.ndarray) -> str:
    return SECTION_KEYS[int(np.argmax(section_scores(vector)))]  # argmax: the first of equal scores


def text_vector(text: str) -> np.ndarray:
    return _encode([text])[0]


def classify_text(text: str) -> str:
    """The section key of one text (a title and its lead read best)."""
    return _pick(text_vector(text))


UNSORTED = ""  # the section of a story with no article the classifier reads: shown as none, never asked again


def readable(article: Article) -> bool:
    """The seed phrases and the static model are English: another language's text lands anywhere (a French story
    of missionaries charged in Haiti read as Science)."""
    return not article.language or article.language.split("-")[0].lower() == "en"


def classify(articles: Sequence[Article]) -> str:
    """The section key of a story: its English articles' vectors (title and text, as clustering reads them) averaged,
    so that every report counts once whatever its length; `UNSORTED` when it has none."""
    articles = [a for a in articles if readable(a)]
    if not articles:
        return UNSORTED
    vecs = _encode([article_text(a) for a in articles])
    return _pick(vecs.mean(axis=0))
