"""Webhooks: a held request's key hears, signed, when it is decided; retried until it arrives."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from glassbox.clock import utc_now
from glassbox.entries import OPERATOR
from glassbox.review import Delivery, Webhooks
from glassbox.review._webhooks import retry_delay
from glassbox.store import api_keys
from tests.clock import FakeClock
from tests.review.conftest import ReviewEnv, make_env


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that records each POST and answers `statuses` in turn."""

    url: str
    statuses: list[int] = field(default_factory=lambda: [200])
    calls: list[Call] = field(default_factory=list)

    def answer(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            box[0].calls.append(Call(self.path, headers, body))
            status = box[0].answer()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "7")
            self.end_headers()
            self.wfile.write(b"ignored")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks/glassbox"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utc_now())


@pytest.fixture
def env(tmp_path: Path, db_url: str, clock: FakeClock) -> Iterator[ReviewEnv]:
    yield from make_env(tmp_path, db_url, clock, hold_deadline_hours=1)


def _key_id(env: ReviewEnv, who: str = "Ministry") -> str:
    return env.keys[who].split("_")[1]


def _hook(env: ReviewEnv, url: str, who: str = "Ministry") -> str:
    return env.node.clients.set_webhook(_key_id(env, who), url, by=OPERATOR)


def _webhooks(env: ReviewEnv) -> Webhooks:
    hooks = env.review.webhooks
    assert hooks is not None
    return hooks


def _delivery(env: ReviewEnv, hold_id: str) -> Delivery:
    (delivery,) = _webhooks(env).deliveries(hold_id)
    return delivery


def test_a_denied_hold_sends_one_signed_notice_naming_no_content(
    env: ReviewEnv, receiver: Receiver, clock: FakeClock
) -> None:
    secret = _hook(env, receiver.url)
    held = env.submit()
    env.review.decide(env.users["alice"], held["id"], "deny", "no court order on file")
    env.tick()
    env.tick()  # delivered once: never again

    (call,) = receiver.calls
    assert call.path == "/hooks/glassbox"
    assert call.headers["content-type"] == "application/json"
    timestamp = call.headers["glassbox-webhook-timestamp"]
    assert int(timestamp) == int(clock.now.timestamp())
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + call.body, hashlib.sha256)
    assert call.headers["glassbox-webhook-signature"] == "v1=" + expected.hexdigest()

    body = json.loads(call.body)
    assert body == {
        "type": "hold.decided",
        "id": call.headers["glassbox-webhook-id"],
        "hold": held["id"],
        "status": "denied",
        "url": f"{env.node.settings.base_url}/v1/holds/{held['id']}",
        "time": body["time"],
    }
    assert body["id"].startswith("whd_") and body["time"].endswith("Z")
    assert b"court" not in call.body  # nothing of the reason, the request or its content
    document = env.client.get("/openapi.json").json()  # the notice is as documented
    notice = document["webhooks"]["hold.decided"]["post"]
    ours = {name for name in call.headers if name.startswith("glassbox-")}
    assert {p["name"] for p in notice["parameters"]} == ours
    assert set(document["components"]["schemas"]["HoldDecided"]["properties"]) == set(body)

    delivery = _delivery(env, held["id"])
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None

    with env.node.engine.connect() as conn:  # the secret is sealed at rest
        row = conn.execute(select(api_keys).where(api_keys.c.id == _key_id(env))).one()
    assert secret.encode() not in bytes(row.webhook_secret)
    assert all(secret not in str(value) for value in row)


def test_a_failing_receiver_is_retried_after_the_backoff_until_it_answers_2xx(
    env: ReviewEnv, receiver: Receiver, clock: FakeClock
) -> None:
    receiver.statuses = [500, 302, 200]
    _hook(env, receiver.url)
    held = env.submit()
    env.review.decide(env.users["alice"], held["id"], "deny", "not needed")
    env.tick()
    first = _delivery(env, held["id"])
    assert (first.attempts, first.last_status_code) == (1, 500)
    assert first.next_attempt_at == clock.now + timedelta(seconds=30)

    clock.advance(seconds=29)
    env.tick()
    assert len(receiver.calls) == 1  # not due yet
    clock.advance(seconds=1)
    env.tick()
    second = _delivery(env, held["id"])
    assert (second.attempts, second.last_status_code) == (2, 302)  # a redirect is not followed
    assert second.next_attempt_at == clock.now + timedelta(minutes=1)

    clock.advance(minutes=1)
    env.tick()
    done = _delivery(env, held["id"])
    assert (done.attempts, done.last_status_code) == (3, 200) and done.delivered_at is not None
    clock.advance(hours=2)
    env.tick()
    assert [c.path for c in receiver.calls] == ["/hooks/glassbox"] * 3
    assert len({c.headers["glassbox-webhook-id"] for c in receiver.calls}) == 1
    assert len({c.body for c in receiver.calls}) == 1  # the same notice, freshly timestamped


