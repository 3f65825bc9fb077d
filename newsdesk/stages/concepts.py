"""Concept-coverage selection for briefs (Gillick & Favre 2009, "A Scalable Global Model for Summarization").

Concepts are stemmed word bigrams (not both stop words; stems and stop words of the story's language,
newsdesk/lang.py); a concept is worth the number of articles that
carry it, so what many outlets report counts most, and a sentence repeating covered concepts adds nothing
(redundancy is handled by the objective itself, not by a similarity threshold). Selection is one integer
program solved exactly by HiGHS through scipy.optimize.milp:

    maximise  sum_j w_j c_j + sum_i b_i x_i
    s.t.      c_j <= sum_{i has j} x_i,  sum_i len_i x_i <= budget,  lo <= sum_i x_i <= hi,
              x_i <= sum_{j in needs(i)} x_j for sentences that need context, x_i + x_k <= 1 for near-copies
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from newsdesk.lang import Lexicon, lexicon

__all__ = ["stem_tokens", "bigrams", "concept_weights", "solve", "lexicon", "Lexicon"]

# Concepts in English (Porter stems, the stemmer ROUGE uses, and scikit-learn's stop words); a brief in another
# language takes its own from newsdesk.lang.lexicon.
_EN = lexicon("en")


def stem_tokens(text: str) -> list[str]:
    return _EN.stem_tokens(text)


def bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    return _EN.bigrams(tokens)


def concept_weights(doc_bigrams: list[set], min_df: int, lead_bigrams: list[set] | None = None,
                    lead_bonus: float = 0.0) -> dict[tuple[str, str], float]:
    """Document frequency of each bigram, kept when at least `min_df` articles carry it; an article counts
    1 + `lead_bonus` for a bigram in its lead, since news puts what matters first."""
    df: dict[tuple[str, str], int] = {}
    w: dict[tuple[str, str], float] = {}
    for d, bg in enumerate(doc_bigrams):
        lead = lead_bigrams[d] if lead_bigrams else ()
        for c in bg:
            df[c] = df.get(c, 0) + 1
            w[c] = w.get(c, 0.0) + (1.0 + lead_bonus if c in lead else 1.0)
    return {c: w[c] for c, n in df.items() if n >= min_df}


def solve(
    sent_concepts: list[list[int]],
    weights: np.ndarray,
    lengths: np.ndarray,
    bonus: np.ndarray,
    budget: float,
    lo: int,
    hi: int,
    needs: list[tuple[int, list[int]]],
    exclusive: list[tuple[int, int]],
    node_limit: int = 1000,
    gap: float = 0.01,
) -> list[int] | None:
    """Indexes of the chosen sentences, or None when HiGHS finds no feasible selection within `node_limit`
    branch-and-bound nodes. The bound is a count, not a time, so the result is the same on a loaded machine."""
    m, k = len(sent_concepts), len(weights)
    rows, cols, vals = [], [], []
    r = 0
    # Coverage: c_j - sum x_i <= 0
    occ_i = [i for i, cs in enumerate(sent_concepts) for _ in cs]
    occ_j = [j for cs in sent_concepts for j in cs]
    rows += list(range(k)) + occ_j
    cols += [m + j for j in range(k)] + occ_i
    vals += [1.0] * k + [-1.0] * len(occ_i)
    r = k
    lb = [-np.inf] * k
    ub = [0.0] * k
    # Length and sentence count.
    rows += [r] * m + [r + 1] * m
    cols += list(range(m)) * 2
    vals += list(map(float, lengths)) + [1.0] * m
    lb += [-np.inf, float(lo)]
    ub += [float(budget), float(hi)]
    r += 2
    for i, js in needs:  # x_i - sum x_j <= 0: i only with one of the sentences it depends on
        rows += [r] * (1 + len(js))
        cols += [i] + list(js)
        vals += [1.0] + [-1.0] * len(js)
        lb.append(-np.inf)
        ub.append(0.0)
        r += 1
    for i, j in exclusive:  # x_i + x_j <= 1
        rows += [r, r]
        cols += [i, j]
        vals += [1.0, 1.0]
        lb.append(-np.inf)
        ub.append(1.0)
        r += 1
    A = coo_matrix((vals, (rows, cols)), shape=(r, m + k)).tocsr()
    c = -np.concatenate([bonus, weights]).astype(float)
    integrality = np.r_[np.ones(m), np.zeros(k)]  # c_j is 0/1 at the optimum anyway: keep it continuous
    with _stdout_to_stderr():
        res = milp(c, integrality=integrality, bounds=Bounds(0, 1), constraints=LinearConstraint(A, lb, ub),
                   options={"node_limit": node_limit, "disp": False, "mip_rel_gap": gap})
    if res.x is None:
        return None
    return [i for i in range(m) if res.x[i] > 0.5]


@contextmanager
def _stdout_to_stderr():
    """HiGHS occasionally prints a debug line straight to file descriptor 1 even with disp=False; that
    would corrupt the JSON lines of `newsdesk summarize`, so its stdout goes to stderr while it runs."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (embedded interpreters, some test runners)
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
