"""A corpus on Ray: the build's own stages as Ray Data steps, with this process as the driver that keeps the store.

    newsdesk build --ray [--workers N] [--ray-address ADDR] SHARDS...

- `ingest_shards(store, shards)`: WARC, WARC.gz and JSON-lines shards (files, folders, globs) read as a Ray
  Dataset, one read task per file with the reader `newsdesk ingest` uses (`sources.read_path`), then the `parse`
  stage (extraction, language detection) as `map_batches`. The driver keeps each raw input and stores the articles
  in the order of the files and of the records in each (`ingest.ingest_inputs`), so that the store holds what
  `newsdesk ingest` would have put there, ids included.
- `RayRunner`: runs `build.build`'s per-article stages (MinHash fingerprints, embeddings, and the facts' per-article
  language analysis) and per-story stages (brief, facts) as `map_batches`, `workers` at a time. The driver keeps
  what needs one place and one order: exact and near-duplicate grouping across every shard (the stream's duplicate
  index sees every article, whatever shard it came from), story assignment and re-clustering on the precomputed
  fingerprints and vectors, and every write to the store, through `newsdesk.store` only.

Nothing here is a second implementation: each step calls the stage objects of `declared.PIPELINE`. Rows are
plain columns (JSON text for articles, briefs and facts; numpy arrays for vectors and MinHash values), converted to
and from the typed records at each batch boundary. Ray is imported only by this module, which nothing imports
unless asked to run on Ray (`pip install 'newsdesk[ray]'`).

Local mode (`ray.init()` on this machine, `workers` CPUs) needs no set-up; `address` joins a running cluster, whose
nodes need newsdesk's dependencies installed (this checkout's `newsdesk` package is shipped to them with the job).
"""
from __future__ import annotations

import glob
import json
import logging
import os
from dataclasses import asdict
from itertools import islice
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..errors import InputError, Unavailable

try:
    import pyarrow as pa  # installed with ray[data]; only this module, which runs on Ray, imports it
except ImportError as e:  # said as the verb's error, not a traceback
    raise Unavailable("running on Ray needs the ray extra: pip install 'newsdesk[ray]'") from e

from ..models import Article, RawInput
from ..sources import SourceError, input_files, matching_paths, read_path
from ..store import Store, brief_from_json, brief_to_json
from .build import LocalRunner, run_article_stages, run_story_stages
from .declared import PIPELINE
from .ingest import IngestReport, InputFailure, ingest_inputs
from .stages import ArticleFacts, ArticleRecord, ArticleStage, StoryRecord, StoryStage

PACKAGE = Path(__file__).resolve().parents[1]  # the `newsdesk` package shipped to the workers
ARTICLE_CHUNK = 50_000  # articles per Ray Dataset: the driver holds one chunk's rows at a time
STORY_CHUNK = 2_000  # stories per Ray Dataset
STORY_BATCH = 4  # stories per map_batches call: a story's brief and facts take from milliseconds to seconds
# Settings travel to the workers as the environment; the credential and the database do not concern them.
PRIVATE_ENV = {"NEWSDESK_TOKEN", "NEWSDESK_DB"}


# Explicit schemas: a column that is None in a whole batch must still be a string column.
_TEXT = pa.string()
PARSED = pa.schema([("file", pa.int64()), ("seq", pa.int64()), ("origin", _TEXT), ("error", _TEXT), ("kind", _TEXT),
                    ("body", pa.binary()), ("url", _TEXT), ("fetched_at", _TEXT), ("article", _TEXT),
                    ("parse_error", _TEXT)])
STORY_RESULT = pa.schema([("id", pa.int64()), ("error", _TEXT), ("brief", _TEXT), ("facts", _TEXT),
                          ("extracted", _TEXT), ("section", _TEXT)])


class RemoteStageError(Exception):
    """A stage's exception raised on a Ray worker, by name and message (the driver logs it for its story)."""


