"""Soak benchmark: `newsdesk serve` polling feedparser's test corpus and hostile feeds beside good feeds, for minutes.

    .venv/bin/python benchmarks/soak.py [--minutes 4] [--good 10] [--every 20]

A server on 127.0.0.1 (a thread of this script) offers:
- `--good` good RSS feeds, each publishing a new item (a page of the bundled Wikinews sample) every `--every`
  seconds;
- feedparser's test corpus (tests/data/feedparser, 2,107 feeds: every encoding, ill-formed XML, entities), each
  file served with the HTTP headers its comment names, as feedparser's own harness serves them;
- hostile feeds: headers or body trickled a byte at a time, a server that never answers, gzip bombs with and
  without Content-Encoding, an entity bomb, a 50 MB feed, a feed of 5,000 items whose pages never answer, a
  redirect loop, 503 with Retry-After, invalid UTF-8, a JSON Feed with objects for strings.

Two runs of `--minutes` each, in one invocation: the good feeds alone (the baseline), then the good feeds beside
the corpus and the hostile feeds. Each run is the real `newsdesk serve` (feeds polled every 10 s, a look for due
feeds every 2 s) in a subprocess; the script reads the home page and /api/stories every 2 s as a reader would,
samples the server's memory (VmRSS), and at the end waits for the last published items, stops the server with
SIGTERM and reads the store. It prints, per run: feeds, polls made (feed requests the server answered), feeds
with a recorded error, good items published / stored as articles / missed, the longest delay from publication to
article, home page and API answers (failed, p50, p99), memory at start (after the first minute's polls begin) and
end, and how long the server took to stop.
"""
from __future__ import annotations

import argparse
import calendar
import gzip
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from newsdesk.sources.sample import sample_records
from newsdesk.store import Store

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "feedparser" / "feedparser-tests.tar.gz"
HEADER_LINE = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)
POLL_SECONDS = 10
TICK = 2.0
TOKEN = "soak-benchmark-token"
CORPUS_HOSTS = 16  # the corpus is spread over this many servers, as feeds are over hosts


def corpus() -> dict[str, tuple[bytes, dict[str, str]]]:
    """path -> (body, headers) as feedparser's harness serves its files (text/xml unless a Header: line says)."""
    out = {}
    with tarfile.open(CORPUS) as tar:
        for m in tar.getmembers():
            if not m.isfile():
                continue
            data = tar.extractfile(m).read()
            headers = {k.strip(): v.strip() for k, v in HEADER_LINE.findall(data.decode("utf-8", "ignore"))}
            headers.setdefault("Content-Type", "text/xml")
            out["/fp/" + m.name] = (data, headers)
    return out


