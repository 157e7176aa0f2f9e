"""The one governed path, in-process, with small fake services and a clock moved by hand.

Every request that passed authentication ends in exactly one decision entry, durable
before its outcome is returned; a service runs only when the policy allows it (or once
reviewers approved it), and whatever goes wrong is logged as `failed`, never served.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from glassbox.clock import Clock
from glassbox.core import Glassbox, Services, init_data_dir
from glassbox.entries import OPERATOR, Action, commitment
from glassbox.errors import Gone, InputError, InvalidApiKey, NotFound, Overloaded
from glassbox.gateway import Failed, Held, Refused, Served
from glassbox.policy import Decision, Ruling
from glassbox.review import HeldResult
from glassbox.services import (
    Prepared,
    Result,
    ServiceRegistry,
    Transcriber,
    bundled_models,
)
from glassbox.settings import load_settings
from glassbox.store import holds, kept_results, log_entries, requests
from tests.clock import FakeClock
from tests.conftest import TEST_KEY, TEST_ORIGIN


class FakeSpeech:
    """Upper-cases its 'file': enough to see what ran, with what, and how often."""

    action = Action.TRANSCRIBE

    def __init__(self) -> None:
        self.ran: list[Prepared] = []
        self.prepare_error: Exception | None = None
        self.run_error: Exception | None = None

    def prepare(self, fields: Mapping[str, Any]) -> Prepared:
        if self.prepare_error is not None:
            raise self.prepare_error
        upload = fields.get("file")
        if not isinstance(upload, bytes):
            raise InputError("the request has no 'file' field")
        language = fields.get("language")
        return Prepared(
            payload=upload,
            params={"shout": True},
            audio_seconds=2.5,
            language=language,
            details={"model": "fake-1", **({"language": language} if language else {})},
            work="decoded",
        )

    def run(self, prepared: Prepared) -> Result:
        self.ran.append(prepared)
        if self.run_error is not None:
            raise self.run_error
        document = {"text": prepared.payload.decode().upper()}
        details = {"redacted": True} if prepared.params.get("redact") else {}
        return Result(json.dumps(document).encode(), "application/json", document, details)


class Env:
    def __init__(self, node: Glassbox, service: FakeSpeech, clock: FakeClock) -> None:
        self.node, self.service, self.clock = node, service, clock
        self.keys = {
            name: node.clients.create_key(name, by=OPERATOR)[1]
            for name in ("Acme", "Ministry", "Twofold")
        }

    def handle(self, who: str | None = "Acme", header: str | None = None, **fields: Any) -> Any:
        """A request from `who`, with `header` as its Glassbox-Purpose header."""

        async def read() -> Any:
            return fields.pop("_error", None) or {"file": b"hello", **fields}

        credentials = f"Bearer {self.keys[who]}" if who else None
        return asyncio.run(self.node.gateway.handle(Action.TRANSCRIBE, credentials, read, header))

    def entries(self) -> list[dict[str, Any]]:
        with self.node.engine.connect() as conn:
            rows = conn.execute(select(log_entries.c.data).order_by(log_entries.c.idx)).scalars()
            # after the default policy's entry and the clients' and keys' admin entries
            return [e for e in map(json.loads, rows) if e["kind"] not in ("policy", "admin")]

    def count(self, table: Any) -> int:
        with self.node.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def open_env(tmp_path: Path, clock: Clock, **settings: Any) -> Iterator[Env]:
    data = tmp_path / "data"
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}), signing_key=TEST_KEY
    )
    service = FakeSpeech()
    services = Services(ServiceRegistry([service]), Transcriber(bundled_models()), None)
    final = load_settings({"data_dir": data, **settings}, environ={})
    with Glassbox.open(final, clock=clock, services=services) as node:
        node.clients.add(
            "Acme",
            category="commercial",
            purposes=["accessibility"],
            daily_audio_hours=8,
            by=OPERATOR,
        )
        node.clients.add(
            "Ministry",
            category="military",
            purposes=["accessibility"],
            daily_audio_hours=8,
            by=OPERATOR,
        )
        node.clients.add(
            "Twofold",
            category="academic",
            purposes=["accessibility", "research"],
            daily_audio_hours=8,
            by=OPERATOR,
        )
        yield Env(node, service, clock)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from open_env(tmp_path, FakeClock())


def test_an_allowed_request_is_served_once_and_its_receipt_opens(env: Env) -> None:
    outcome = env.handle()
    assert isinstance(outcome, Served)
    assert outcome.result.document == {"text": "HELLO"}
    assert [p.work for p in env.service.ran] == ["decoded"]  # ran once, on what prepare made
    (entry,) = env.entries()
    assert json.loads(outcome.receipt.entry) == entry
    assert entry["outcome"] == "served" and entry["action"] == "transcribe"
    assert entry["time"] == "2026-11-20T09:00:00.000Z"  # the node's clock, not the wall's
    assert entry["model"] == "fake-1" and entry["audio_seconds"] == 2.5
    salts = {k: base64.b64decode(v) for k, v in outcome.receipt.salts.items()}
    assert entry["input"] == commitment(salts["input"], b"hello")
    assert entry["output"] == commitment(salts["output"], b'{"text":"HELLO"}')
    assert env.count(requests) == 1


def test_a_forbidden_purpose_is_refused_and_nothing_runs(env: Env) -> None:
    outcome = env.handle(header="surveillance")
    assert isinstance(outcome, Refused)
    assert [r.id for r in outcome.reasons] == ["no-surveillance"]
    assert env.service.ran == []
    (entry,) = env.entries()
    assert entry["outcome"] == "denied" and entry["reasons"] == ["no-surveillance"]
    assert "output" not in entry


def test_a_held_request_runs_once_after_two_approvals_through_the_same_service(env: Env) -> None:
    outcome = env.handle("Ministry")
    assert isinstance(outcome, Held) and outcome.reviewers_required == 2
    assert outcome.deadline == env.clock() + timedelta(hours=72)  # hold_deadline_hours
    assert env.service.ran == []
    alice = env.node.accounts.add("alice", role="reviewer", password="a long password", by=OPERATOR)
    bob = env.node.accounts.add("bob", role="reviewer", password="a long password", by=OPERATOR)
    env.node.review.decide(alice, outcome.hold_id, "approve", "fine")
    env.node.review.decide(bob, outcome.hold_id, "approve", "fine too")
    asyncio.run(env.node.review.tick())
    asyncio.run(env.node.review.tick())  # nothing left to do: it ran once
    (ran,) = env.service.ran
    assert ran.payload == b"hello" and ran.work is None  # rebuilt from what was kept
    assert [e["outcome"] for e in env.entries() if e["kind"] == "decision"] == ["held", "served"]
    ministry = env.node.clients.get("Ministry")
    view = env.node.review.client_view(ministry.id, outcome.hold_id)
    assert isinstance(view, HeldResult) and json.loads(view.body) == {"text": "HELLO"}
    assert view.receipt.index == env.count(log_entries) - 1


def test_a_hold_expires_when_the_clock_passes_its_deadline(env: Env) -> None:
    outcome = env.handle("Ministry")
    assert isinstance(outcome, Held)
    env.clock.advance(hours=71)
    asyncio.run(env.node.review.tick())
    assert env.entries()[-1]["outcome"] == "held"
    env.clock.advance(hours=1)
    asyncio.run(env.node.review.tick())
    final = env.entries()[-1]
    assert final["outcome"] == "expired" and final["hold"] == outcome.receipt.index
    assert final["time"] == "2026-11-23T09:00:00.000Z"
    with env.node.engine.connect() as conn:
        assert conn.execute(select(holds.c.payload)).scalar() is None  # deleted
    assert env.service.ran == []


@pytest.mark.parametrize(
    ("fail", "code", "status"),
    [
        ("prepare", "invalid_request", 400),
        ("run", "overloaded", 503),
        ("read", "file_too_large", 413),
    ],
)
def test_what_goes_wrong_is_logged_failed_once(env: Env, fail: str, code: str, status: int) -> None:
    fields: dict[str, Any] = {}
    if fail == "prepare":
        env.service.prepare_error = InputError("no such model")
    elif fail == "run":
        env.service.run_error = Overloaded("busy")
    else:
        from glassbox.errors import PayloadTooLarge

        fields["_error"] = PayloadTooLarge("too big")
    outcome = env.handle(**fields)
    assert isinstance(outcome, Failed)
    assert outcome.error.code == code and outcome.error.status == status
    (entry,) = env.entries()
    assert entry["outcome"] == "failed" and entry["error"] == code
    assert "output" not in entry


def test_an_unexpected_error_is_failed_without_its_message(env: Env) -> None:
    env.service.run_error = RuntimeError("secret transcript text")
    outcome = env.handle()
    assert isinstance(outcome, Failed)
    assert outcome.error.message == "internal error"
    assert "secret" not in json.dumps(env.entries())


def test_an_unknown_key_is_refused_and_nothing_is_logged(env: Env) -> None:
    with pytest.raises(InvalidApiKey):
        env.handle(None)
    env.keys["nobody"] = "gbk_000000000000_nothing"
    with pytest.raises(InvalidApiKey):
        env.handle("nobody")
    assert env.entries() == [] and env.service.ran == []


def test_the_purpose_is_declared_or_the_only_one_registered(env: Env) -> None:
    assert isinstance(env.handle("Twofold", header="research"), Served)
    failed = env.handle("Twofold")
    assert isinstance(failed, Failed) and "declare a purpose" in failed.error.message
    wrong = env.handle("Twofold", header="research", purpose=7)  # the field wins
    assert isinstance(wrong, Failed) and "'purpose' must be a string" in wrong.error.message
    assert [e.get("purpose") for e in env.entries()] == ["research", None, None]


def test_a_purpose_that_is_empty_but_not_a_string_is_refused_not_ignored(env: Env) -> None:
    """Found by schemathesis: `"purpose": {}` was taken for no purpose at all."""
    for empty in ({}, [], 0, False):
        failed = env.handle("Acme", purpose=empty)
        assert isinstance(failed, Failed) and "'purpose' must be a string" in failed.error.message
    assert isinstance(env.handle("Acme", purpose=""), Served)  # an empty form field: none


def test_an_unknown_ruling_denies_and_never_serves(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A programming error in deciding: the request is refused, and the error logged."""
    bogus = Decision("maybe", 0, ("x",), ("?",))  # type: ignore[arg-type]
    assert bogus.outcome not in list(Ruling)
    monkeypatch.setattr(type(env.node.gateway), "_decide", lambda self, call, prepared: bogus)
    outcome = env.handle()
    assert isinstance(outcome, Refused)
    assert [r.id for r in outcome.reasons] == ["policy-error"]
    assert env.service.ran == []
    assert env.entries()[0]["outcome"] == "denied"