# -- connecting ------------------------------------------------------------------------------------------------
def connect(address: str | None = None, workers: int | None = None, progress: bool = False) -> int:
    """Starts Ray on this machine with `workers` CPUs (default: all), or joins the cluster at `address`; returns
    the number of CPUs Ray offers. The workers run this process's `newsdesk` package and settings, and one spaCy
    process each (`NEWSDESK_FACTS_PROCESSES=1`): Ray does the parallelism."""
    try:
        import ray
    except ImportError as e:
        raise Unavailable("running on Ray needs the ray extra: pip install 'newsdesk[ray]'") from e
    from ray.data import DataContext

    if not ray.is_initialized():
        env = {k: v for k, v in os.environ.items() if k.startswith("NEWSDESK_") and k not in PRIVATE_ENV}
        if "PYTHONHASHSEED" in os.environ:  # set iteration order, on which a few briefs depend (docs/design/pipeline.md)
            env["PYTHONHASHSEED"] = os.environ["PYTHONHASHSEED"]
        env["NEWSDESK_FACTS_PROCESSES"] = "1"
        runtime_env = {"py_modules": [str(PACKAGE)], "env_vars": env}
        kwargs = dict(runtime_env=runtime_env, logging_level="ERROR", log_to_driver=progress)
        if address:
            ray.init(address=address, **kwargs)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, **kwargs)
    context = DataContext.get_current()
    context.execution_options.preserve_order = True  # the store's order is the inputs' order
    context.enable_progress_bars = progress
    context.print_on_execution_start = False
    if not progress:  # Ray Data logs each Dataset's start and end at INFO
        logging.getLogger("ray.data").setLevel(logging.WARNING)
    return int(ray.cluster_resources().get("CPU", 1))


def shutdown() -> None:
    import ray

    ray.shutdown()


# -- rows <-> records ------------------------------------------------------------------------------------------
def article_to_json(a: Article) -> str:
    data = asdict(a)
    data["published"] = a.published.isoformat() if a.published else None
    return json.dumps(data)


def article_from_json(text: str) -> Article:
    from datetime import datetime

    data = json.loads(text)
    data["published"] = datetime.fromisoformat(data["published"]) if data["published"] else None
    return Article(**data)


def _rows(batch: dict[str, np.ndarray]) -> Iterator[dict]:
    """The rows of a numpy-format batch."""
    names = list(batch)
    for values in zip(*(batch[n] for n in names)):
        yield dict(zip(names, values))


def _strings(values: Iterable[str | None]) -> np.ndarray:
    return np.array(list(values), dtype=object)


def records_to_batch(records: list[ArticleRecord], index: np.ndarray) -> dict[str, np.ndarray]:
    """What the per-article stages found, by the articles' position in their dataset (`index`): the driver has the
    articles themselves. A column is there when every record has its value (the stages run decide which)."""
    out: dict[str, np.ndarray] = {"index": np.asarray(index, dtype=np.int64)}
    if records and all(r.fingerprint is not None for r in records):
        out["digest"] = _strings(r.fingerprint.digest for r in records)
        out["minhash"] = np.stack([r.fingerprint.minhash.hashvalues for r in records]).astype(np.uint64)
        out["scheme"] = _strings(r.fingerprint.minhash.scheme for r in records)  # how the values were hashed
    if records and all(r.vector is not None for r in records):
        out["vector"] = np.stack([r.vector for r in records]).astype(np.float32)
    if records and all(r.facts is not None for r in records):
        out["facts"] = _strings(json.dumps(r.facts) for r in records)
    return out


def records_from_batch(batch: dict[str, np.ndarray], articles: Sequence[Article]) -> list[ArticleRecord]:
    from datasketch import MinHash

    from ..stages.dedup import NUM_PERM, Fingerprint

    records = []
    for n, i in enumerate(batch["index"]):
        record = ArticleRecord(articles[int(i)])
        if "digest" in batch:
            record.fingerprint = Fingerprint(str(batch["digest"][n]),
                                             MinHash(num_perm=NUM_PERM, hashvalues=batch["minhash"][n],
                                                     scheme=str(batch["scheme"][n])))
        if "vector" in batch:
            record.vector = np.array(batch["vector"][n], dtype=np.float32)
        if "facts" in batch:
            record.facts = json.loads(batch["facts"][n])
        records.append(record)
    return records


