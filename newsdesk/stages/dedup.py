"""Exact and near-duplicate detection (MinHash LSH over word shingles).

Duplicates are grouped, never dropped: each article keeps its row and points at the first-seen copy, so a story
can credit every outlet that carried the text. Wire copy lightly edited by each outlet (a new headline, a
dropped paragraph, a local dateline) is the case this is tuned for.
"""
from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

from datasketch import MinHash, MinHashLSH

from newsdesk.settings import current

SETTINGS = current().dedup  # [dedup] in newsdesk.toml, docs/settings.md
THRESHOLD = SETTINGS.threshold  # estimated Jaccard of 5-word shingles at which two texts are copies
# Constants: the shape of the saved index (a change needs a fresh build).
NUM_PERM = 128
SHINGLE_WORDS = 5

_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def minhash(text: str) -> MinHash:
    words = _words(text)
    shingles = {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    m = MinHash(num_perm=NUM_PERM)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


class Fingerprint(NamedTuple):
    """What `DuplicateIndex.add` compares: the digest of the normalized words (exact copies) and their MinHash."""

    digest: str
    minhash: MinHash


def fingerprint(text: str) -> Fingerprint:
    return Fingerprint(hashlib.sha1(" ".join(_words(text)).encode()).hexdigest(), minhash(text))


class DuplicateIndex:
    """Streams articles in arrival order; `add` returns the key of the earlier copy, or None for new text."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.exact: dict[str, object] = {}
        self.hashes: dict[object, MinHash] = {}
        self.canonical: dict[object, object] = {}
        self._order: dict[object, int] = {}

    def add(self, key, text: str, fingerprint: Fingerprint | None = None):
        """`fingerprint`: `fingerprint(text)`, when computed beforehand (a batch of articles at once)."""
        digest = fingerprint.digest if fingerprint else hashlib.sha1(" ".join(_words(text)).encode()).hexdigest()
        if digest in self.exact:
            first = self.canonical.get(self.exact[digest], self.exact[digest])
            self.canonical[key] = first
            return first
        m = fingerprint.minhash if fingerprint else minhash(text)
        # LSH finds candidates; the estimated Jaccard confirms them, and the earliest confirmed copy wins so that
        # a group always points at one first-seen article rather than forming chains.
        matches = [c for c in self.lsh.query(m) if m.jaccard(self.hashes[c]) >= self.threshold]
        self.exact[digest] = key
        self.hashes[key] = m
        self.lsh.insert(key, m)
        if matches:
            first = min((self.canonical.get(c, c) for c in matches), key=self._order.__getitem__)
            self.canonical[key] = first
        self._order[key] = len(self._order)
        return self.canonical.get(key)

