"""Settings: the defaults, a newsdesk.toml, NEWSDESK_* variables, the errors naming what is wrong, docs in sync."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsdesk import settings
from newsdesk.settings import Settings, SettingsError, markdown, read

ROOT = Path(__file__).resolve().parents[1]


def toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsdesk.toml"
    path.write_text(text)
    return path


def test_defaults_are_the_values_the_stages_had():
    s = read(environ={})
    assert s == Settings(fetch=s.fetch)  # nothing read from anywhere
    assert (s.cluster.story_lookback_days, s.recluster.pair_max_gap_days) == (45.0, 90)
    assert (s.recluster.max_articles, s.recluster.knn, s.dedup.threshold, s.facts.max_chars) == (5000, 10, 0.5, 30_000)
    assert (s.limits.input_bytes, s.fetch.max_bytes, s.fetch.timeout, s.fetch.allow_private) == (
        8 * 1024 * 1024, 8 * 1024 * 1024, 20.0, False)
    assert (s.summarize.pool, s.related.max_related, s.watch.max_backoff_seconds) == (250, 5, 6 * 3600.0)


def test_a_toml_file_sets_values_and_the_environment_wins(tmp_path):
    path = toml(tmp_path, "[cluster]\nstory_lookback_days = 30\nmax_candidates = 12\n\n"
                          "[limits]\ninput_bytes = 1_000_000\n\n[server]\nallowed_hosts = ['desk.lan']\n")
    s = read(path, environ={})
    assert (s.cluster.story_lookback_days, s.cluster.max_candidates, s.limits.input_bytes) == (30.0, 12, 1_000_000)
    assert s.fetch.max_bytes == 1_000_000  # follows the input limit unless set itself
    assert s.server.allowed_hosts == ("desk.lan",)
    assert isinstance(s.cluster.story_lookback_days, float)
    s = read(path, environ={"NEWSDESK_CLUSTER_MAX_CANDIDATES": "7", "NEWSDESK_MAX_INPUT_BYTES": "2000",
                            "NEWSDESK_ALLOW_PRIVATE": "1", "NEWSDESK_ALLOWED_HOSTS": "a.lan, b.lan",
                            "NEWSDESK_TOKEN": " secret "})
    assert (s.cluster.max_candidates, s.cluster.story_lookback_days, s.limits.input_bytes) == (7, 30.0, 2000)
    assert s.fetch.allow_private is True and s.server.allowed_hosts == ("a.lan", "b.lan")
    assert s.server.token == "secret"


def test_the_file_comes_from_NEWSDESK_CONFIG_or_the_working_directory(tmp_path, monkeypatch):
    path = toml(tmp_path, "[dedup]\nthreshold = 0.7\n")
    assert read(environ={"NEWSDESK_CONFIG": str(path)}).dedup.threshold == 0.7
    monkeypatch.chdir(tmp_path)
    assert read(environ={}).dedup.threshold == 0.7


@pytest.mark.parametrize("text, named", [
    ("[cluster]\nwindow_days = 30\n", "unknown key 'window_days' in [cluster]"),
    ("[clustering]\nmax_candidates = 3\n", "unknown section [clustering]"),
    ("[cluster]\nmax_candidates = 'many'\n", "[cluster] max_candidates must be a whole number, got 'many'"),
    ("[fetch]\nrobots = 1\n", "[fetch] robots must be true or false"),
    ("[server]\ntoken = 'in a file'\n", "unknown key 'token' in [server]"),  # a credential never in a file
    ("[server]\npublic_url = 'ftp://x'\n", "public URL must be an http(s) URL"),
    ("cluster = 3\n", "cluster must be a table"),
    ("[cluster\n", "not valid TOML"),
])
def test_a_bad_file_names_the_key_and_the_file(tmp_path, text, named):
    path = toml(tmp_path, text)
    with pytest.raises(SettingsError) as e:
        read(path, environ={})
    assert named in str(e.value) and str(path) in str(e.value)


def test_a_bad_variable_is_named():
    with pytest.raises(SettingsError, match=r"\$NEWSDESK_MAX_INPUT_BYTES must be a whole number, got 'lots'"):
        read(environ={"NEWSDESK_MAX_INPUT_BYTES": "lots"})
    with pytest.raises(SettingsError, match=r"\$NEWSDESK_CLUSTER_WINDOW_DAYS: unknown setting"):
        read(environ={"NEWSDESK_CLUSTER_WINDOW_DAYS": "3"})
    with pytest.raises(SettingsError, match="missing.toml: cannot read settings"):
        read(environ={"NEWSDESK_CONFIG": "missing.toml"})


def test_the_stages_read_the_file_when_imported(tmp_path):
    """A real process: NEWSDESK_CONFIG reaches every stage's module values, as it reaches a worker process."""
    path = toml(tmp_path, "[cluster]\nstory_lookback_days = 7\n[recluster]\nmax_articles = 300\n"
                          "[summarize]\npool = 99\n[related]\nmax_related = 2\n[watch]\nmax_backoff_seconds = 60\n")
    code = ("from newsdesk import watch\nfrom newsdesk.pipeline import stages as pipeline_stages, stream\n"
            "from newsdesk.stages import cluster, recluster, summarize\n"
            "print(cluster.STORY_LOOKBACK_DAYS, recluster.MAX_ARTICLES, stream.MAX_WINDOW, summarize.POOL,"
            " pipeline_stages.RELATED_MAX, watch.MAX_BACKOFF.total_seconds())")
    env = {**os.environ, "NEWSDESK_CONFIG": str(path)}
    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["7.0", "300", "300", "99", "2", "60.0"]