def _publish(env: Env, tmp_path: Path, text: str) -> None:
    """Publish `text` (which must allow a commercial client's accessibility transcription)."""
    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "policy.cedar").write_text(text)
    case = {"category": "commercial", "purposes": ["accessibility"], "daily_audio_seconds": 60}
    request = {"client": "c", **case, "action": "transcribe", "purpose": "accessibility"}
    (policy / "tests.json").write_text(
        json.dumps([{"name": "allowed", "request": request, "expect": "allow"}])
    )
    env.node.publish_policy(policy)  # in force at once on the node that published it


def test_the_policy_sees_the_language_and_the_entry_records_it(env: Env, tmp_path: Path) -> None:
    _publish(
        env,
        tmp_path,
        '@id("all")\n@description("Allowed.")\npermit (principal, action, resource);\n'
        '@id("no-french")\n@description("No French here.")\n'
        'forbid (principal, action, resource) when { context.language == "fr" };\n',
    )
    refused = env.handle(language="fr")
    assert isinstance(refused, Refused) and [r.id for r in refused.reasons] == ["no-french"]
    assert isinstance(env.handle(language="es"), Served)
    assert [e.get("language") for e in env.entries()] == [None, "es"]


def test_a_redacting_policy_asks_the_service_to_redact(env: Env, tmp_path: Path) -> None:
    _publish(
        env,
        tmp_path,
        '@id("redacted-transcripts")\n@description("Transcripts are redacted.")\n'
        '@redact("output")\npermit (principal, action, resource);\n',
    )
    outcome = env.handle()
    assert isinstance(outcome, Served)
    assert env.service.ran[0].params["redact"] is True
    assert env.entries()[-1]["redacted"] is True


def test_a_result_fetched_by_a_link_is_kept_sealed_with_its_entry_until_retention(
    env: Env,
) -> None:
    """A service result with a file name (a translated document) is stored, sealed, in the
    entry's own transaction; its token opens it until result_retention_hours pass."""
    original = env.service.run

    def as_file(prepared: Prepared) -> Result:
        done = original(prepared)
        return dataclasses.replace(done, filename="shout.txt")

    env.service.run = as_file  # type: ignore[method-assign]
    outcome = env.handle()
    assert isinstance(outcome, Served) and outcome.kept is not None
    kept = env.node.kept.fetch(outcome.kept)
    assert kept.body == outcome.result.body and kept.filename == "shout.txt"
    with env.node.engine.connect() as conn:
        row = conn.execute(select(kept_results)).one()
    assert row.log_index == outcome.receipt.index
    assert outcome.kept not in row.token_sha256 and b"HELLO" not in row.sealed  # sealed
    with pytest.raises(NotFound):
        env.node.kept.fetch("x" * 43)
    env.clock.advance(hours=24, seconds=1)
    with pytest.raises(Gone):
        env.node.kept.fetch(outcome.kept)
