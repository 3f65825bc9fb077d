"""A small news site on 127.0.0.1 for the feed, fetch and hostile-input tests: real HTTP, no internet.

Routes are a dict path -> handler(request) -> (status, headers, body) that tests change while it runs, so a test can
"publish" a new item by adding it to the feed. Every request is logged as (method, path, headers).
"""
from __future__ import annotations

import gzip
import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

BODIES = {
    "tram": ("The city council approved a new tram line on Monday after a long debate. The line will link the "
             "northern suburbs with the central station. Construction is expected to start next spring and cost "
             "about 400 million euros. Opponents said buses would have been cheaper, but the transport minister "
             "called the vote a turning point for commuters.",
             "Engineers will survey the route over the summer. Shops along the avenue fear months of roadworks, "
             "and the council promised compensation for lost trade during the busiest weeks."),
    "harbour": ("Divers and volunteers began clearing the old harbour of sunken boats and rubbish on Tuesday. "
                "The port authority said more than 200 tonnes of waste lie on the seabed. Fishermen welcomed the "
                "work, which should let larger vessels dock again by autumn.",
                "Marine biologists will check the water quality every week. The cleanup is funded by a regional "
                "grant and a levy on cruise passengers, according to the harbour master."),
    "school": ("The regional parliament doubled the budget for school repairs on Friday. Hundreds of classrooms "
               "have leaking roofs and broken heating, teachers' unions said. The money will come from a fund "
               "that was set aside for road building, which angered the opposition.",
               "Head teachers must apply for the money before the end of the year. Inspectors will rank the "
               "buildings by urgency, starting with those where pupils were moved out last winter."),
}


def article_html(title: str, topic: str, day: str = "Monday", extra: str = "", charset: str = "utf-8",
                 date: str = "2024-05-06T09:00:00+02:00") -> str:
    key = next((k for k in BODIES if k in topic), "tram")
    first, second = BODIES[key]
    return f"""<!doctype html><html lang="en"><head><meta charset="{charset}">
<title>{title} | Local Gazette</title><meta property="og:site_name" content="Local Gazette">
<meta property="article:published_time" content="{date}"></head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<article><h1>{title}</h1><p class="byline">By Ann Writer</p><p>{first}</p>
<p>{second}</p>{extra}</article><footer>Copyright Local Gazette</footer></body></html>"""


