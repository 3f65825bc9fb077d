"""Helpers for tests that write through the web app: credentials made as `newsdesk token --reset` makes them, a
client that sends them as a bearer token, and one logged in through /login as a person is."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from newsdesk.store import Store
from newsdesk.web import create_app

LOCAL = "http://127.0.0.1:8000"  # the public URL, hence an allowed host, of a create_app() given no settings


def make_token(db_path: str) -> str:
    from newsdesk.web.auth import reset_token

    with Store(db_path) as store:
        return reset_token(store)


def api_client(db_path: str, token: str | None = None, settings=None) -> TestClient:
    token = token or make_token(db_path)
    return TestClient(create_app(db_path, settings), base_url=LOCAL, headers={"Authorization": f"Bearer {token}"})


def login(client: TestClient, token: str) -> None:
    r = client.post("/login", data={"token": token, "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text


def browser_client(db_path: str, token: str | None = None, settings=None, base_url: str = LOCAL) -> TestClient:
    """Logged in through the /login form; the client keeps the session cookie as a browser does."""
    client = TestClient(create_app(db_path, settings), base_url=base_url)
    login(client, token or make_token(db_path))
    return client


def csrf_token(client: TestClient, path: str) -> str:
    """The hidden CSRF field of the first form on a page, as the browser would post it."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)
