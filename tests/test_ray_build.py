"""The Ray path (pipeline/ray_build.py) in local mode on a small corpus, against the single-process build.

The corpus: the bundled Wikinews sample as three JSON-lines shards (one gzipped) and a WARC.gz holding HTML pages,
five of which carry the text of sample articles from the JSON shards (copies to group across shards). Both paths
run through the real `newsdesk build SHARDS` command; the stores they leave must hold the same articles, copy
links, stories, briefs and facts.
"""
from __future__ import annotations

import gzip
import html
import io
import json
import sqlite3
import subprocess
import sys

import pytest

from newsdesk.sources.sample import sample_records

from conftest import ROOT, run_cli

pytest.importorskip("ray", reason="the Ray path needs the ray extra (pip install -e '.[ray]'); not installed here")

COPIED = (3, 27, 41, 66, 90)  # sample articles also published, as web pages, in the WARC shard


def write_corpus(folder):
    records = sample_records()
    shards = [records[:40], records[40:75], records[75:]]
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in shards[0]) + "\n")
    (folder / "b.jsonl").write_text("\n".join(json.dumps(r) for r in shards[1]) + "\nnot json\n")  # kept, named
    (folder / "c.jsonl.gz").write_bytes(gzip.compress(("\n".join(json.dumps(r) for r in shards[2]) + "\n").encode()))
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(folder / "d.warc.gz", "wb") as out:
        w = WARCWriter(out, gzip=True)
        for n in COPIED:
            r = records[n]
            paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in r["text"].split("\n") if p.strip())
            page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(r["title"])}'
                    f'</title><meta property="og:site_name" content="Copy Desk"></head><body><article>'
                    f'<h1>{html.escape(r["title"])}</h1>{paragraphs}</article></body></html>').encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"https://copy.example/{n}", "response", payload=io.BytesIO(page),
                                                http_headers=headers))
    return [str(folder / "*.jsonl"), str(folder / "c.jsonl.gz"), str(folder / "d.warc.gz")]


def snapshot(db: str) -> dict:
    """What a reader sees, by raw input rather than by id: stories as sets of articles, each article's original,
    and each story's brief and facts."""
    con = sqlite3.connect(db)
    key = {aid: sha for aid, sha in con.execute("SELECT id, raw_sha256 FROM articles")}
    stories: dict[int, set] = {}
    for aid, sid in con.execute("SELECT id, story_id FROM articles"):
        stories.setdefault(sid, set()).add(key[aid])
    copies = {key[a]: key[d] for a, d in con.execute("SELECT id, duplicate_of FROM articles WHERE duplicate_of "
                                                      "IS NOT NULL")}
    by_members = {frozenset(members): sid for sid, members in stories.items()}
    briefs = {frozenset(stories[sid]): (headline, _by_key(brief, key))
              for sid, headline, brief in con.execute("SELECT id, headline, brief FROM stories WHERE brief IS NOT NULL")
              if sid in stories}
    facts = {frozenset(stories[sid]): _by_key(json.loads(f), key)
             for sid, f in con.execute("SELECT story_id, facts FROM story_facts") if sid in stories}
    raw = set(con.execute("SELECT sha256, error FROM raw_inputs"))
    con.close()
    return {"stories": set(by_members), "copies": copies, "briefs": briefs, "facts": facts, "raw": raw,
            "articles": len(key)}


def _by_key(value, key):
    """`value` with every article id replaced by its raw input's hash (ids may differ between stores)."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    data = json.loads(text)

    def walk(o):
        if isinstance(o, dict):
            return {k: (key.get(v, v) if k in ("article_id", "doc_id", "headline_article_id") and isinstance(v, int)
                        else [key.get(x, x) for x in v] if k == "also_in" else walk(v)) for k, v in o.items()}
        if isinstance(o, list):
            return [walk(x) for x in o]
        return o

    return json.dumps(walk(data), sort_keys=True)


@pytest.mark.slow
def test_ray_build_equals_the_single_process_build(tmp_path, monkeypatch):
    # as every comparison of two builds: a few briefs depend on the order of sets of strings (docs/design/pipeline.md)
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    shards = write_corpus(tmp_path)
    local = run_cli("build", *shards, db=str(tmp_path / "local.db"))
    on_ray = run_cli("build", "--ray", "--workers", "2", *shards, db=str(tmp_path / "ray.db"))
    assert "on Ray (local): 2 workers" in on_ray.stderr
    # the malformed line is named the same way on both paths, and the rest goes on
    skipped = [line for line in local.stderr.splitlines() if "skipped" in line]
    bad_line = f"newsdesk: skipped {tmp_path / 'b.jsonl'}:36: malformed JSON"
    assert len(skipped) == 1 and skipped[0].startswith(bad_line), local.stderr
    assert [line for line in on_ray.stderr.splitlines() if "skipped" in line] == skipped, on_ray.stderr
    assert local.returncode == on_ray.returncode == 1

    a, b = snapshot(str(tmp_path / "local.db")), snapshot(str(tmp_path / "ray.db"))
    assert a["articles"] == b["articles"] == 100 + len(COPIED)
    assert a["raw"] == b["raw"] and len(a["raw"]) == 100 + len(COPIED) + 1  # the bad line's bytes and its error
    # the WARC's pages were grouped with the JSON shards' articles they copy: across shards, on both paths
    assert len(a["copies"]) >= len(COPIED) - 1
    assert b["copies"] == a["copies"]
    assert b["stories"] == a["stories"]
    assert b["briefs"] == a["briefs"] and len(b["briefs"]) == len(b["stories"])
    assert b["facts"] == a["facts"] and len(b["facts"]) == len(b["stories"])
    # what `serve` reads is whole: every story has its brief and facts, nothing is owed
    checked = run_cli("check", db=str(tmp_path / "ray.db"))
    assert checked.returncode == 0, checked.stderr


def test_shards_name_files_folders_and_globs(tmp_path):
    from newsdesk.pipeline.ray_build import shard_paths

    (tmp_path / "sub").mkdir()
    for name in ("x.jsonl", "sub/y.warc.gz", "sub/z.txt", "w.jsonl.gz"):
        (tmp_path / name).write_bytes(b"")
    files, missing = shard_paths([str(tmp_path / "*.jsonl*"), str(tmp_path / "sub"), str(tmp_path / "nothing"),
                                  str(tmp_path / "*.warc")])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["w.jsonl.gz", "x.jsonl", "sub/y.warc.gz"]
    assert [(m.origin.rsplit("/", 1)[-1], m.message) for m in missing] == [
        ("nothing", "no such file or folder"), ("*.warc", "the pattern matches no input files")]


def test_importing_newsdesk_does_not_import_ray():
    code = ("import sys, newsdesk, newsdesk.cli, newsdesk.pipeline, newsdesk.web.app; "
            "print('ray' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
