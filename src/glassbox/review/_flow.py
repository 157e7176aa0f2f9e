"""Review in the request flow: holding, verdicts, exactly-once execution, expiry.

Log entries, in order, for a held request that two reviewers approve:
`decision/held`, `review/approve`, `review/approve`, `decision/served`. A denial
is `review/deny` followed at once by `decision/denied`; a deadline passing is
`decision/expired`. Every final entry names the held entry's index (`hold`).
Sealing payloads and results (encryption) happens before an append, never on the
log's writer thread; what runs there only stores rows.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from anyio import to_thread
from sqlalchemy import Connection

from glassbox.clock import Clock, utc_now
from glassbox.entries import (
    Action,
    Category,
    Commitments,
    DecisionEntry,
    Outcome,
    Receipt,
    ReviewEntry,
    Verdict,
    commitment,
    new_salt,
)
from glassbox.errors import Conflict, GlassboxError, Gone, NotFound
from glassbox.ledger import Ledger
from glassbox.review._holds import Hold, HoldBook
from glassbox.review._users import User
from glassbox.review._webhooks import Webhooks
from glassbox.tlog.server import LogServer

_log = logging.getLogger(__name__)


class RunResult(Protocol):
    """What running a held request gives (a service's `Result`)."""

    @property
    def body(self) -> bytes: ...
    @property
    def media_type(self) -> str: ...
    @property
    def details(self) -> Mapping[str, Any]: ...
    def content(self) -> bytes: ...


# Runs a held request's service (blocking): (action, payload, params) -> its result.
Runner = Callable[[Action, bytes, dict[str, Any]], RunResult]


@dataclass(frozen=True)
class HoldStatus:
    """A held request as its client sees it before (or instead of) a result."""

    id: str
    status: str
    reviewers_required: int
    approvals: int
    deadline: datetime
    log_index: int
    final_index: int | None

    @property
    def waiting(self) -> bool:
        return self.status in ("pending", "approved")


@dataclass(frozen=True)
class HeldResult:
    """A served hold's result, as the service produced it, with the final entry's receipt."""

    body: bytes
    media_type: str
    receipt: Receipt


class Review:
    """Holds requests the policy sends to review, and carries out reviewers' verdicts."""

    def __init__(
        self,
        book: HoldBook,
        ledger: Ledger,
        log: LogServer,
        *,
        deadline: timedelta,
        result_ttl: timedelta,
        lease: timedelta = timedelta(minutes=10),
        webhooks: Webhooks | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.book = book
        self.webhooks = webhooks
        self._ledger = ledger
        self._log = log
        self._runner: Runner | None = None
        self._deadline = deadline
        self._result_ttl = result_ttl
        self.lease = lease
        self._clock = clock
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def runs_with(self, runner: Runner) -> None:
        """Set how approved holds are run: the service registry's, given by the core."""
        self._runner = runner

    # -- holding ------------------------------------------------------------------

    async def hold(
        self,
        entry: DecisionEntry,
        *,
        client_id: int,
        key_id: str | None = None,
        payload: bytes,
        params: dict[str, Any],
        salts: dict[str, str],
        reasons: list[dict[str, str]],
    ) -> tuple[Receipt, datetime]:
        """Keep the request sealed and log it as held; return its receipt and deadline.

        `key_id` is the API key it came with: its webhook, if any, hears the decision.
        """
        deadline = entry.time + self._deadline
        sealed = await to_thread.run_sync(self.book.seal_payload, entry.request, payload)
        row = self.book.hold_row(
            hold_id=entry.request,
            client_id=client_id,
            key_id=key_id,
            action=str(entry.action),
            purpose=entry.purpose or "",
            policy=entry.policy,
            reasons=reasons,
            reviewers_required=entry.reviewers or 1,
            audio_seconds=entry.audio_seconds or 0.0,
            params=params,
            salts=salts,
            sealed_payload=sealed,
            now=entry.time,
            deadline=deadline,
        )

        def store(conn: Connection, index: int) -> None:
            self.book.insert(conn, row, log_index=index)

        receipt = await self._ledger.record(entry, client_id=client_id, salts=salts, also=store)
        return receipt, deadline

    # -- verdicts -------------------------------------------------------------------

    def decide(self, user: User, hold_id: str, verdict: str, reason: str) -> str:
        """Record a reviewer's verdict (and, for a denial, the final entry); return the status."""
        now = self._clock()
        hold = self.book.get(hold_id)
        self.book.check_reviewer(hold, user, verdict, reason, now)
        salt = new_salt()
        member = self.book.member_of(user)
        review = ReviewEntry(
            time=now,
            request=hold.id,
            hold=hold.log_index,
            verdict=Verdict(verdict),
            reviewer=user.pseudonym,
            reason=commitment(salt, reason.encode()),
            reviewers_required=hold.reviewers_required,
            reviewer_category=None if member is None else Category(member),
        ).encode()
        status: dict[str, str] = {}

        def apply(conn: Connection, index: int) -> None:
            status["now"] = self.book.add_verdict(
                conn,
                hold,
                user,
                verdict=verdict,
                reason=reason,
                reason_salt=salt.hex(),
                log_index=index,
                now=now,
            )
            if status["now"] == "denied":
                self._decided(conn, hold.id, "denied", now)

        if verdict == Verdict.DENY:
            final = _final(hold, Outcome.DENIED, now)
            self._ledger.record_final(
                final, client_id=hold.client_id, salts={}, preceded_by=[review], also=apply
            )
        else:
            self._log.append([review], apply)
        if status["now"] in ("approved", "denied"):  # to run it, or to send its webhook
            self.wake()
        return status["now"]

    def _decided(self, conn: Connection, hold_id: str, status: str, now: datetime) -> None:
        """In the transaction that ends a hold: enqueue its webhook notice, if any."""
        if self.webhooks is not None:
            self.webhooks.enqueue(conn, hold_id, status, now)

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
        """One round of maintenance: expire, execute, purge, send due webhook notices."""
        for hold_id in await to_thread.run_sync(self.book.overdue, self._clock()):
            await to_thread.run_sync(self._expire, hold_id)
        for hold_id in await to_thread.run_sync(self.book.approved):
            await self.execute(hold_id)
        await to_thread.run_sync(self.book.purge_results, self._clock())
        if self.webhooks is not None:
            await self.webhooks.send_due()
            await to_thread.run_sync(self.webhooks.purge)

    def _expire(self, hold_id: str) -> None:
        now = self._clock()
        hold = self.book.get(hold_id)

        def end(conn: Connection, index: int) -> None:
            self.book.finish(
                conn, hold_id, status="expired", expect="pending", final_index=index, now=now
            )
            self._decided(conn, hold_id, "expired", now)

        with contextlib.suppress(Conflict):  # decided meanwhile
            self._ledger.record_final(
                _final(hold, Outcome.EXPIRED, now), client_id=hold.client_id, salts={}, also=end
            )

    async def execute(self, hold_id: str) -> None:
        """Run an approved hold once: the served entry and the result commit together."""
        claimed = await to_thread.run_sync(self.book.claim, hold_id, self._clock(), self.lease)
        if claimed is not None:
            await to_thread.run_sync(self._execute, hold_id, claimed)

    def _execute(self, hold_id: str, claimed: datetime) -> None:
        hold = self.book.get(hold_id)
        payload = self.book.payload(hold_id)
        try:
            if self._runner is None:
                raise NotFound(f"no service runs held {hold.action!r} requests")
            result = self._runner(Action(hold.action), payload, hold.params)
        except GlassboxError as exc:
            failed = _final(hold, Outcome.FAILED, self._clock(), error=exc.code)
            self._end(hold, failed, claimed, {}, None)
            return
        commits = Commitments()
        commits.add("input", payload, salt=base64.b64decode(hold.salts["input"]))
        commits.add("output", result.content())
        served = replace(
            _final(hold, Outcome.SERVED, self._clock()),
            input=commits.values["input"],
            output=commits.values["output"],
            audio_seconds=hold.audio_seconds or None,
            details=result.details,
        )
        sealed = self.book.seal_result(hold.id, result.body)
        self._end(hold, served, claimed, commits.salts_b64(), (sealed, result.media_type))

    def _end(
        self,
        hold: Hold,
        entry: DecisionEntry,
        claimed: datetime,
        salts: dict[str, str],
        result: tuple[bytes, str] | None,
    ) -> None:
        sealed, media_type = result if result is not None else (None, None)

        def end(conn: Connection, index: int) -> None:
            self.book.finish(
                conn,
                hold.id,
                status=str(entry.outcome),
                expect="approved",
                claimed_at=claimed,
                final_index=index,
                now=entry.time,
                sealed_result=sealed,
                result_type=media_type,
                result_until=entry.time + self._result_ttl,
            )
            self._decided(conn, hold.id, str(entry.outcome), entry.time)

        try:
            self._ledger.record_final(entry, client_id=hold.client_id, salts=salts, also=end)
        except Conflict:
            _log.info("hold %s was finished by another worker", hold.id)

    # -- the client's view ------------------------------------------------------------

    def client_view(self, client_id: int, hold_id: str) -> HoldStatus | HeldResult:
        """The client's own hold: its status, or once served its result and receipt."""
        try:
            hold = self.book.get(hold_id)
        except NotFound:
            hold = None
        if hold is None or hold.client_id != client_id:
            raise NotFound(f"you have no hold {hold_id!r}")
        if hold.status == "served" and hold.final_index is not None:
            stored = self.book.result(hold.id)
            if stored is None:
                raise Gone("the result was deleted after its retention time")
            body, media_type = stored
            return HeldResult(body, media_type, self._ledger.receipt(client_id, hold.final_index))
        return HoldStatus(
            id=hold.id,
            status=hold.status,
            reviewers_required=hold.reviewers_required,
            approvals=hold.approvals,
            deadline=hold.deadline,
            log_index=hold.log_index,
            final_index=hold.final_index,
        )


def _final(hold: Hold, outcome: Outcome, now: datetime, **more: Any) -> DecisionEntry:
    """The final decision entry of a held request."""
    return DecisionEntry(
        time=now,
        request=hold.id,
        hold=hold.log_index,
        client=hold.client,
        category=Category(hold.category),
        action=Action(hold.action),
        purpose=hold.purpose,
        outcome=outcome,
        policy=hold.policy,
        reasons=tuple(r["id"] for r in hold.reasons),
        **more,
    )
