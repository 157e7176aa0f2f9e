"""Review in the request flow: holding, verdicts, exactly-once execution, expiry.

Log entries, in order, for a held request that two reviewers approve:
`decision/held`, `review/approve`, `review/approve`, `decision/served`. A denial
is `review/deny` followed at once by `decision/denied`; a deadline passing is
`decision/expired`. Every final entry names the held entry's index (`hold`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert
from starlette.concurrency import run_in_threadpool

from glassbox.entries import (
    ENTRY_VERSION,
    canonical,
    commitment,
    new_salt,
    receipt,
    rfc3339,
    utc_now,
)
from glassbox.errors import Conflict, GlassboxError, Gone, NotFound
from glassbox.gateway._gateway import Call, Gateway, Reply
from glassbox.policy import Decision
from glassbox.review import Hold, HoldBook, User
from glassbox.store import requests
from glassbox.tlog.server import write_entries

_log = logging.getLogger(__name__)

# Runs a held request's service: (payload, params) -> (body, media type, JSON object or None).
Runner = Callable[[bytes, dict[str, Any]], Awaitable[tuple[bytes, str, dict[str, Any] | None]]]


class Review:
    """Holds requests the policy sends to review, and carries out reviewers' verdicts."""

    def __init__(
        self,
        gateway: Gateway,
        book: HoldBook,
        *,
        deadline: timedelta,
        result_ttl: timedelta,
        lease: timedelta = timedelta(minutes=10),
    ) -> None:
        self.gateway = gateway
        self.book = book
        self.runners: dict[str, Runner] = {}
        self._deadline = deadline
        self._result_ttl = result_ttl
        self._lease = lease
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- holding ------------------------------------------------------------------

    async def hold(
        self, call: Call, decision: Decision, payload: bytes, params: dict[str, Any]
    ) -> Reply:
        """Store the request sealed, log it as held, and answer 202 with where to look."""
        reasons = [
            {"id": r, "description": d}
            for r, d in zip(decision.reasons, decision.descriptions, strict=False)
        ]
        deadline = call.time + self._deadline

        def store(conn: Connection, index: int) -> None:
            self.book.insert(
                conn,
                hold_id=call.request_id,
                client_id=call.client.id,
                log_index=index,
                action=call.action,
                purpose=call.purpose or "",
                policy=call.policy.policy.hash if call.policy else None,
                reasons=reasons,
                reviewers_required=decision.reviewers,
                audio_seconds=call.audio_seconds,
                params=params,
                salts=call.commits.salts_b64(),
                payload=payload,
                now=call.time,
                deadline=deadline,
            )

        rec = await self.gateway.record(
            call, "held", reasons=decision.reasons, reviewers=decision.reviewers, also=store
        )
        body = {
            "id": call.request_id,
            "object": "glassbox.hold",
            "status": "pending",
            "reviewers_required": decision.reviewers,
            "approvals": 0,
            "expires_at": rfc3339(deadline),
            "reasons": reasons,
            "glassbox_receipt": rec,
        }
        headers = self.gateway.receipt_headers(call, rec)
        headers["Location"] = f"{call.base_url}/v1/holds/{call.request_id}"
        return Reply(202, json.dumps(body).encode(), "application/json", headers)

    # -- verdicts -------------------------------------------------------------------

    def decide(self, user: User, hold_id: str, verdict: str, reason: str) -> str:
        """Record a reviewer's verdict (and, for a denial, the final entry); return the status."""
        now = utc_now()
        hold = self.book.get(hold_id)
        self.book.check_reviewer(hold, user, verdict, reason, now)
        salt = new_salt()
        entries = [
            canonical(
                {
                    "v": ENTRY_VERSION,
                    "kind": "review",
                    "time": rfc3339(now),
                    "request": hold.id,
                    "hold": hold.log_index,
                    "verdict": verdict,
                    "reviewer": user.pseudonym,
                    "reason": commitment(salt, reason.encode()),
                    "reviewers_required": hold.reviewers_required,
                }
            )
        ]
        if verdict == "deny":
            entries.append(self._final(hold, "denied", now))
        status: list[str] = []

        def apply(conn: Connection, index: int) -> None:
            status.append(
                self.book.add_verdict(
                    conn,
                    hold,
                    user,
                    verdict=verdict,
                    reason=reason,
                    reason_salt=salt.hex(),
                    log_index=index,
                    now=now,
                )
            )

        write_entries(self.gateway.node.engine, entries, [(0, apply)])
        if status[0] == "approved":
            self.wake()
        return status[0]

    def _final(self, hold: Hold, outcome: str, now: datetime, **extra: Any) -> bytes:
        obj = {
            "v": ENTRY_VERSION,
            "kind": "decision",
            "time": rfc3339(now),
            "request": hold.id,
            "hold": hold.log_index,
            "client": hold.client,
            "category": hold.category,
            "action": hold.action,
            "purpose": hold.purpose,
            "outcome": outcome,
            "policy": hold.policy,
            "reasons": [r["id"] for r in hold.reasons],
            **extra,
        }
        return canonical({k: v for k, v in obj.items() if v is not None})

    # -- execution, expiry, retention -------------------------------------------------

    def wake(self) -> None:
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run_forever(self, interval: float = 1.0) -> None:
        """Serve approved holds, expire overdue ones and purge old results, until cancelled."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        while True:
            try:
                await self.tick()
            except Exception:
                _log.exception("review maintenance failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()

    async def tick(self) -> None:
        now = utc_now()
        for hold_id in await run_in_threadpool(self.book.overdue, now):
            await run_in_threadpool(self._expire, hold_id)
        for hold_id in await run_in_threadpool(self.book.approved):
            await self.execute(hold_id)
        await run_in_threadpool(self.book.purge_results, utc_now())

    def _expire(self, hold_id: str) -> None:
        now = utc_now()
        hold = self.book.get(hold_id)

        def end(conn: Connection, index: int) -> None:
            self.book.finish(
                conn, hold_id, status="expired", expect="pending", final_index=index, now=now
            )

        with contextlib.suppress(Conflict):  # decided meanwhile
            write_entries(self.gateway.node.engine, [self._final(hold, "expired", now)], [(0, end)])

    async def execute(self, hold_id: str) -> None:
        """Run an approved hold once: the served entry and the result commit together."""
        claimed = await run_in_threadpool(self.book.claim, hold_id, utc_now(), self._lease)
        if claimed is None:
            return
        hold = await run_in_threadpool(self.book.get, hold_id)
        payload = await run_in_threadpool(self.book.payload, hold_id)
        runner = self.runners.get(hold.action)
        now = utc_now()
        try:
            if runner is None:
                raise NotFound(f"no service runs held {hold.action!r} requests")
            body, media_type, obj = await runner(payload, hold.params)
        except GlassboxError as exc:
            entry = self._final(hold, "failed", now, error=exc.code)
            await run_in_threadpool(self._end, hold, entry, claimed, now, None)
            return
        in_salt = base64.b64decode(hold.salts["input"])
        out_salt = new_salt()
        content = canonical(obj) if obj is not None else body
        salts = {"input": hold.salts["input"], "output": base64.b64encode(out_salt).decode()}
        entry = self._final(
            hold,
            "served",
            now,
            input=commitment(in_salt, payload),
            output=commitment(out_salt, content),
            model=hold.params.get("model"),
            audio_seconds=round(hold.audio_seconds, 3) or None,
            redacted=True if hold.params.get("redact") else None,
        )
        await run_in_threadpool(
            self._end, hold, entry, claimed, now, (body, media_type, obj, salts)
        )

    def _end(
        self,
        hold: Hold,
        entry: bytes,
        claimed: datetime,
        now: datetime,
        result: tuple[bytes, str, dict[str, Any] | None, dict[str, str]] | None,
    ) -> None:
        origin = self.gateway.node.signer.name

        def end(conn: Connection, index: int) -> None:
            stored = stored_type = None
            status = "failed"
            salts: dict[str, str] = {}
            if result is not None:
                body, stored_type, obj, salts = result
                status = "served"
                rec = receipt(origin, index, entry, salts)
                stored = json.dumps({**obj, "glassbox_receipt": rec}).encode() if obj else body
            self.book.finish(
                conn,
                hold.id,
                status=status,
                expect="approved",
                claimed_at=claimed,
                final_index=index,
                now=now,
                result=stored,
                result_type=stored_type,
                result_until=now + self._result_ttl,
            )
            # The held request already counted towards the client's volume.
            conn.execute(
                insert(requests).values(
                    log_index=index,
                    request_id=f"{hold.id}:{status}",
                    client_id=hold.client_id,
                    action=hold.action,
                    outcome=status,
                    audio_seconds=0.0,
                    characters=0,
                    salts=json.dumps(salts),
                    created_at=now,
                )
            )

        try:
            write_entries(self.gateway.node.engine, [entry], [(0, end)])
        except Conflict:
            _log.info("hold %s was finished by another worker", hold.id)

    # -- the client's view ------------------------------------------------------------

    def client_view(self, client_id: int, hold_id: str, base_url: str) -> Reply:
        try:
            hold = self.book.get(hold_id)
        except NotFound:
            hold = None
        if hold is None or hold.client_id != client_id:
            raise NotFound(f"you have no hold {hold_id!r}")
        if hold.status == "served":
            stored = self.book.result(hold.id)
            if stored is None:
                raise Gone("the result was deleted after its retention time")
            body, media_type = stored
            headers = {
                "Glassbox-Log-Index": str(hold.final_index),
                "Glassbox-Receipt": f"{base_url.rstrip('/')}/v1/receipts/{hold.final_index}",
            }
            return Reply(200, body, media_type, headers)
        view = {
            "id": hold.id,
            "object": "glassbox.hold",
            "status": hold.status,
            "reviewers_required": hold.reviewers_required,
            "approvals": hold.approvals,
            "expires_at": rfc3339(hold.deadline),
            "log_index": hold.log_index,
            "final_log_index": hold.final_index,
        }
        headers = {"Retry-After": "5"} if hold.status in ("pending", "approved") else {}
        return Reply(200, json.dumps(view).encode(), "application/json", headers)
