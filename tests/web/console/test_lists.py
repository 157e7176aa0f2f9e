"""The queue and the history: filters, pages, and a reviewer's own verdicts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.review.conftest import ReviewEnv, make_env
from tests.web.console.conftest import sign_in, vote


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewEnv]:
    """Its own environment: these tests count holds, so no other module's may be there."""
    root = tmp_path_factory.mktemp("lists")
    yield from make_env(root, f"sqlite:///{root / 'glassbox.db'}")


def _held(page: str) -> list[str]:
    return re.findall(r'href="/console/holds/(req_\w+)"', page)


def test_the_queue_pages_filters_and_reports_bad_filters(lists: ReviewEnv) -> None:
    ids = [lists.submit()["id"] for _ in range(27)]
    sign_in(lists.client, "alice")
    first = lists.client.get("/console").text
    assert "27 waiting for review" in first and "Page 1 of 2" in first
    assert _held(first) == ids[:25]  # oldest first
    second = lists.client.get("/console?page=2").text
    assert _held(second) == ids[25:] and "Previous page" in second

    ministry = lists.node.clients.get("Ministry").id
    acme = lists.node.clients.get("Acme").id
    assert len(_held(lists.client.get(f"/console?client={ministry}&page=2").text)) == 2
    assert _held(lists.client.get(f"/console?client={acme}").text) == []
    assert _held(lists.client.get("/console?category=commercial").text) == []
    assert _held(lists.client.get("/console?action=translate").text) == []
    later = lists.client.get("/console?from=2999-01-01").text
    assert "No waiting request matches the filter" in later

    bad = lists.client.get("/console?action=spying&from=yesterday&client=999&page=x")
    assert bad.status_code == 200
    assert "There is no action &#39;spying&#39;; it was ignored." in bad.text
    assert "The from date must be written YYYY-MM-DD" in bad.text
    assert "There is no such client; it was ignored." in bad.text
    assert _held(bad.text) == ids[:25]  # the bad filters were dropped, not guessed


def test_the_history_shows_decided_holds_with_verdicts_and_my_verdicts(
    lists: ReviewEnv,
) -> None:
    by_alice, by_bob = lists.submit()["id"], lists.submit()["id"]
    sign_in(lists.client, "alice")
    assert vote(lists.client, by_alice, "deny", "Not a registered purpose.").status_code == 303
    sign_in(lists.client, "bob")
    assert vote(lists.client, by_bob, "deny", "No.").status_code == 303

    page = lists.client.get("/console/history").text
    assert _held(page)[:2] == [by_bob, by_alice]  # newest first
    row = re.search(rf"<tr>((?:(?!</tr>).)*{by_alice}.*?)</tr>", page, re.S)
    assert row and "denied" in row[1] and "deny</span> by alice" in row[1]
    mine = lists.client.get("/console/history?mine=1").text
    assert by_bob in mine and by_alice not in mine and "<strong>you</strong>" in mine
    assert by_alice not in lists.client.get("/console").text  # no longer waiting
    assert _held(lists.client.get("/console/history?status=served").text) == []
    assert by_alice in lists.client.get("/console/history?status=denied").text


def test_a_filter_narrows_the_pages_it_links_to(tmp_path: Path, db_url: str) -> None:
    env = next(gen := make_env(tmp_path, db_url))
    try:
        for _ in range(26):
            env.submit()
        sign_in(env.client, "alice")
        page = env.client.get("/console?category=military&from=2000-01-01").text
        assert "/console?category=military&amp;from=2000-01-01&amp;page=2" in page
    finally:
        gen.close()
