"""The command line itself: global options before or after the verb, every verb listed, one error handler."""
import os
import subprocess
import sys

from conftest import ROOT, run_cli

VERBS = ("ingest", "build", "check", "serve", "demo", "token", "export", "summarize", "cluster", "facts", "places",
         "extract", "feeds", "watch", "eval")


def test_global_options_go_before_or_after_the_verb(tmp_path):
    first, second, third = (str(tmp_path / f"{n}.db") for n in ("first", "second", "third"))
    r = run_cli("feeds", "add", "https://a.example/feed.xml", "--db", first)
    assert r.returncode == 0 and "added feed 1" in r.stdout, r.stderr
    assert "https://a.example/feed.xml" in run_cli("-q", "feeds", "list", db=first).stdout
    r = run_cli("--db", second, "feeds", "list", "-q", "--db", first)  # the one given last holds
    assert "https://a.example/feed.xml" in r.stdout and not os.path.exists(second)
    env = dict(os.environ, NEWSDESK_DB=third)
    r = subprocess.run([sys.executable, "-m", "newsdesk.cli", "feeds", "list"], capture_output=True, text=True,
                       cwd=ROOT, env=env, timeout=60)
    assert r.returncode == 0 and "no feeds" in r.stdout and os.path.exists(third)


def test_help_lists_every_verb_with_its_whole_line():
    r = run_cli("--help")
    assert r.returncode == 0
    words = " ".join(r.stdout.split())
    for verb in VERBS:
        assert f"\n  {verb} " in r.stdout, verb
    assert "the last line for an id holds" in words  # the longest help line, not cut short
    assert all(f"`newsdesk eval {name}`" in run_cli("eval", "-h").stdout for name in ("cluster", "facts", "summarize"))
    assert run_cli("--version").stdout.startswith("newsdesk ")


def test_usage_errors_exit_2_and_newsdesk_errors_their_status(tmp_path, db_path):
    for args in ((), ("build", "--no-such-option"), ("ingest",), ("feeds",), ("feeds", "add", "--every", "0", "x")):
        r = run_cli(*args, db=db_path)
        assert r.returncode == 2 and "Traceback" not in r.stderr, (args, r.stderr)
    missing = str(tmp_path / "missing.opml")
    r = run_cli("feeds", "import", missing, db=db_path)  # an InputError, printed by the one handler
    assert r.returncode == 1 and r.stderr.startswith(f"newsdesk: {missing}: ") and "Traceback" not in r.stderr
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database at all" * 100)
    r = run_cli("check", db=str(damaged))  # a StoreError
    assert r.returncode == 1 and r.stderr.startswith(f"newsdesk: {damaged}") and "Traceback" not in r.stderr


def test_main_returns_the_exit_status(tmp_path, capsys):
    from newsdesk.cli import main

    assert main(["--db", str(tmp_path / "a.db"), "feeds", "list"]) == 0
    assert "no feeds" in capsys.readouterr().out
    assert main(["feeds", "import", str(tmp_path / "missing.opml"), "--db", str(tmp_path / "a.db")]) == 1
    assert main(["no-such-verb"]) == 2
