"""Signing in and out of the console: cookies, CSRF, redirects, expiry and headers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from glassbox.clock import utc_now
from glassbox.store import sessions
from tests.clock import FakeClock
from tests.review.conftest import ReviewEnv, make_env
from tests.web.console.conftest import csrf, hidden, sign_in

PAGES = ["/console", "/console/log", "/console/holds/req_x", "/console/holds/req_x/audio"]


def _session_cookie(set_cookie: list[str]) -> str:
    [cookie] = [c for c in set_cookie if c.startswith("glassbox_session=")]
    return cookie


def test_signing_in_sets_a_strict_http_only_cookie_and_signing_out_ends_the_session(
    env: ReviewEnv,
) -> None:
    resp = sign_in(env.client, "alice")
    assert resp.status_code == 303 and resp.headers["location"] == "/console"
    cookie = _session_cookie(resp.headers.get_list("set-cookie"))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    token = env.client.cookies["glassbox_session"]
    assert "alice" in env.client.get("/console").text

    out = env.client.post("/console/logout", data={"csrf": csrf(env.client)})
    assert out.status_code == 200 and "You are signed out" in out.text
    assert env.client.get("/console", follow_redirects=False).status_code == 303
    # the old cookie is dead on the server too, not just deleted in this browser
    env.client.cookies.set("glassbox_session", token, path="/console")
    assert env.client.get("/console", follow_redirects=False).status_code == 303


def test_the_session_cookie_is_secure_over_https(env: ReviewEnv) -> None:
    https = TestClient(env.client.app, base_url="https://testserver")
    resp = sign_in(https, "alice")
    assert "Secure" in _session_cookie(resp.headers.get_list("set-cookie"))


def test_a_wrong_password_gets_401_and_no_session(env: ReviewEnv) -> None:
    resp = sign_in(env.client, "alice", "not the password at all")
    assert resp.status_code == 401
    assert "Wrong user name or password." in resp.text
    assert 'value="alice"' in resp.text  # the name is kept, the password is not
    assert "glassbox_session" not in resp.headers.get("set-cookie", "")
    unknown = sign_in(env.client, "mallory")
    assert unknown.status_code == 401 and "Wrong user name or password." in unknown.text


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def timed_env(tmp_path: Path, db_url: str, clock: FakeClock) -> Iterator[ReviewEnv]:
    yield from make_env(tmp_path, db_url, clock)


def test_guessing_passwords_is_slowed_down_with_429_and_retry_after(
    timed_env: ReviewEnv, clock: FakeClock
) -> None:
    """A probe once sent 200 wrong passwords in 22 s, then signed in. Now, past a few
    failures, every attempt waits, the right password included, and says how long."""
    env = timed_env
    statuses = [sign_in(env.client, "alice", f"guess number {n}").status_code for n in range(8)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 401
    assert statuses[6:] == [429, 429]  # told to wait, before the password is even checked
    locked = sign_in(env.client, "alice")  # the right password, too soon
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins; wait" in locked.text
    assert "glassbox_session" not in locked.headers.get("set-cookie", "")
    assert sign_in(env.client, "bob").status_code == 429  # the same address guessed
    clock.advance(seconds=int(locked.headers["retry-after"]))
    assert sign_in(env.client, "alice").status_code == 303  # after the wait, in


def test_a_login_form_without_its_token_is_refused(env: ReviewEnv) -> None:
    """A cross-site page cannot sign a victim in to the attacker's account."""
    form = env.client.get("/console/login")
    data = {"name": "alice", "password": "a long enough password"}
    missing = env.client.post("/console/login", data=data, follow_redirects=False)
    wrong = env.client.post(
        "/console/login", data={**data, "token": "guessed"}, follow_redirects=False
    )
    env.client.cookies.clear()
    no_cookie = env.client.post(
        "/console/login",
        data={**data, "token": hidden(form.text, "token")},
        follow_redirects=False,
    )
    for resp in (missing, wrong, no_cookie):
        assert resp.status_code == 403
        assert "glassbox_session" not in resp.headers.get("set-cookie", "")


@pytest.mark.parametrize("path", PAGES)
def test_every_console_page_sends_strangers_to_the_login_page(env: ReviewEnv, path: str) -> None:
    resp = env.client.get(path, follow_redirects=False)
    assert resp.status_code == 303
    expected = "/console/login" if path == "/console" else f"/console/login?next={path}"
    assert resp.headers["location"] == expected


def test_posting_without_a_session_records_nothing(env: ReviewEnv) -> None:
    held = env.submit()
    before = len(env.entries())
    resp = env.client.post(
        f"/console/holds/{held['id']}",
        data={"verdict": "approve", "reason": "x", "csrf": "x"},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["location"].startswith("/console/login")
    assert len(env.entries()) == before


def test_signing_in_returns_to_the_page_asked_for(env: ReviewEnv) -> None:
    resp = env.client.get("/console/log?end=1")
    assert resp.url.path == "/console/login"
    token = hidden(resp.text, "token")
    assert hidden(resp.text, "next") == "/console/log?end=1"
    data = {"token": token, "name": "bob", "password": "a long enough password"}
    signed_in = env.client.post(
        "/console/login", data={**data, "next": "/console/log?end=1"}, follow_redirects=False
    )
    assert signed_in.headers["location"] == "/console/log?end=1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/console",
        "//evil.example/console",
        "/\\evil.example",
        "/log/checkpoint",
        "/console/../v1/models",
        "javascript:alert(1)",
        "/consoleevil",
    ],
)
def test_next_never_leaves_the_console(env: ReviewEnv, target: str) -> None:
    page = env.client.get("/console/login", params={"next": target})
    assert hidden(page.text, "next") == "/console"
    data = {
        "token": hidden(page.text, "token"),
        "name": "bob",
        "password": "a long enough password",
    }
    resp = env.client.post("/console/login", data={**data, "next": target}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/console"


def test_an_expired_session_sends_the_reviewer_back_to_the_login_page(env: ReviewEnv) -> None:
    sign_in(env.client, "alice")
    assert env.client.get("/console", follow_redirects=False).status_code == 200
    mine = (
        sessions.c.id == hashlib.sha256(env.client.cookies["glassbox_session"].encode()).hexdigest()
    )
    with env.node.engine.begin() as conn:
        moved = conn.execute(
            update(sessions).where(mine).values(expires_at=utc_now() - timedelta(seconds=1))
        )
        assert moved.rowcount == 1
    resp = env.client.get("/console/log", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/console/login")
    with env.node.engine.connect() as conn:
        assert conn.execute(select(sessions.c.id).where(mine)).first() is None


def test_signing_out_needs_the_csrf_token(env: ReviewEnv) -> None:
    sign_in(env.client, "alice")
    for data in ({}, {"csrf": "wrong"}):
        resp = env.client.post("/console/logout", data=data, follow_redirects=False)
        assert resp.status_code == 403 and "CSRF" in resp.text
    assert env.client.get("/console", follow_redirects=False).status_code == 200


def test_console_pages_carry_security_headers(env: ReviewEnv) -> None:
    sign_in(env.client, "alice")
    for resp in (env.client.get("/console"), env.client.get("/console/login")):
        assert "default-src 'none'" in resp.headers["content-security-policy"]
        assert "script-src" not in resp.headers["content-security-policy"]
        assert resp.headers["x-frame-options"] == "DENY"
        assert resp.headers["referrer-policy"] == "same-origin"
        assert resp.headers["cache-control"] == "no-store"
    css = env.client.get("/console/static/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
