"""Holding, quorum approval, denial, expiry and exactly-once execution."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from glassbox.clock import utc_now
from glassbox.entries import OPERATOR
from glassbox.errors import Conflict, Forbidden, InputError
from glassbox.store import holds
from tests.clock import FakeClock
from tests.review.conftest import ReviewEnv, make_env
from tests.services._wer import FLOW_WER, wer


def test_quorum_approval_runs_the_request_and_the_client_gets_the_result(env: ReviewEnv) -> None:
    from glassbox.assets import SAMPLE_TEXT

    held = env.submit()
    hold_id, held_index = held["id"], held["glassbox_receipt"]["index"]
    assert env.status(hold_id).json()["status"] == "pending"

    assert env.review.decide(env.users["alice"], hold_id, "approve", "court order 1") == "pending"
    assert env.status(hold_id).json()["approvals"] == 1
    assert env.review.decide(env.users["bob"], hold_id, "approve", "checked") == "approved"
    env.tick()

    served = env.status(hold_id)
    assert served.status_code == 200
    body = served.json()
    assert wer(SAMPLE_TEXT, body["text"]) <= FLOW_WER
    receipt = body["glassbox_receipt"]
    assert served.headers["glassbox-log-index"] == str(receipt["index"])

    log = env.entries(held_index)
    assert [(e["kind"], e.get("outcome") or e.get("verdict")) for e in log] == [
        ("decision", "held"),
        ("review", "approve"),
        ("review", "approve"),
        ("decision", "served"),
    ]
    assert all(e["request"] == hold_id for e in log)
    assert all(e["hold"] == held_index for e in log[1:])
    assert log[1]["reviewer"] == env.users["alice"].pseudonym
    assert log[1]["reason"].startswith("sha256:") and "court" not in json.dumps(log)
    assert log[3]["input"] == log[0]["input"] and log[3]["output"].startswith("sha256:")
    assert json.loads(receipt["entry"]) == log[3]
    # the payload is gone once the hold ended
    with env.node.engine.connect() as conn:
        assert conn.execute(select(holds.c.payload).where(holds.c.id == hold_id)).scalar() is None


def test_one_denial_ends_the_hold(env: ReviewEnv) -> None:
    held = env.submit()
    env.review.decide(env.users["alice"], held["id"], "approve", "fine")
    assert env.review.decide(env.users["bob"], held["id"], "deny", "not a real need") == "denied"
    with pytest.raises(Conflict):
        env.review.decide(env.users["carol"], held["id"], "approve", "too late")
    env.tick()
    view = env.status(held["id"]).json()
    assert view["status"] == "denied"
    log = env.entries(held["glassbox_receipt"]["index"])
    assert [e.get("outcome") or e.get("verdict") for e in log] == [
        "held",
        "approve",
        "deny",
        "denied",
    ]
    assert view["final_log_index"] == held["glassbox_receipt"]["index"] + 3


def test_a_reviewer_counts_once_and_never_for_their_own_organisation(env: ReviewEnv) -> None:
    held = env.submit()
    with pytest.raises(Forbidden, match="own organisation"):
        env.review.decide(env.users["insider"], held["id"], "approve", "my colleagues")
    env.review.decide(env.users["alice"], held["id"], "approve", "ok")
    with pytest.raises(Conflict, match="already"):
        env.review.decide(env.users["alice"], held["id"], "approve", "ok again")
    with pytest.raises(InputError, match="reason"):
        env.review.decide(env.users["bob"], held["id"], "approve", "   ")
    assert env.status(held["id"]).json()["approvals"] == 1


def test_a_review_entry_names_the_category_of_the_reviewers_organisation_never_its_name(
    env: ReviewEnv,
) -> None:
    """So reports can count holds decided per reviewer organisation category."""
    from tests.review.conftest import PASSWORD

    member = env.node.accounts.add(
        "acme-reviewer", role="reviewer", password=PASSWORD, organisation="Acme", by=OPERATOR
    )
    held = env.submit()
    env.review.decide(env.users["alice"], held["id"], "approve", "ok")
    env.review.decide(member, held["id"], "deny", "no")
    _, approve, deny, _ = env.entries(held["glassbox_receipt"]["index"])
    assert "reviewer_category" not in approve  # alice belongs to no client organisation
    assert deny["reviewer_category"] == "commercial" and "Acme" not in json.dumps(deny)


def test_one_client_cannot_read_another_clients_hold(env: ReviewEnv) -> None:
    held = env.submit()
    assert env.status(held["id"], who="Acme").status_code == 404
    assert env.client.get(f"/v1/holds/{held['id']}").status_code == 401


def test_racing_approvals_reach_quorum_once(env: ReviewEnv) -> None:
    held = env.submit()
    results: list[object] = []

    def approve(name: str) -> None:
        try:
            results.append(env.review.decide(env.users[name], held["id"], "approve", "race"))
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=approve, args=(n,)) for n in ("alice", "bob", "carol")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, results)).count("approved") == 1
    env.tick()
    env.tick()
    outcomes = [e.get("outcome") for e in env.entries(held["glassbox_receipt"]["index"])]
    assert outcomes.count("served") == 1


def test_two_workers_racing_to_execute_serve_once(env: ReviewEnv) -> None:
    """Two replicas' maintenance loops see the same approved hold at the same moment."""
    held = env.submit()
    env.review.decide(env.users["alice"], held["id"], "approve", "ok")
    env.review.decide(env.users["bob"], held["id"], "approve", "ok")

    async def both() -> None:
        import asyncio

        await asyncio.gather(env.review.execute(held["id"]), env.review.execute(held["id"]))

    env.client.portal.call(both)  # type: ignore[union-attr]
    outcomes = [e.get("outcome") for e in env.entries(held["glassbox_receipt"]["index"])]
    assert outcomes.count("served") == 1


