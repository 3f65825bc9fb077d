"""`newsdesk eval summarize --sets multilingual`: briefs in seven languages (MultiLing 2011) beside lead, LexRank and
the task's own participants, all scored by one scorer in one run.

Data: ../shared/data/multilingual/multiling2011_<lang>.jsonl (10 topics, the same Wikinews articles in English,
French, Czech, Greek, Arabic, Hebrew and Hindi, 3-5 human summaries each) and multiling2011_submissions.tar.gz
(`correctedSubmissions/ID<n>/<Language>/M00<t>`; ID10 is a topline built from the human summaries, not a system).

Scoring: ROUGE-N F1 on Unicode word tokens, lowercased, unstemmed (ROUGE-1.5.5 and its Porter stemmer read only
Latin letters), each summary cut to its first 250 tokens, averaged over a topic's references, then over topics. A
token is a letter or digit followed by letters, digits and combining marks: Python's `\\w` alone leaves out the
vowel signs of Devanagari, which splits Hindi words into syllables and inflates Hindi ROUGE-2 about 2.5 times.
"""
from __future__ import annotations

import re
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

from newsdesk.text import _MARKS

DEFAULT_DIR = Path("../shared/data/multilingual")
LANGUAGES = {"en": "English", "fr": "French", "cs": "Czech", "el": "Greek", "ar": "Arabic", "he": "Hebrew",
             "hi": "Hindi"}
WORDS = 250
TOPLINE = "ID10"  # built from the human summaries: shown, never the best participant
_TOKEN = re.compile(rf"[^\W_][\w{_MARKS}]*")


def tokens(text: str, limit: int = WORDS) -> list[str]:
    """Lowercase Unicode word tokens of `text`, at most `limit` of them (underscores separate words)."""
    return _TOKEN.findall(text.lower().replace("_", " "))[:limit]


def _ngrams(toks: list[str], n: int) -> Counter:
    return Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


def rouge_f1(summary: str, refs: list[str], n: int) -> float:
    """ROUGE-N F1 of `summary` (cut to WORDS tokens) averaged over `refs` (uncut)."""
    s = _ngrams(tokens(summary), n)
    out = []
    for ref in refs:
        r = _ngrams(tokens(ref, 10 ** 9), n)
        hit = sum((s & r).values())
        if not hit:
            out.append(0.0)
            continue
        p, rc = hit / sum(s.values()), hit / sum(r.values())
        out.append(2 * p * rc / (p + rc))
    return sum(out) / len(out) if out else 0.0


def participants(tarball: Path) -> dict[str, dict[str, dict[str, str]]]:
    """{system id: {language code: {topic id: summary}}} from the task's submissions archive."""
    names = {v: k for k, v in LANGUAGES.items()}
    out: dict[str, dict[str, dict[str, str]]] = {}
    with tarfile.open(tarball) as tf:
        for m in tf.getmembers():
            parts = m.name.split("/")
            if not m.isfile() or len(parts) != 4 or parts[2] not in names:
                continue
            _, sid, lang, topic = parts
            text = tf.extractfile(m).read().decode("utf-8", errors="replace")
            out.setdefault(sid, {}).setdefault(names[lang], {})[topic] = text
    return out


def _lexrank(articles, words: int) -> list[str]:
    """sumy's LexRank with the language's tokens, stems and stop words (newsdesk/lang.py)."""
    from newsdesk.eval.summarize import _sentences, lexrank_ranked
    from newsdesk.lang import lexicon, story_language

    lx = lexicon(story_language([a.language for a in articles]))

    class Tok:
        language = lx.language

        def to_words(self, text):
            return lx.tokens(text)

    sents = [t for _, _, t in _sentences(articles) if len(lx.tokens(t)) >= 5]
    return lexrank_ranked(sents, Tok(), lx.stem, lx.stop, words)