def test_a_receiver_that_never_answers_2xx_is_given_up_a_day_later(
    env: ReviewEnv, receiver: Receiver, clock: FakeClock
) -> None:
    receiver.statuses = [503]
    _hook(env, receiver.url)
    held = env.submit()
    decided = clock.now
    env.review.decide(env.users["alice"], held["id"], "deny", "no")
    env.tick()
    while (delivery := _delivery(env, held["id"])).next_attempt_at is not None:
        clock.now = delivery.next_attempt_at
        env.tick()
    assert delivery.given_up_at is not None and delivery.delivered_at is None
    assert delivery.given_up_at - decided <= timedelta(hours=24)
    assert delivery.given_up_at - decided > timedelta(hours=22)
    assert len(receiver.calls) == delivery.attempts
    minutes = [retry_delay(n) / timedelta(minutes=1) for n in (1, 2, 3, 4, 7, 8, 30)]
    assert minutes == [0.5, 1, 2, 4, 32, 60, 60]  # doubling, at most an hour apart


def test_finished_notices_are_forgotten_after_a_week(
    env: ReviewEnv, receiver: Receiver, clock: FakeClock
) -> None:
    _hook(env, receiver.url)
    done, waiting = env.submit(), env.submit()
    env.review.decide(env.users["alice"], done["id"], "deny", "no")
    env.tick()
    assert _delivery(env, done["id"]).delivered_at is not None
    receiver.statuses = [503]
    env.review.decide(env.users["alice"], waiting["id"], "deny", "no")
    env.tick()
    clock.now += timedelta(days=6)
    env.tick()
    assert len(_webhooks(env).deliveries(done["id"])) == 1  # kept a week
    clock.now += timedelta(days=2)
    assert _webhooks(env).purge() == 2  # the delivered one, and the other given up meanwhile
    assert _webhooks(env).deliveries(done["id"]) == []


def test_removing_the_webhook_stops_pending_and_future_deliveries(
    env: ReviewEnv, receiver: Receiver, clock: FakeClock
) -> None:
    receiver.statuses = [500]
    _hook(env, receiver.url)
    held = env.submit()
    env.review.decide(env.users["alice"], held["id"], "deny", "no")
    env.tick()
    env.node.clients.remove_webhook(_key_id(env), by=OPERATOR)
    clock.advance(minutes=5)
    env.tick()
    assert len(receiver.calls) == 1
    gone = _delivery(env, held["id"])
    assert gone.given_up_at is not None and gone.last_error == "webhook removed"

    later = env.submit()
    env.review.decide(env.users["alice"], later["id"], "deny", "no")
    env.tick()
    assert _webhooks(env).deliveries(later["id"]) == []
    assert len(receiver.calls) == 1


def test_expiry_is_notified_and_a_key_without_a_webhook_hears_nothing(
    env: ReviewEnv, receiver: Receiver, clock: FakeClock
) -> None:
    _hook(env, receiver.url)
    hooked = env.submit()
    env.keys["Ministry-2"] = env.node.clients.create_key("Ministry", by=OPERATOR)[1]
    silent = env.submit("Ministry-2")
    clock.advance(hours=1)
    env.tick()
    (call,) = receiver.calls
    assert json.loads(call.body)["status"] == "expired"
    assert json.loads(call.body)["hold"] == hooked["id"]
    assert env.status(silent["id"], who="Ministry-2").json()["status"] == "expired"
    assert _webhooks(env).deliveries(silent["id"]) == []


def test_a_served_hold_is_notified_once_whichever_replica_sends(
    env: ReviewEnv, receiver: Receiver
) -> None:
    _hook(env, receiver.url)
    held = env.submit()
    env.review.decide(env.users["alice"], held["id"], "approve", "ok")
    env.review.decide(env.users["bob"], held["id"], "approve", "ok")
    env.client.portal.call(env.review.execute, held["id"])  # type: ignore[union-attr]
    assert env.status(held["id"]).status_code == 200

    async def two_replicas() -> list[int]:
        import asyncio

        hooks = _webhooks(env)
        return list(await asyncio.gather(hooks.send_due(), hooks.send_due()))

    assert sorted(env.client.portal.call(two_replicas)) == [0, 1]  # type: ignore[union-attr]
    (call,) = receiver.calls
    assert json.loads(call.body)["status"] == "served"
    transcript = env.status(held["id"]).json()["text"]
    assert transcript and transcript.encode() not in call.body


def test_an_unreachable_receiver_is_recorded_and_retried(
    env: ReviewEnv, receiver: Receiver, clock: FakeClock
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/hooks"
    _hook(env, closed)
    held = env.submit()
    env.review.decide(env.users["alice"], held["id"], "deny", "no")
    env.tick()
    failed = _delivery(env, held["id"])
    assert (failed.attempts, failed.last_status_code) == (1, None)
    assert failed.last_error == "ConnectError"
    assert failed.next_attempt_at == clock.now + timedelta(seconds=30)

    _hook(env, receiver.url)  # replaced: the pending notice goes to the new URL
    clock.advance(seconds=30)
    env.tick()
    assert [json.loads(c.body)["hold"] for c in receiver.calls] == [held["id"]]
    assert _delivery(env, held["id"]).delivered_at is not None