def test_load_comes_before_the_stages_and_is_passed_on(tmp_path):
    path = toml(tmp_path, "[cluster]\nmax_candidates = 3\n")
    other = tmp_path / "other.toml"
    other.write_text("[cluster]\nmax_candidates = 4\n")
    code = ("import os\nfrom newsdesk import settings\nsettings.load(os.environ['CFG'])\n"
            "from newsdesk.stages import cluster\nprint(cluster.MAX_CANDIDATES, os.environ['NEWSDESK_CONFIG'])\n"
            "settings.load(os.environ['CFG'])  # the same settings again: nothing to refuse\n"
            "try:\n    settings.load(os.environ['OTHER'])\nexcept settings.SettingsError as e:\n"
            "    print('refused:', e)\n")
    env = {k: v for k, v in os.environ.items() if k != "NEWSDESK_CONFIG"} | {"CFG": str(path), "OTHER": str(other)}
    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"3 {path.resolve()}" and lines[1].startswith("refused: ")


def test_the_docs_are_written_from_the_dataclasses():
    """docs/settings.md is `python -m newsdesk.settings`'s output: edit the dataclasses, then rewrite it."""
    assert (ROOT / "docs" / "settings.md").read_text() == markdown(), \
        "docs/settings.md is out of date: python -m newsdesk.settings > docs/settings.md"
    for section, cls in settings.SECTIONS.items():
        for name in cls.__dataclass_fields__:
            assert f"`{name}`" in markdown() and f"NEWSDESK_{section.upper()}_{name.upper()}" in markdown()
            assert cls.__dataclass_fields__[name].metadata.get("doc"), f"[{section}] {name} has no doc"


def test_serve_flags_come_before_the_file(monkeypatch, tmp_path):
    path = toml(tmp_path, "[server]\npublic_url = 'https://news.example.org'\nallowed_hosts = ['desk.lan']\n"
                          "read_only = true\nport = 8100\n")
    monkeypatch.setattr(settings, "_current", read(path, environ={}))
    s = settings.ServerSettings.from_env(host="0.0.0.0", allowed_hosts=["a.lan"])
    assert (s.host, s.port, s.public_url, s.allowed_hosts, s.read_only) == (
        "0.0.0.0", 8100, "https://news.example.org", ("a.lan", "desk.lan"), True)
    assert settings.ServerSettings.from_env(port=9000, public_url="").base_url == "http://127.0.0.1:9000"


def test_the_config_option_is_read_before_the_verb_runs(tmp_path):
    """`--config` (before or after the verb) sets what the stages read; a bad file is a usage error naming it."""
    from conftest import run_cli

    record = '{"id": "a1", "title": "A long one", "text": "' + "Words of a story. " * 200 + '"}\n'
    (tmp_path / "in.jsonl").write_text(record)
    small = tmp_path / "small.toml"
    small.write_text("[limits]\ninput_bytes = 1000\n")
    db = str(tmp_path / "n.db")
    default = run_cli("ingest", str(tmp_path / "in.jsonl"), db=db)
    assert default.returncode == 0, default.stderr
    capped = run_cli("ingest", str(tmp_path / "in.jsonl"), "--config", str(small), db=str(tmp_path / "m.db"))
    assert capped.returncode == 1 and "1000" in capped.stderr.replace(",", ""), capped.stderr

    bad = tmp_path / "bad.toml"
    bad.write_text("[limits]\nno_such_key = 1\n")
    r = run_cli("--config", str(bad), "check", db=db)
    assert r.returncode == 2 and "no_such_key" in r.stderr and "bad.toml" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_a_bad_server_value_is_a_settings_error_not_an_exit():
    with pytest.raises(settings.SettingsError):
        settings.ServerSettings.from_env(public_url="not a url")