def test_an_interrupted_execution_is_finished_once_after_restart(
    tmp_path: Path, db_url: str
) -> None:
    """A worker claimed the hold and died; after the lease, another serves it, once."""
    gen = make_env(tmp_path, db_url)
    env = next(gen)
    try:
        held = env.submit()
        env.review.decide(env.users["alice"], held["id"], "approve", "ok")
        env.review.decide(env.users["bob"], held["id"], "approve", "ok")

        assert env.review.book.claim(held["id"], utc_now(), env.review.lease) is not None
        env.tick()  # the live claim is respected: nothing runs
        assert env.status(held["id"]).json()["status"] == "approved"
        with env.node.engine.begin() as conn:  # the claimant died long ago
            conn.execute(update(holds).values(claimed_at=utc_now() - env.review.lease * 2))
    finally:
        gen.close()
    # "restart": a new app on the same data directory
    restarted = make_env_again(tmp_path)
    env2 = next(restarted)
    try:
        env2.tick()
        assert env2.status(held["id"], who="Ministry").status_code == 200
        outcomes = [e.get("outcome") for e in env2.entries(held["glassbox_receipt"]["index"])]
        assert outcomes.count("served") == 1
    finally:
        restarted.close()


def make_env_again(tmp_path: Path) -> Iterator[ReviewEnv]:
    from fastapi.testclient import TestClient

    from glassbox.settings import load_settings
    from glassbox.web import create_app

    settings = load_settings({"data_dir": tmp_path / "data"}, environ={})
    with TestClient(create_app(settings, integrate=False)) as client:
        old_keys = {}  # keys are hashed at rest: recover them from the first env's registry
        env = ReviewEnv(client, old_keys, {}, b"")
        reg = client.app.state.glassbox.clients  # type: ignore[attr-defined]
        env.keys["Ministry"] = reg.create_key("Ministry", by=OPERATOR)[1]
        yield env


def test_holds_past_their_deadline_expire_as_denials(tmp_path: Path, db_url: str) -> None:
    clock = FakeClock(utc_now())
    gen = make_env(tmp_path, db_url, clock, hold_deadline_hours=1)
    env = next(gen)
    try:
        held = env.submit()
        clock.advance(hours=1)
        with pytest.raises(Conflict):
            env.review.decide(env.users["alice"], held["id"], "approve", "too late")
        env.tick()
        assert env.status(held["id"]).json()["status"] == "expired"
        log = env.entries(held["glassbox_receipt"]["index"])
        assert [e.get("outcome") for e in log] == ["held", "expired"]
        with env.node.engine.connect() as conn:
            assert conn.execute(select(holds.c.payload)).scalar() is None
    finally:
        gen.close()


def test_results_are_deleted_after_retention(tmp_path: Path, db_url: str) -> None:
    clock = FakeClock(utc_now())
    gen = make_env(tmp_path, db_url, clock, result_retention_hours=2)
    env = next(gen)
    try:
        held = env.submit()
        env.review.decide(env.users["alice"], held["id"], "approve", "ok")
        env.review.decide(env.users["bob"], held["id"], "approve", "ok")
        env.tick()
        assert env.status(held["id"]).status_code == 200
        clock.advance(hours=1, minutes=59)
        env.tick()
        assert env.status(held["id"]).status_code == 200
        clock.advance(minutes=1)
        env.tick()
        gone = env.status(held["id"])
        assert gone.status_code == 410 and gone.json()["error"]["code"] == "gone"
    finally:
        gen.close()


def test_payloads_are_encrypted_at_rest(env: ReviewEnv) -> None:
    held = env.submit()
    with env.node.engine.connect() as conn:
        blob = conn.execute(select(holds.c.payload).where(holds.c.id == held["id"])).scalar_one()
    assert env.audio[:64] not in blob and b"fLaC" not in blob
    assert env.review.book.payload(held["id"]) == env.audio
