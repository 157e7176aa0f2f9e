"""The console over HTTP: an in-process app (SQLite) and helpers to sign in and post forms."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.review.conftest import PASSWORD, ReviewEnv, make_env

_HIDDEN = r'name="{}" value="([^"]*)"'


def hidden(html: str, name: str) -> str:
    """The value of the hidden form field `name` in a page."""
    found = re.search(_HIDDEN.format(name), html)
    assert found, f"no hidden field {name!r} in the page"
    return found[1]


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the login form, as a browser would; the client keeps the cookie."""
    client.cookies.clear()
    form = client.get("/console/login")
    return client.post(
        "/console/login",
        data={"token": hidden(form.text, "token"), "name": name, "password": password},
        follow_redirects=False,
    )


def csrf(client: TestClient, path: str = "/console") -> str:
    """The signed-in session's CSRF token, read from a page's forms."""
    return hidden(client.get(path).text, "csrf")


def vote(
    client: TestClient, hold_id: str, verdict: str, reason: str, token: str | None = None
) -> httpx.Response:
    page = f"/console/holds/{hold_id}"
    data = {"verdict": verdict, "reason": reason, "csrf": token or csrf(client, page)}
    return client.post(page, data=data, follow_redirects=False)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewEnv]:
    """One review environment on SQLite per module, for speed: each test submits its own
    holds and signs in afresh, so the tests do not depend on each other's leftovers."""
    root = tmp_path_factory.mktemp("console")
    yield from make_env(root, f"sqlite:///{root / 'glassbox.db'}")


@pytest.fixture(autouse=True)
def signed_out(env: ReviewEnv) -> None:
    """Every test starts as a stranger, whatever the previous one signed in as."""
    env.client.cookies.clear()
