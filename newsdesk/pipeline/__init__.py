"""Runs the stages over the store: ingest (keep raw, parse) and build (dedup, cluster, summarize, facts, relate).

This package is the only place that connects stages to the store; the CLI, the web server, the watcher and the
batch verbs call it. Start with `declared.py` (every stage, in order), then `build.py` (the driver).

    declared.py  the stages a build runs, in order, by kind
    stages.py    the stage interface (records, one Protocol per kind) and the stages
    ingest.py    keep each input's raw bytes, then parse it
    build.py     the build driver and `refresh_stories`, the one path that rewrites briefs and facts
    ray_build.py the same build on Ray Data (`newsdesk build --ray`); imported only when asked for
    stream.py    the stream's state: dedup, online clustering and the window (`StoryAssigner`)
    state.py     that state saved beside the database between builds
"""
from .build import BuildReport, build, build_facts, refresh_stories
from .declared import PIPELINE, Pipeline
from .ingest import IngestReport, InputFailure, ingest_inputs, ingest_paths, ingest_raw, ingest_sample
from .stages import ArticleRecord, ArticleStage, StoryRecord, StoryStage, WindowBatch, WindowStage, parse_raw
from .state import STATE_FORMAT, STATE_SUFFIX
from .stream import StoryAssigner

__all__ = [
    "ArticleRecord", "ArticleStage", "BuildReport", "IngestReport", "InputFailure", "PIPELINE", "Pipeline",
    "STATE_FORMAT", "STATE_SUFFIX", "StoryAssigner", "StoryRecord", "StoryStage", "WindowBatch", "WindowStage",
    "build", "build_facts", "ingest_inputs", "ingest_paths", "ingest_raw", "ingest_sample", "parse_raw",
    "refresh_stories",
]