def rss(items: list[dict], title: str = "Local Gazette") -> str:
    entries = "".join(
        f"<item><title>{i['title']}</title><link>{i['link']}</link><guid>{i['link']}</guid>"
        f"<pubDate>{i.get('date', 'Mon, 06 May 2024 07:00:00 GMT')}</pubDate></item>" for i in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.invalid/</link><description>news</description>{entries}</channel></rss>")


Handler = Callable[["Request"], tuple[int, dict, bytes]]


class Request:
    def __init__(self, method: str, path: str, headers: dict):
        self.method, self.path, self.headers = method, path, headers


def static(body: bytes | str, ctype: str = "text/html; charset=utf-8", status: int = 200, headers=None,
           etag: bool = False) -> Handler:
    data = body.encode() if isinstance(body, str) else body

    def handler(req: Request):
        h = {"Content-Type": ctype, **(headers or {})}
        if etag:
            tag = '"' + hashlib.sha1(data).hexdigest()[:12] + '"'
            h["ETag"] = tag
            h["Last-Modified"] = "Mon, 06 May 2024 07:00:00 GMT"
            if req.headers.get("if-none-match") == tag:
                return 304, {"ETag": tag}, b""
        return status, h, data

    return handler


def gzipped(data: bytes, ctype: str = "text/html") -> Handler:
    packed = gzip.compress(data)
    return lambda req: (200, {"Content-Type": ctype, "Content-Encoding": "gzip"}, packed)


class NewsServer:
    def __init__(self):
        self.routes: dict[str, Handler] = {"/robots.txt": static("User-agent: *\nAllow: /\n", "text/plain")}
        self.log: list[tuple[str, str, dict]] = []
        self.status_log: list[tuple[str, int]] = []
        server = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.log.append(("GET", self.path, headers))
                handler = server.routes.get(self.path)
                if handler is None:
                    status, h, body = 404, {"Content-Type": "text/plain"}, b"not found"
                else:
                    status, h, body = handler(Request("GET", self.path, headers))
                server.status_log.append((self.path, status))
                self.send_response(status)
                if "Content-Length" not in h:
                    h = {**h, "Content-Length": str(len(body))}
                for k, v in h.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests_to(self, path: str) -> int:
        return sum(1 for _, p, _ in self.log if p == path)

    def __enter__(self) -> "NewsServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


RawHandler = Callable[["RawConnection"], None]


class RawConnection:
    """One accepted connection of a RawServer: the socket, what the client sent, and the server's stop flag."""

    def __init__(self, sock, stop: threading.Event):
        self.sock, self.stop, self.received = sock, stop, b""
        # monotonic times, so a test can time the client's wait from the server's side, free of its start-up
        self.requested_at: float | None = None
        self.client_left_at: float | None = None

    def read_request(self, wait: float = 5.0) -> bytes:
        """Reads until the end of the request head (or the client closes, or `wait` passes); returns what came."""
        self.sock.settimeout(wait)
        try:
            while b"\r\n\r\n" not in self.received:
                data = self.sock.recv(4096)
                if not data:
                    break
                self.received += data
        except OSError:
            pass
        self.requested_at = time.monotonic()
        return self.received

    def send_slowly(self, data: bytes, interval: float) -> None:
        """One byte every `interval` seconds until all is sent, the client leaves or the server stops."""
        for i in range(len(data)):
            if self.stop.wait(interval):
                return
            try:
                self.sock.sendall(data[i:i + 1])
            except OSError:
                self.client_left_at = time.monotonic()
                return


class RawServer:
    """A TCP server on 127.0.0.1 that runs `handler(connection)` for each connection in a thread of its own: for
    servers that misbehave below HTTP (trickling a status line, never answering), which http.server cannot play."""

    def __init__(self, handler: RawHandler):
        import socket

        self.handler = handler
        self.stop = threading.Event()
        self.connections: list[RawConnection] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            conn = RawConnection(sock, self.stop)
            self.connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: RawConnection) -> None:
        try:
            self.handler(conn)
            self.stop.wait()  # keep the connection open: closing it would end the client's wait early
        finally:
            conn.sock.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> "RawServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        import socket

        self.stop.set()
        self.listener.close()
        for conn in self.connections:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def http_response(body: bytes, ctype: str = "text/html; charset=utf-8", status: str = "200 OK",
                  pad: int = 0) -> tuple[bytes, bytes]:
    """(head, body) of a plain HTTP/1.1 response; `pad` adds a header of that many bytes, so that a trickled head
    takes as long as a test needs."""
    head = (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            + (f"X-Padding: {'p' * pad}\r\n" if pad else "") + "\r\n").encode()
    return head, body


def trickle_head(body: bytes, interval: float, pad: int, ctype: str = "text/html; charset=utf-8") -> RawHandler:
    """Status line and headers one byte at a time, then the body at once."""
    head, body = http_response(body, ctype, pad=pad)

    def handler(conn: RawConnection) -> None:
        conn.read_request()
        conn.send_slowly(head, interval)
        if not conn.stop.is_set():
            try:
                conn.sock.sendall(body)
            except OSError:  # the client gave up
                pass

    return handler


def trickle_body(body: bytes, interval: float, ctype: str = "text/html; charset=utf-8") -> RawHandler:
    """Status line and headers at once, then the body one byte at a time."""
    head, body = http_response(body, ctype)

    def handler(conn: RawConnection) -> None:
        conn.read_request()
        try:
            conn.sock.sendall(head)
        except OSError:
            return
        conn.send_slowly(body, interval)

    return handler


def silent(conn: RawConnection) -> None:
    """Accepts, reads the request, never answers."""
    conn.read_request()


class FullBacklog:
    """A port on 127.0.0.1 whose listen queue is full and never accepted from: a connect to it neither succeeds nor
    fails, as with a host that drops packets."""

    def __enter__(self) -> "FullBacklog":
        import socket

        self.listener = socket.create_server(("127.0.0.1", 0), backlog=0)
        self.port = self.listener.getsockname()[1]
        self.filler = socket.create_connection(("127.0.0.1", self.port), timeout=5)  # takes the only place
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __exit__(self, *exc) -> None:
        self.filler.close()
        self.listener.close()