class Site:
    """Everything the script serves; `published[feed]` lists (item path, publication time) as items appear."""

    def __init__(self, good: int, every: float, with_hostile: bool):
        self.records = [r for r in sample_records() if len(r.get("text", "")) > 400]
        self.good, self.every = good, every
        self.started = time.time()
        self.published: dict[int, list[tuple[str, float]]] = {g: [] for g in range(good)}
        self.requests: dict[str, int] = {}
        self.lock = threading.Lock()
        self.corpus = corpus() if with_hostile else {}
        self.hostile = HOSTILE if with_hostile else {}
        self.publishing = True

    def feed_paths(self) -> list[str]:
        return [f"/good/{g}.xml" for g in range(self.good)] + sorted(self.corpus) + sorted(self.hostile)

    def server_of(self, path: str) -> int:
        """Which of the servers (each a host of its own to the poller) offers `path`: the good feeds one, the
        corpus spread over CORPUS_HOSTS, each hostile feed one of its own."""
        if path.startswith("/good/"):
            return 0
        if path in self.corpus:
            return 1 + sum(path.encode()) % CORPUS_HOSTS
        return 1 + CORPUS_HOSTS + sorted(self.hostile).index(path)

    def servers(self) -> int:
        return 1 + (CORPUS_HOSTS + len(self.hostile) if self.corpus or self.hostile else 0)

    def publish_due(self) -> None:
        """Each good feed publishes its n-th item at n * every seconds (staggered by feed)."""
        if not self.publishing:
            return
        now = time.time()
        with self.lock:
            for g, items in self.published.items():
                due = int((now - self.started + g * self.every / self.good) / self.every) + 1
                while len(items) < due:
                    items.append((f"/good/{g}/{len(items)}.html", now))

    def good_feed(self, g: int) -> bytes:
        self.publish_due()
        with self.lock:
            items = list(self.published[g])[-20:]
        entries = "".join(
            f"<item><title>Item {p.rsplit('/', 1)[1]}</title><link>{{base}}{p}</link><guid>{{base}}{p}</guid>"
            f"<pubDate>{time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime(t))}</pubDate></item>"
            for p, t in reversed(items))
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Good {g}</title>'
                f"<link>http://good.example/{g}</link><description>d</description>{entries}</channel></rss>").encode()

    def good_page(self, g: int, n: int) -> bytes:
        r = self.records[(g * 37 + n) % len(self.records)]
        paras = "".join(f"<p>{escape(p)}</p>" for p in r["text"].split("\n") if p.strip())
        # the same sample article reaches several feeds: a line of its own keeps each page an article of its own
        return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(r['title'])}</title>"
                f"<meta property='og:site_name' content='Good {g}'></head><body><article><h1>{escape(r['title'])}"
                f"</h1><p>Filed by desk {g}, item {n}, for the soak benchmark of newsdesk.</p>{paras}</article>"
                "</body></html>").encode()


def _bomb(size: int) -> bytes:
    return gzip.compress(b"<rss>" + b"\0" * size, compresslevel=9)


BIG = b'<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>' + b"<!-- x -->" * 5_000_000
ITEMS_5000 = ('<?xml version="1.0"?><rss version="2.0"><channel><title>many</title>' + "".join(
    f"<item><title>t{i}</title><link>{{base}}/hostile/tarpit/{i}</link></item>" for i in range(5000))
    + "</channel></rss>")
ENTITY_BOMB = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
               b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><rss version="2.0"><channel><title>&c;</title></channel></rss>')
ODD_JSON = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": {"x": 1},
                       "items": [{"id": {"a": 1}, "url": ["x"], "title": 5}, {"id": "2", "title": [1, 2]}]}).encode()
# path -> (kind, payload); the handler below plays each kind
HOSTILE = {
    "/hostile/trickle-head.xml": ("trickle-head", None), "/hostile/trickle-body.xml": ("trickle-body", None),
    "/hostile/silent.xml": ("silent", None), "/hostile/bomb-ce.xml": ("bomb-ce", _bomb(200_000_000)),
    "/hostile/bomb-sniffed.xml": ("bomb-sniffed", _bomb(200_000_000)), "/hostile/entities.xml": ("xml", ENTITY_BOMB),
    "/hostile/big.xml": ("xml", BIG), "/hostile/5000-items.xml": ("items", ITEMS_5000),
    "/hostile/loop.xml": ("loop", None), "/hostile/503.xml": ("503", None),
    "/hostile/bad-utf8.xml": ("xml", b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>'
                              b"caf\xe9 \xff\xfe</title><item><title>\xc3</title><link>/x</link></item></channel></rss>"),
    "/hostile/odd.json": ("json", ODD_JSON),
}


