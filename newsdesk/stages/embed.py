"""Dense article vectors for story clustering, from a static embedding model shipped with the package.

The model (`newsdesk/data/cluster/minilm_m2v/`, see its README) is all-MiniLM-L6-v2 distilled by model2vec into
one vector per word piece: about 1 ms per article on one core and numpy only at run time, where MiniLM itself
took about 110 ms per article on this machine's two cores (and torch). Loaded once per process, on first use.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from ..models import Article

MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "cluster" / "minilm_m2v"
MAX_TOKENS = 512  # word pieces read per article: title and lead, as MiniLM itself would be given


@lru_cache(maxsize=2)
def _model(path: str):
    from model2vec import StaticModel

    return StaticModel.from_pretrained(path)


def article_text(article: Article) -> str:
    return f"{article.title or ''}\n{article.text or ''}"


class Embedder:
    """`embedder(article)` -> unit float32 vector; `embedder.dim` its length."""

    def __init__(self, path: Path | str = MODEL_DIR):
        self.path = str(path)

    @property
    def dim(self) -> int:
        return int(_model(self.path).dim)

    def __call__(self, article: Article) -> np.ndarray:
        # Only the first words can reach the token limit: do not tokenize a 10,000-word page for nothing.
        text = " ".join(article_text(article).split()[:MAX_TOKENS])
        vec = _model(self.path).encode([text], max_length=MAX_TOKENS, use_multiprocessing=False)[0]
        return np.asarray(vec, dtype=np.float32)