def run_multilingual(folder: Path, systems: list[str], languages: list[str], show: bool = False) -> int:
    """Print one table per language and a summary table of ROUGE-2; returns an exit status."""
    from newsdesk.eval.summarize import _cut, load_clusters, sys_lead, sys_newsdesk

    funcs = {"newsdesk": sys_newsdesk, "lead": sys_lead, "lexrank": _lexrank}
    systems = [s for s in systems if s in funcs]
    tarball = folder / "multiling2011_submissions.tar.gz"
    subs = participants(tarball) if tarball.exists() else {}
    if not subs:
        print(f"newsdesk eval summarize: {tarball}: missing, participants not scored", file=sys.stderr)
    print(f"\nmultilingual: {folder} - MultiLing 2011, {WORDS} words, ROUGE-N F1 x 100 on lowercased Unicode word "
          "tokens, no stemming, mean over references; participants from the task's submissions, same scorer")
    summary: dict[str, dict[str, tuple[float, float]]] = {}
    status = 0
    for lang in languages:
        path = folder / f"multiling2011_{lang}.jsonl"
        if not path.exists():
            print(f"newsdesk eval summarize: {path}: no such file", file=sys.stderr)
            status = 1
            continue
        clusters = load_clusters(path)
        print(f"\n  {LANGUAGES.get(lang, lang)} ({lang}): {len(clusters)} topics, "
              f"{sum(len(c['articles']) for c in clusters)} articles")
        print(f"  {'system':<15} {'R-1':>6} {'R-2':>6} {'s/topic':>8}")
        rows: dict[str, tuple[float, float]] = {}
        for system in systems:
            started = time.perf_counter()
            outs = [_cut(funcs[system](c["articles"], WORDS), WORDS) for c in clusters]
            per = (time.perf_counter() - started) / max(1, len(clusters))
            if show and system == "newsdesk":
                for c, o in zip(clusters, outs):
                    print(f"--- {lang} {c['id']}\n{o}")
            r1 = sum(rouge_f1(o, c["refs"], 1) for o, c in zip(outs, clusters)) / len(clusters)
            r2 = sum(rouge_f1(o, c["refs"], 2) for o, c in zip(outs, clusters)) / len(clusters)
            rows[system] = (100 * r1, 100 * r2)
            print(f"  {system:<15} {100 * r1:6.2f} {100 * r2:6.2f} {per:8.3f}", flush=True)
        for sid in sorted(subs, key=lambda s: int(s[2:]) if s[2:].isdigit() else 0):
            mine = subs[sid].get(lang)
            if not mine:
                continue
            outs = [mine.get(c["id"], "") for c in clusters]
            r1 = sum(rouge_f1(o, c["refs"], 1) for o, c in zip(outs, clusters)) / len(clusters)
            r2 = sum(rouge_f1(o, c["refs"], 2) for o, c in zip(outs, clusters)) / len(clusters)
            label = sid + (" (topline)" if sid == TOPLINE else "")
            rows[label] = (100 * r1, 100 * r2)
            print(f"  {label:<15} {100 * r1:6.2f} {100 * r2:6.2f}")
        summary[lang] = rows
    if summary:
        print("\n  ROUGE-2 F1 per language (R-1 in brackets); best participant = best of ID1-ID9 by ROUGE-2")
        print(f"  {'lang':<5} " + " ".join(f"{s:>15}" for s in systems) + f" {'best participant':>22}  newsdesk/best")
        for lang, rows in summary.items():
            parts = {k: v for k, v in rows.items() if k.startswith("ID") and "topline" not in k}
            best = max(parts, key=lambda k: parts[k][1]) if parts else None
            cells = " ".join(f"{f'{rows[s][1]:6.2f} ({rows[s][0]:5.2f})':>15}" for s in systems if s in rows)
            bcell = f"{best:>5} {parts[best][1]:6.2f} ({parts[best][0]:5.2f})" if best else " " * 22
            ratio = (f"{rows['newsdesk'][1] / parts[best][1]:.2f}" if best and "newsdesk" in rows and parts[best][1]
                     else "-")
            print(f"  {lang:<5} {cells} {bcell:>22}  {ratio:>12}")
    return status
