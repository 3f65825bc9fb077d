"""Who may change the desk: every write needs credentials (a bearer token, or a login session plus the form's CSRF
token), the server is read-only without any, forms come only to a logged-in user, requests for other host names
are refused, and absolute links come from the public URL. A real SQLite store, the real app, and Chromium for the
cross-site attack."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webauth import LOCAL, api_client, browser_client, csrf_token, login, make_token

from newsdesk.store import Store
from newsdesk.store.postgres import is_url
from newsdesk.web import create_app
from test_web import ATOM, _entries, db  # noqa: F401 - db is the fixture: two stories, six articles

from _common import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def state(path: str) -> tuple:
    """Everything a write could change: feeds, article placement, merges."""
    with Store(path) as store:
        return (tuple(f["url"] for f in store.feeds()),
                tuple((a.id, a.story_id) for a in store.articles()),
                tuple(sorted(store.redirected_stories().items())))


def all_routes(routes) -> list:
    """Routes of routers included in the app too (FastAPI keeps those as one entry holding `original_router`)."""
    flat = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        flat += all_routes(inner.routes) if inner is not None else [route]
    return flat


def write_requests(app, db: dict) -> list[tuple[str, str, dict]]:
    """Every non-GET route of the app with a body it would accept, found from the app itself so that a route
    added later is covered too."""
    s1, s2, a1 = db["s1"], db["s2"], db["a1"].id
    bodies = {
        "/feeds": {"data": {"url": "https://news.example/rss"}},
        "/api/feeds": {"json": {"url": "https://news.example/rss"}},
        "/stories/{story_id}/move": {"data": {"article_id": str(a1), "to": ""}},
        "/stories/{story_id}/merge": {"data": {"into": str(s2)}},
        "/api/stories/{story_id}/move": {"json": {"article_id": a1}},
        "/api/stories/{story_id}/merge": {"json": {"into": s2}},
    }
    found = []
    for route in all_routes(app.routes):
        for method in sorted(set(getattr(route, "methods", None) or ()) - {"GET", "HEAD"}):
            if route.path == "/login":  # the one write open to strangers: how credentials become a session
                continue
            found.append((method, route.path.replace("{story_id}", str(s1)), bodies.get(route.path, {"data": {}})))
    assert {p for _, p, _ in found} >= {"/feeds", "/api/feeds", f"/stories/{s1}/move", f"/api/stories/{s1}/merge"}
    return found


# -- writes need credentials ------------------------------------------------------------------------------------
def test_every_write_is_refused_without_credentials(db):
    before = state(db["path"])
    app = create_app(db["path"])  # no credentials in the database, no token given: read-only
    client = TestClient(app, base_url=LOCAL)
    for method, path, body in write_requests(app, db):
        r = client.request(method, path, follow_redirects=False, **body)
        assert r.status_code == 403, (method, path, r.status_code)
        assert "read-only" in r.text and "newsdesk token --reset" in r.text, r.text
    assert state(db["path"]) == before

    make_token(db["path"])  # now writes are possible, but only with the credentials
    for method, path, body in write_requests(app, db):
        r = client.request(method, path, follow_redirects=False, **body)
        assert r.status_code == 401, (method, path, r.status_code)
        r = client.request(method, path, follow_redirects=False, headers={"Authorization": "Bearer not-the-token"},
                           **body)
        assert r.status_code == 401, (method, path, r.status_code)
    assert state(db["path"]) == before
    api = client.post("/api/feeds", json={"url": "https://news.example/rss"})
    assert api.json()["detail"].startswith("log in") and api.headers["www-authenticate"] == "Bearer"
    page = client.post(f"/stories/{db['s1']}/merge", data={"into": str(db["s2"])},
                       headers={"Referer": f"{LOCAL}/stories/{db['s1']}"})  # the page the form was on
    assert "text/html" in page.headers["content-type"] and f'href="/login?next=/stories/{db["s1"]}"' in page.text


@pytest.mark.slow
def test_writes_are_accepted_with_a_bearer_token(db):
    token = make_token(db["path"])
    client = api_client(db["path"], token)
    r = client.post("/api/feeds", json={"url": "https://news.example/rss"})
    assert r.status_code == 201 and r.json()["url"] == "https://news.example/rss"
    r = client.post(f"/api/stories/{db['s1']}/move", json={"article_id": db["a1"].id})
    assert r.status_code == 200 and r.json()["from_story"] == db["s1"]
    # a bearer token is not sent by a browser on its own, so a form route takes it without a CSRF field
    assert client.post("/feeds", data={"url": "https://other.example/rss"}, follow_redirects=False).status_code == 303
    assert len(state(db["path"])[0]) == 2


def test_a_form_from_another_site_or_without_the_csrf_token_changes_nothing(db):
    token = make_token(db["path"])
    client = browser_client(db["path"], token)
    merge, into = f"/stories/{db['s1']}/merge", {"into": str(db["s2"])}
    csrf = csrf_token(client, f"/stories/{db['s1']}")
    before = state(db["path"])
    assert client.post(merge, data=into, follow_redirects=False).status_code == 403  # the session alone is not enough
    assert client.post(merge, data={**into, "csrf_token": "forged"}, follow_redirects=False).status_code == 403
    r = client.post(merge, data={**into, "csrf_token": csrf}, headers={"Origin": "https://evil.example"},
                    follow_redirects=False)
    assert r.status_code == 403 and "evil.example" in r.text
    for origin in ("http://127.0.0.1:9999", "null"):  # another service on this machine, a sandboxed frame
        r = client.post(merge, data={**into, "csrf_token": csrf}, headers={"Origin": origin}, follow_redirects=False)
        assert r.status_code == 403, origin
    other = browser_client(db["path"], token)  # another session's token does not fit this one
    assert client.post(merge, data={**into, "csrf_token": csrf_token(other, "/feeds")},
                       follow_redirects=False).status_code == 403
    assert state(db["path"]) == before
    r = client.post(merge, data={**into, "csrf_token": csrf}, headers={"Origin": LOCAL}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/stories/{db['s2']}"
    assert dict(state(db["path"])[2]) == {db["s1"]: db["s2"]}
    # the API takes a session too, with the token in a header (what a script on the page would send)
    r = client.post("/api/feeds", json={"url": "https://news.example/rss"})
    assert r.status_code == 403
    r = client.post("/api/feeds", json={"url": "https://news.example/rss"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201


def test_forms_are_shown_only_to_a_logged_in_user(db):
    token = make_token(db["path"])
    anonymous = TestClient(create_app(db["path"]), base_url=LOCAL)
    story, feeds = anonymous.get(f"/stories/{db['s1']}").text, anonymous.get("/feeds").text
    assert 'method="post"' not in story and 'method="post"' not in feeds
    assert f'<a href="/login?next=/stories/{db["s1"]}">Log in to correct the grouping</a>' in story
    assert '<a href="/login?next=/feeds">Log in to add feeds</a>' in feeds
    assert 'href="/login' in anonymous.get("/").text
    client = browser_client(db["path"], token)
    story, feeds = client.get(f"/stories/{db['s1']}").text, client.get("/feeds").text
    assert story.count('name="csrf_token"') == 3  # move, merge, log out
    assert 'action="/feeds"' in feeds and 'action="/logout"' in feeds and "Log in to" not in feeds


def cookie_attributes(set_cookie: str) -> dict[str, str]:
    parts = [p.strip() for p in set_cookie.split(";")]
    return {k.lower(): v for k, _, v in (p.partition("=") for p in parts[1:])}


def test_login_gives_a_hardened_session_cookie_that_logout_and_expiry_end(db):
    token = make_token(db["path"])
    client = TestClient(create_app(db["path"]), base_url=LOCAL)
    r = client.post("/login", data={"token": "wrong", "next": "/feeds"}, follow_redirects=False)
    assert r.status_code == 401 and "set-cookie" not in r.headers and "not valid" in r.text
    r = client.post("/login", data={"token": f"  {token}\n", "next": "/feeds"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/feeds"
    attrs = cookie_attributes(r.headers["set-cookie"])
    assert "httponly" in attrs and attrs["samesite"].lower() == "lax" and attrs["path"] == "/"
    assert int(attrs["max-age"]) > 3600 and "secure" not in attrs  # the public URL is http
    session = r.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    csrf = csrf_token(client, "/feeds")
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    # the session ends on the server, not only in this browser: the old cookie no longer works
    replay = TestClient(create_app(db["path"]), base_url=LOCAL, cookies={"newsdesk_session": session})
    assert replay.post("/feeds", data={"url": "https://x.example/rss", "csrf_token": csrf}).status_code == 401
    login(client, token)
    csrf = csrf_token(client, "/")
    with Store(db["path"]) as store, store.transaction():  # the session outlives its expiry
        store.db.execute("UPDATE sessions SET expires_at = '2000-01-01T00:00:00+00:00'")
    assert client.post("/feeds", data={"url": "https://x.example/rss", "csrf_token": csrf}).status_code == 401
    assert "Log in to add feeds" in client.get("/feeds").text
    assert state(db["path"])[0] == ()


def test_https_public_url_makes_the_cookie_secure(db):
    from newsdesk.settings import ServerSettings

    token = make_token(db["path"])
    settings = ServerSettings(public_url="https://news.example.org")
    client = TestClient(create_app(db["path"], settings), base_url="https://news.example.org")
    r = client.post("/login", data={"token": token}, follow_redirects=False)
    assert "secure" in cookie_attributes(r.headers["set-cookie"])


def test_login_sends_back_only_within_the_site(db):
    token = make_token(db["path"])
    for target, expected in (("/stories/1", "/stories/1"), ("//evil.example/x", "/"), ("https://evil.example", "/"),
                             ("/\\evil.example", "/"), ("", "/")):
        client = TestClient(create_app(db["path"]), base_url=LOCAL)
        r = client.post("/login", data={"token": token, "next": target}, follow_redirects=False)
        assert r.headers["location"] == expected, target


def test_token_and_session_are_never_stored_in_clear(db):
    token = make_token(db["path"])
    client = browser_client(db["path"], token)
    session = client.cookies["newsdesk_session"]
    if is_url(db["path"]):  # every row of every table, as text
        with Store(db["path"]) as store:
            tables = [r[0] for r in store.db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            stored = "".join(str(r[0]) for t in tables for r in store.db.execute(f"SELECT x::text FROM {t} x")).encode()
    else:
        stored = b"".join(p.read_bytes() for p in Path(db["path"]).parent.iterdir() if p.name.startswith("news.db"))
    assert b"scrypt$" in stored  # the hashes are read: the test can fail
    for secret in (token, session):
        assert secret.encode() not in stored
    with Store(db["path"]) as store:
        (hashed,) = store.credential_hashes()
    assert hashed.startswith("scrypt$") and token not in hashed


def test_read_only_setting_refuses_writes_even_with_a_token(db):
    from newsdesk.settings import ServerSettings

    token = make_token(db["path"])
    client = api_client(db["path"], token, ServerSettings(read_only=True))
    r = client.post("/api/feeds", json={"url": "https://news.example/rss"})
    assert r.status_code == 403 and "--read-only" in r.json()["detail"]
    assert "read-only" in client.get("/login").text


def test_a_token_from_the_environment_is_a_credential_and_never_stored(db):
    from newsdesk.settings import ServerSettings

    settings = ServerSettings(token="correct horse battery staple")
    client = api_client(db["path"], "correct horse battery staple", settings)
    assert client.post("/api/feeds", json={"url": "https://news.example/rss"}).status_code == 201
    browser_client(db["path"], "correct horse battery staple", settings)
    with Store(db["path"]) as store:
        assert store.credential_hashes() == []


# -- host names and the public URL -----------------------------------------------------------------------------
def test_requests_for_other_host_names_are_refused(db):
    client = TestClient(create_app(db["path"]), base_url=LOCAL)
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST"):
        assert client.get("/api/stories", headers={"host": host}).status_code == 200, host
    # DNS rebinding: the attacker's name pointed at 127.0.0.1 reaches the socket, not the app
    for host in ("attacker.example:8000", "127.0.0.1.attacker.example", "", "[::1"):
        r = client.get("/api/stories", headers={"host": host})
        assert r.status_code == 400, host
    assert "attacker.example" in client.get("/", headers={"host": "attacker.example"}).text
    from newsdesk.settings import ServerSettings

    settings = ServerSettings(public_url="https://news.example.org", allowed_hosts=("desk.lan",))
    client = TestClient(create_app(db["path"], settings), base_url=LOCAL)
    for host, status in (("news.example.org", 200), ("desk.lan:8000", 200), ("localhost", 200), ("evil.lan", 400)):
        assert client.get("/api/stories", headers={"host": host}).status_code == status, host


def test_atom_ids_and_links_come_from_the_public_url_whatever_the_host(db):
    client = TestClient(create_app(db["path"]), base_url=LOCAL)
    feeds = [client.get("/feed.atom", headers={"host": h}).content for h in ("127.0.0.1:8000", "localhost:8000")]
    ids = [[e.find(ATOM + "id").text for e in _entries(f)] for f in feeds]
    assert ids[0] == ids[1] == [f"{LOCAL}/stories/{db['s2']}", f"{LOCAL}/stories/{db['s1']}"]
    from newsdesk.settings import ServerSettings

    settings = ServerSettings(public_url="https://news.example.org/")
    client = TestClient(create_app(db["path"], settings), base_url="http://localhost:8000")
    body = client.get("/search.atom", params={"q": "rubble"}).text
    assert f'<id>https://news.example.org/stories/{db["s1"]}</id>' in body
    assert 'href="https://news.example.org/search.atom?q=rubble" rel="self"' in body
    assert "localhost" not in body and re.search(r'href="https://news.example.org/articles/\d+#s\d', body)


# -- the attack itself, in a real browser -----------------------------------------------------------------------
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Debian chromium not installed at {CHROMIUM}")
@pytest.mark.slow
def test_a_page_on_another_site_cannot_merge_stories_in_a_browser(db):
    """An attacker's page (another site: localhost against 127.0.0.1) posts the merge form to the desk on load,
    once before the user logs in and once after; then the user merges with the real form."""
    from playwright.sync_api import sync_playwright
    from test_browser import _Server

    from newsserver import NewsServer, static

    s1, s2 = db["s1"], db["s2"]
    with _Server(create_app(db["path"])) as base, NewsServer() as evil, sync_playwright() as p:
        evil.routes["/win.html"] = static(
            f'<form method="post" action="{base}/stories/{s1}/merge"><input name="into" value="{s2}"></form>'
            "<script>document.forms[0].submit()</script>")
        attack = evil.url("/win.html").replace("127.0.0.1", "localhost")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            before = state(db["path"])
            page.goto(attack)
            page.wait_for_url(f"{base}/**")  # the form went to the desk
            assert state(db["path"]) == before, "a stranger's page merged two stories"
            token = make_token(db["path"])
            page.goto(f"{base}/stories/{s1}")
            page.click("text=Log in to correct the grouping")
            page.fill("input[name=token]", token)
            page.click("form.login button")
            page.wait_for_url(f"{base}/stories/{s1}")
            page.goto(attack)
            page.wait_for_url(f"{base}/**")
            assert state(db["path"]) == before, "a stranger's page merged two stories for a logged-in user"
            page.goto(f"{base}/stories/{s1}")
            page.fill("input[name=into]", str(s2))
            page.click("form.edit button:has-text('Merge')")
            page.wait_for_url(f"{base}/stories/{s2}")
            assert dict(state(db["path"])[2]) == {s1: s2}
        finally:
            browser.close()


def test_guessing_the_token_is_slowed_to_a_handful_of_tries_a_minute(db):
    from newsdesk.settings import LIMITS

    token = make_token(db["path"])
    client = TestClient(create_app(db["path"]), base_url=LOCAL)
    for n in range(LIMITS.login_failures):
        assert client.post("/login", data={"token": f"guess-{n}"}).status_code == 401
    # from now on even the right token waits, or a guesser would learn which try was right
    r = client.post("/login", data={"token": token}, follow_redirects=False)
    assert r.status_code == 429 and "try again in a minute" in r.text
    api = TestClient(create_app(db["path"]), base_url=LOCAL)
    for n in range(LIMITS.login_failures):
        assert api.post("/api/feeds", json={"url": "https://x.example/rss"},
                        headers={"Authorization": f"Bearer guess-{n}"}).status_code == 401
    r = api.post("/api/feeds", json={"url": "https://x.example/rss"}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 429, r.text
    assert len(state(db["path"])[0]) == 0, "no feed was added"