def make_handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send(self, status: int, body: bytes, ctype: str = "application/rss+xml", **headers) -> None:
            self.send_response(status)
            for k, v in {"Content-Type": ctype, "Content-Length": str(len(body)), **headers}.items():
                self.send_header(k.replace("_", "-"), v)
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass

        def do_GET(self):  # noqa: C901 - one branch per kind of response, on purpose
            path = self.path.split("?")[0]
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            with site.lock:
                site.requests[path] = site.requests.get(path, 0) + 1
            if path == "/robots.txt":
                return self.send(200, b"User-agent: *\nAllow: /\n", "text/plain")
            if m := re.fullmatch(r"/good/(\d+)\.xml", path):
                return self.send(200, site.good_feed(int(m[1])).replace(b"{base}", base.encode()))
            if m := re.fullmatch(r"/good/(\d+)/(\d+)\.html", path):
                return self.send(200, site.good_page(int(m[1]), int(m[2])), "text/html; charset=utf-8")
            if path in site.corpus:
                body, headers = site.corpus[path]
                return self.send(200, body, **{k: v for k, v in headers.items() if k.lower() != "content-length"})
            kind, payload = site.hostile.get(path, (None, None))
            try:
                if kind == "trickle-head":
                    for ch in b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n" + b"X-Pad: " + b"p" * 200:
                        self.wfile.write(bytes([ch]))
                        self.wfile.flush()
                        time.sleep(0.5)
                elif kind == "trickle-body":
                    self.send_response(200)
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    for _ in range(600):
                        self.wfile.write(b"<")
                        self.wfile.flush()
                        time.sleep(0.5)
                elif kind == "silent":
                    time.sleep(600)
                elif kind == "bomb-ce":
                    self.send(200, payload, Content_Encoding="gzip")
                elif kind == "bomb-sniffed":
                    self.send(200, payload, "application/octet-stream")
                elif kind == "xml":
                    self.send(200, payload)
                elif kind == "items":
                    self.send(200, payload.replace("{base}", base).encode())
                elif kind == "loop":
                    self.send(302, b"", Location=path)
                elif kind == "503":
                    self.send(503, b"busy", "text/plain", Retry_After="3600")
                elif kind == "json":
                    self.send(200, payload, "application/feed+json")
                elif path.startswith("/hostile/tarpit/"):
                    time.sleep(600)
                else:
                    self.send(404, b"not found", "text/plain")
            except OSError:  # the client gave up on a trickle or a tarpit: what it should do
                pass

    return Handler


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def soak(name: str, minutes: float, good: int, every: float, with_hostile: bool) -> dict:
    site = Site(good, every, with_hostile)
    servers = []
    for _ in range(site.servers()):
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site))
        httpd.daemon_threads = True
        httpd.handle_error = lambda request, address: None  # a poller giving up on a trickle is expected
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
    base = f"http://127.0.0.1:{servers[0].server_address[1]}"  # the good feeds' server
    result: dict = {"run": name}
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "soak.db")
        urls = [f"http://127.0.0.1:{servers[site.server_of(p)].server_address[1]}{p}" for p in site.feed_paths()]
        added = subprocess.run([sys.executable, "-m", "newsdesk.cli", "--db", db, "feeds", "add", "--every",
                                str(POLL_SECONDS), *urls], cwd=ROOT, capture_output=True, text=True)
        assert added.returncode == 0, added.stderr
        port = free_port()
        env = {**os.environ, "NEWSDESK_TOKEN": TOKEN}
        server = subprocess.Popen(
            [sys.executable, "-m", "newsdesk.cli", "--db", db, "serve", "--port", str(port), "--tick", str(TICK),
             "--allow-private", "--host-delay", "0"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        app = f"http://127.0.0.1:{port}"
        latencies: dict[str, list[float]] = {"/": [], "/api/stories": []}
        failed_reads = 0
        memory: list[tuple[float, float]] = []
        started = time.monotonic()
        end = started + minutes * 60
        try:
            while time.monotonic() < end:
                site.publish_due()
                for path in latencies:
                    t = time.perf_counter()
                    try:
                        with urllib.request.urlopen(app + path, timeout=30) as r:
                            r.read()
                            ok = r.status == 200
                    except OSError:
                        ok = False
                    if ok:
                        latencies[path].append(time.perf_counter() - t)
                    elif time.monotonic() - started > 10:  # the first seconds are the server starting
                        failed_reads += 1
                if server.poll() is not None:
                    raise RuntimeError(f"serve exited: {server.stderr.read()[-2000:]}")
                memory.append((time.monotonic() - started, rss_mb(server.pid)))
                time.sleep(2)
            site.publishing = False
            published = {p: t for items in site.published.values() for p, t in items}
            grace = time.monotonic() + 120  # the last items: a poll, their pages, and a build
            while time.monotonic() < grace:
                with Store(db) as store:
                    stored = {r[0] for r in store.db.execute("SELECT url FROM articles")}
                    if all(base + p in stored for p in published) and not store.stale_story_ids() \
                            and not store.has_unassigned_articles():
                        break
                time.sleep(2)
            memory.append((time.monotonic() - started, rss_mb(server.pid)))
        finally:
            stop_at = time.monotonic()
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
                result["stop s"] = time.monotonic() - stop_at
            except subprocess.TimeoutExpired:
                server.kill()
                result["stop s"] = float("inf")
            for httpd in servers:
                httpd.shutdown()
        feed_paths = set(site.feed_paths())
        with Store(db) as store:
            stored = {r[0]: r[1] for r in store.db.execute("SELECT url, ingested_at FROM articles")}
            feeds = store.feeds()
            erring = [f for f in feeds if f["last_error"]]
            live = store.live_story_ids()
            result.update({
                "feeds": len(feeds),
                "polls": sum(n for p, n in site.requests.items() if p in feed_paths),
                "feeds polled": sum(1 for p in feed_paths if site.requests.get(p)),
                "feeds with an error": len(erring),
                "good feeds with an error": sum(1 for f in erring if "/good/" in f["url"]),
                "good items": len(published),
                "stored": sum(1 for p in published if base + p in stored),
                "stories": len(live),
                "stories without brief": sum(1 for s in live if not (store.get_story(s).brief or None)),
            })
        lags = []
        for p, t in published.items():
            if base + p in stored:
                when = calendar.timegm(time.strptime(stored[base + p][:19], "%Y-%m-%dT%H:%M:%S"))
                lags.append(when - t)
        result["missed"] = result["good items"] - result["stored"]
        result["longest lag s"] = max(lags) if lags else float("nan")
        result["reads failed"] = failed_reads
        for path, values in latencies.items():
            values.sort()
            result[f"{path} p50 ms"] = 1000 * statistics.median(values) if values else float("nan")
            result[f"{path} p99 ms"] = 1000 * values[int(0.99 * (len(values) - 1))] if values else float("nan")
        first = next((m for t, m in memory if t >= 60), memory[0][1] if memory else 0.0)
        result["memory after 1 min MB"] = first
        result["memory at end MB"] = memory[-1][1] if memory else 0.0
        result["memory peak MB"] = max((m for _, m in memory), default=0.0)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=4.0, help="length of each of the two runs (default 4)")
    ap.add_argument("--good", type=int, default=10, help="good feeds (default 10)")
    ap.add_argument("--every", type=float, default=20.0, help="seconds between two items of a good feed (default 20)")
    args = ap.parse_args()
    runs = [soak("good feeds alone", args.minutes, args.good, args.every, with_hostile=False),
            soak("good + corpus + hostile", args.minutes, args.good, args.every, with_hostile=True)]
    keys = [k for k in runs[0] if k != "run"]
    print(f"{'':<26}" + "".join(f"{r['run']:>26}" for r in runs))
    for k in keys:
        cells = "".join(f"{r[k]:>26.1f}" if isinstance(r[k], float) else f"{r[k]:>26}" for r in runs)
        print(f"{k:<26}{cells}")
    bad = runs[1]["missed"] or runs[1]["good feeds with an error"] or runs[1]["reads failed"] \
        or runs[1]["stories without brief"]
    print("good feeds never missed, every read answered: " + ("NO" if bad else "yes"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
