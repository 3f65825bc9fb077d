"""`newsdesk facts`: clusters as JSON lines on stdin (the `newsdesk summarize` input), facts as JSON lines out."""
from __future__ import annotations

import json
import sys
from typing import TextIO


def run(stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    from newsdesk.sources.records import RecordError, article_from_record

    from . import load_nlp, story_facts, to_record

    nlp = load_nlp()
    failed = False
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            cluster = json.loads(line)
            docs = cluster.get("docs") if isinstance(cluster, dict) else None
            if not isinstance(docs, list) or not docs:
                raise RecordError('"docs" must be a non-empty list of articles')
            articles = []
            for i, doc in enumerate(docs):
                article = article_from_record(doc)
                article.external_id = article.external_id or str(i)
                articles.append(article)
        except json.JSONDecodeError as e:
            print(f"newsdesk: stdin:{number}: malformed JSON ({e.msg} at column {e.colno}); line skipped",
                  file=stderr, flush=True)
            failed = True
            continue
        except (RecordError, ValueError) as e:
            print(f"newsdesk: stdin:{number}: {e}; cluster skipped", file=stderr, flush=True)
            failed = True
            continue
        facts = story_facts(articles, nlp=nlp)
        record = to_record(cluster.get("cluster_id", cluster.get("id", number)), facts)
        print(json.dumps(record, ensure_ascii=False), file=stdout, flush=True)
    return 1 if failed else 0
