"""Reviewing through the console: the queue, a hold's page, verdicts, the recording, the log."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from glassbox.assets import SAMPLE_TEXT
from tests.review.conftest import ReviewEnv, make_env
from tests.services._wer import FLOW_WER, wer
from tests.web.console.conftest import csrf, sign_in, vote


def test_the_queue_lists_pending_holds_oldest_first_with_time_left(env: ReviewEnv) -> None:
    first, second = env.submit(), env.submit()
    sign_in(env.client, "alice")
    page = env.client.get("/console").text
    assert "waiting for review, oldest first" in page
    rows = {
        hold: row
        for row, hold in re.findall(r"<tr>(.*?/console/holds/(req_\w+).*?)</tr>", page, re.S)
    }
    assert list(rows).index(first["id"]) < list(rows).index(second["id"])
    for hold in (first, second):
        assert "2 d 23 h left" in rows[hold["id"]]  # the default deadline is 72 hours
        assert "0 of 2" in rows[hold["id"]] and "military" in rows[hold["id"]]


def test_two_reviewers_approve_through_the_console_and_the_client_gets_its_transcript(
    tmp_path: Path, db_url: str
) -> None:
    """The whole flow through the console's forms, on SQLite and PostgreSQL."""
    env = next(gen := make_env(tmp_path, db_url))
    try:
        held = env.submit()
        hold_id = held["id"]
        ministry = env.node.clients.get("Ministry")
        sign_in(env.client, "alice")
        page = env.client.get(f"/console/holds/{hold_id}").text
        for shown in ("military", ministry.pseudonym, "accessibility", "0 of 2 needed", "FLAC"):
            assert shown in page
        assert "high-risk-category-review" in page and "<audio controls" in page

        done = vote(env.client, hold_id, "approve", "Caption request for a public hearing.")
        assert done.status_code == 303
        page = env.client.get(done.headers["location"]).text
        assert "Your approval is recorded" in page and "1 of 2 needed" in page
        assert "Caption request for a public hearing." in page

        sign_in(env.client, "bob")
        assert vote(env.client, hold_id, "approve", "Agreed.").status_code == 303
        env.tick()
        served = env.status(hold_id)
        assert served.status_code == 200
        assert wer(SAMPLE_TEXT, served.json()["text"]) <= FLOW_WER

        env.node.log.integrator.integrate_all()
        log = env.client.get("/console/log").text
        rows = re.findall(r'<tr id="entry-(\d+)">(.*?)</tr>', log, re.S)
        mine = sorted((int(i), row) for i, row in rows if hold_id in row)
        kinds = [re.search(r"result-(\w+)", row)[1] for _, row in mine]  # type: ignore[index]
        assert kinds == ["held", "approve", "approve", "served"]
        assert f"/log/proof/inclusion?index={mine[0][0]}&amp;size=" in log
    finally:
        gen.close()


def test_approving_a_request_of_ones_own_organisation_is_refused_on_the_form(
    env: ReviewEnv,
) -> None:
    held = env.submit()
    sign_in(env.client, "insider")
    resp = vote(env.client, held["id"], "approve", "My colleagues need this.")
    assert resp.status_code == 403
    assert "You may not review a request from your own organisation." in resp.text
    assert "My colleagues need this.</textarea>" in resp.text  # the reason is kept
    assert env.status(held["id"]).json()["approvals"] == 0


def test_a_second_vote_by_the_same_reviewer_is_refused_on_the_form(env: ReviewEnv) -> None:
    held = env.submit()
    sign_in(env.client, "alice")
    assert vote(env.client, held["id"], "approve", "Fine.").status_code == 303
    page = env.client.get(f"/console/holds/{held['id']}").text
    assert 'name="verdict"' not in page  # the form is replaced by the verdict given
    assert "You approved this request on" in page and "<blockquote>Fine.</blockquote>" in page
    again = vote(env.client, held["id"], "approve", "Fine, I said.")
    assert again.status_code == 409
    assert "You have already given a verdict on this hold." in again.text
    assert env.status(held["id"]).json()["approvals"] == 1


def test_a_verdict_needs_a_written_reason(env: ReviewEnv) -> None:
    held = env.submit()
    sign_in(env.client, "alice")
    resp = vote(env.client, held["id"], "deny", "   ")
    assert resp.status_code == 400
    assert "A written reason is required." in resp.text and 'aria-invalid="true"' in resp.text
    assert env.status(held["id"]).json()["status"] == "pending"


def test_a_verdict_without_the_sessions_csrf_token_is_refused_and_not_recorded(
    env: ReviewEnv,
) -> None:
    held = env.submit()
    before = len(env.entries())
    sign_in(env.client, "alice")
    page = f"/console/holds/{held['id']}"
    for extra in ({}, {"csrf": ""}, {"csrf": "A" * 43}):
        data = {"verdict": "approve", "reason": "forged", **extra}
        resp = env.client.post(page, data=data, follow_redirects=False)
        assert resp.status_code == 403 and "CSRF" in resp.text
    # another reviewer's token does not do either
    bobs = TestClient(env.client.app)
    sign_in(bobs, "bob")
    assert vote(env.client, held["id"], "approve", "x", token=csrf(bobs)).status_code == 403
    assert len(env.entries()) == before
    assert env.status(held["id"]).json()["approvals"] == 0