def story_to_row(record: StoryRecord) -> dict:
    return {"id": record.id, "articles": json.dumps([article_to_json(a) for a in record.articles]),
            "previous": brief_to_json(record.previous) if record.previous else None,
            "extracted": json.dumps(list(record.extracted.items())), "section": record.section}


def story_from_row(row: dict) -> StoryRecord:
    return StoryRecord(int(row["id"]), [article_from_json(a) for a in json.loads(row["articles"])],
                       brief_from_json(row["previous"]), dict(json.loads(row["extracted"])))


def story_result_row(record: StoryRecord | Exception, story_id: int) -> dict:
    if isinstance(record, Exception):
        return {"id": story_id, "error": f"{type(record).__name__}: {record}", "brief": None, "facts": None,
                "extracted": None, "section": None}
    return {"id": story_id, "error": None, "brief": brief_to_json(record.brief) if record.brief else None,
            "facts": json.dumps(record.facts) if record.facts is not None else None,
            "extracted": json.dumps(list(record.extracted.items())), "section": record.section}


# -- the steps that run on the workers ----------------------------------------------------------------------------
def read_shard(row: dict) -> list[dict]:
    """One file's inputs as rows, in its order: raw bytes, or the reader's error (with any bytes that arrived)."""
    out = []
    for n, item in enumerate(read_path(Path(row["path"]))):
        raw = item.raw if isinstance(item, SourceError) else item
        out.append({"file": row["file"], "seq": n, "origin": item.origin,
                    "error": item.message if isinstance(item, SourceError) else None,
                    "kind": raw.kind if raw else None, "body": raw.body if raw else None,
                    "url": raw.url if raw else None,
                    "fetched_at": raw.fetched_at.isoformat() if raw and raw.fetched_at else None})
    return out


def _raw(row: dict) -> RawInput | None:
    from datetime import datetime

    if row["body"] is None:
        return None
    return RawInput(body=bytes(row["body"]), kind=row["kind"], origin=row["origin"], url=row["url"],
                    fetched_at=datetime.fromisoformat(row["fetched_at"]) if row["fetched_at"] else None)


def parse_batch(batch: pa.Table) -> pa.Table:
    """The `parse` stage over the raw inputs of a batch: each row gains `article` (JSON) or `parse_error`."""
    rows = batch.to_pylist()
    todo = [(r, _raw(r)) for r in rows if r["error"] is None]
    for r in rows:
        r["article"] = r["parse_error"] = None
    for (r, _), parsed in zip(todo, PIPELINE.ingest.process_batch([raw for _, raw in todo])):
        if isinstance(parsed, Exception):
            r["parse_error"] = str(parsed) or type(parsed).__name__  # as ingest_raw reports it
        else:
            r["article"] = article_to_json(parsed)
    return pa.Table.from_pylist(rows, schema=PARSED)


def article_batch(batch: dict[str, np.ndarray], stages: Sequence[ArticleStage]) -> dict[str, np.ndarray]:
    records = [ArticleRecord(article_from_json(a)) for a in batch["article"]]
    return records_to_batch(run_article_stages(records, stages), batch["index"])


def story_batch(batch: pa.Table, stages: Sequence[StoryStage]) -> pa.Table:
    return pa.Table.from_pylist([story_result_row(run_story_stages(story_from_row(row), stages), row["id"])
                                 for row in batch.to_pylist()], schema=STORY_RESULT)


# -- the driver ----------------------------------------------------------------------------------------------------
def shard_paths(shards: Iterable[str]) -> tuple[list[Path], list[SourceError]]:
    """The files the shards name, in order: a file, a folder (its input files, sorted, as `ingest` reads it) or a
    quoted glob (sorted, `sources.matching_paths`); and an error for each shard that names nothing."""
    files: list[Path] = []
    missing: list[SourceError] = []
    for shard in shards:
        found = [f for m in matching_paths(shard)
                 for f in (input_files(m) if m.is_dir() else [m] if m.exists() else [])]
        if not found:
            missing.append(SourceError(shard, "no such file or folder" if not glob.has_magic(shard)
                                       else "the pattern matches no input files"))
        files += found
    return files, missing


def ingest_shards(store: Store, shards: Iterable[str], workers: int | None = None, progress: bool = False,
                  on_failure: Callable[[InputFailure], None] | None = None) -> IngestReport:
    """Reads and parses the shards on Ray and stores what they hold, in order (see the module's docstring). Ray
    must be connected (`connect`)."""
    import ray

    files, missing = shard_paths(shards)
    ds = ray.data.from_items([{"file": n, "path": str(f)} for n, f in enumerate(files)],
                             override_num_blocks=max(1, len(files)))
    ds = ds.flat_map(read_shard).map_batches(parse_batch, batch_size=64, batch_format="pyarrow",
                                             concurrency=workers)

    def inputs():
        yield from missing
        if not files:
            return
        for row in ds.iter_rows():
            raw = _raw(row)
            if row["error"] is not None:
                yield SourceError(row["origin"], row["error"], raw=raw)
            elif row["parse_error"] is not None:
                yield raw, InputError(row["parse_error"])
            else:
                yield raw, article_from_json(row["article"])

    return ingest_inputs(store, inputs(), progress=progress, on_failure=on_failure)


class RayRunner(LocalRunner):
    """`build.Runner` on Ray: the per-article and per-story stages as `map_batches` tasks, at most `workers` at
    once (default: as many as Ray has CPUs). The facts' per-article analysis runs with the other per-article
    stages, before assignment, since there it is spread over the workers like them."""

    article_stages = PIPELINE.article + (ArticleFacts(),)

    def __init__(self, workers: int | None = None):
        self.workers = workers

    def articles(self, articles: Sequence[Article], stages: Sequence[ArticleStage],
                 batch: int) -> Iterator[list[ArticleRecord]]:
        import ray

        slots = self.workers or int(ray.cluster_resources().get("CPU", 1))
        for start in range(0, len(articles), ARTICLE_CHUNK):
            chunk = articles[start:start + ARTICLE_CHUNK]
            # at least 4 batches a worker, so that the last ones end close together (5 batches on 2 workers would
            # leave one idle for a fifth of the time), and at most `batch`
            size = max(1, min(batch, 64, -(-len(chunk) // (4 * slots))))
            ds = ray.data.from_items([{"index": n, "article": article_to_json(a)} for n, a in enumerate(chunk)],
                                     override_num_blocks=-(-len(chunk) // size))
            ds = ds.map_batches(article_batch, fn_args=(tuple(stages),), batch_size=size, batch_format="numpy",
                                concurrency=self.workers, zero_copy_batch=False)
            for out in ds.iter_batches(batch_size=None, batch_format="numpy"):
                yield records_from_batch(out, chunk)

    def stories(self, records: Iterable[StoryRecord],
                stages: Sequence[StoryStage]) -> Iterator[tuple[int, StoryRecord | Exception]]:
        import ray

        records = iter(records)
        while chunk := list(islice(records, STORY_CHUNK)):
            ds = ray.data.from_items([story_to_row(r) for r in chunk],
                                     override_num_blocks=-(-len(chunk) // STORY_BATCH))
            ds = ds.map_batches(story_batch, fn_args=(tuple(stages),), batch_size=STORY_BATCH,
                                batch_format="pyarrow", concurrency=self.workers)
            for record, row in zip(chunk, ds.iter_rows()):
                assert int(row["id"]) == record.id, "Ray returned the stories out of order"
                if row["error"] is not None:
                    yield record.id, RemoteStageError(row["error"])
                    continue
                record.brief = brief_from_json(row["brief"])
                record.facts = json.loads(row["facts"]) if row["facts"] is not None else None
                record.extracted = dict(json.loads(row["extracted"]))
                record.section = row["section"]
                yield record.id, record