def test_the_recording_is_served_to_signed_in_reviewers_only(env: ReviewEnv) -> None:
    held = env.submit()
    audio = f"/console/holds/{held['id']}/audio"
    assert env.client.get(audio, follow_redirects=False).status_code == 303
    sign_in(env.client, "bob")
    resp = env.client.get(audio)
    assert resp.status_code == 200 and resp.content == env.audio
    assert resp.headers["content-type"] == "audio/flac"
    assert resp.headers["cache-control"] == "no-store"
    vote(env.client, held["id"], "deny", "No.")
    assert env.client.get(audio).status_code == 404  # deleted once the hold ended
    page = env.client.get(f"/console/holds/{held['id']}").text
    assert "The recording was deleted" in page and "it takes no more verdicts" in page


def test_reasons_are_shown_as_text_not_markup(env: ReviewEnv) -> None:
    held = env.submit()
    sign_in(env.client, "alice")
    vote(env.client, held["id"], "approve", "<script>alert(1)</script>")
    page = env.client.get(f"/console/holds/{held['id']}").text
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_unknown_hold_is_a_404_page(env: ReviewEnv) -> None:
    sign_in(env.client, "alice")
    resp = env.client.get("/console/holds/req_nothing")
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/html")
    assert "No hold &#39;req_nothing&#39;." in resp.text and "Sign out" in resp.text


def test_the_log_page_shows_the_checkpoint_and_decoded_entries(env: ReviewEnv) -> None:
    held = env.submit()
    env.node.log.integrator.integrate_all()
    size = env.node.log.reader.size()
    sign_in(env.client, "carol")
    page = env.client.get("/console/log").text
    assert "example.test/glassbox/testdata" in page and f"{size} entries" in page
    index = held["glassbox_receipt"]["index"]
    row = re.search(rf'<tr id="entry-{index}">(.*?)</tr>', page, re.S)[1]  # type: ignore[index]
    for shown in ("decision", "held", "military", "accessibility", held["id"]):
        assert shown in row
    assert f"/log/entries?start={index}&amp;end={index + 1}" in row
    assert f'href="/console/holds/{held["id"]}"' in row
    entry = json.loads(env.node.log.reader.entries(index, index + 1)[0])
    assert entry["client"] in row
    older = env.client.get("/console/log", params={"end": "1"}).text
    assert 'id="entry-0"' in older and f'id="entry-{index}"' not in older


def test_a_text_hold_shows_its_text_languages_and_client(env: ReviewEnv) -> None:
    """A held translation shows what is to be translated, and into what, with who asks
    and how much they used: no audio player, no audio length."""
    held = env.client.post(
        "/translate",
        json={
            "q": "The minister arrives on Monday.",
            "source": "en",
            "target": "es",
            "api_key": env.keys["Ministry"],
        },
        headers={"Prefer": "respond-async"},
    )
    assert held.status_code == 202, held.text
    sign_in(env.client, "alice")
    queue = env.client.get("/console").text
    assert "<strong>Ministry</strong>" in queue and "translate, en into es" in queue
    page = env.client.get(f"/console/holds/{held.json()['id']}").text
    assert "The minister arrives on Monday." in page and "en into es" in page
    assert "<audio" not in page, page[page.find("<audio") - 500 : page.find("<audio") + 100]
    assert "Audio</dt>" not in page
    assert 'class="client-name">Ministry</strong>' in page
    assert "Registered purposes" in page and "accessibility" in page
    assert f"request id <code>{held.json()['id']}</code>" in page


def test_the_log_page_filters_and_shows_each_entry_as_json(env: ReviewEnv) -> None:
    held = env.submit()  # Ministry (military): held
    served = env.client.post(
        "/v1/audio/transcriptions",
        headers={"Authorization": f"Bearer {env.keys['Acme']}"},
        files={"file": ("sample.flac", env.audio, "audio/flac")},
        data={"model": "tiny.en", "language": "en"},
    )
    assert served.status_code == 200  # commercial: served
    env.node.log.integrator.integrate_all()
    sign_in(env.client, "carol")
    page = env.client.get("/console/log", params={"category": "military"}).text
    assert held["id"] in page and "commercial" not in page.split("<tbody>", 1)[1]
    assert '<option value="military" selected>' in page
    entry = json.loads(held["glassbox_receipt"]["entry"])
    assert f"&#34;request&#34;: &#34;{held['id']}&#34;" in page  # the JSON, escaped, not base64
    assert f"&#34;client&#34;: &#34;{entry['client']}&#34;" in page
    page = env.client.get("/console/log", params={"result": "served"}).text
    rows = page.split("<tbody>", 1)[1]
    assert held["id"] not in rows
    assert f'id="entry-{served.json()["glassbox_receipt"]["index"]}"' in rows
    none = env.client.get("/console/log", params={"action": "redact"}).text
    assert "No entries match the filter" in none
