"""Webhooks: a signed notice to a key's URL when one of its held requests is decided.

Ending a hold (served, denied, expired, failed) enqueues a delivery in
`webhook_deliveries` in the same transaction, so no decision goes without its
notice; the maintenance loop sends what is due. A notice names the hold, how it
ended and where to fetch it, never content:

    POST <url>
    Content-Type: application/json
    Glassbox-Webhook-Id: whd_...
    Glassbox-Webhook-Timestamp: <unix seconds>
    Glassbox-Webhook-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

Any 2xx answer delivers it. Anything else (another status, a redirect, which is
not followed, or no answer within 5 seconds) is retried 30 s later, then after 1,
2, 4 ... minutes, at most an hour apart, until 24 hours after the decision. Each
attempt is leased to one replica (`claimed_at`): a notice is sent at least once
and, unless a replica dies mid-send, once; receivers deduplicate on its id. The URL
and secret are read at each attempt, so removing a webhook (or revoking its key)
stops its pending deliveries, and replacing it sends them to the new URL, signed
with the new secret.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from anyio import fail_after, to_thread
from sqlalchemy import Connection, Engine, delete, insert, or_, select, update

from glassbox.clients import ClientRegistry
from glassbox.clock import Clock, utc_now
from glassbox.entries import rfc3339
from glassbox.errors import GlassboxError
from glassbox.review._holds import _aware
from glassbox.store import api_keys, holds, webhook_deliveries

_log = logging.getLogger(__name__)

EVENT = "hold.decided"
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
KEEP = timedelta(days=7)  # how long a delivered or given-up notice's record is kept
TIMEOUT = 5.0  # seconds for a whole attempt: connecting, sending, the answer's headers
LEASE = timedelta(minutes=1)  # an attempt's claim; after it another replica may retry
BATCH = 50  # deliveries sent at once, per round of maintenance


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Glassbox-Webhook-Signature` value of `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def retry_delay(attempts: int) -> timedelta:
    """How long after the `attempts`-th failed attempt (1, 2, ...) the next one is made."""
    doublings = min(max(attempts - 1, 0), 16)
    return min(FIRST_RETRY * (1 << doublings), MAX_RETRY)


@dataclass(frozen=True)
class Delivery:
    """One webhook notice and how sending it went."""

    id: str
    hold_id: str
    key_id: str
    status: str  # the hold's final status
    created_at: datetime
    attempts: int
    next_attempt_at: datetime | None  # None once delivered or given up
    last_status_code: int | None  # None: no HTTP answer (see last_error)
    last_error: str | None
    delivered_at: datetime | None
    given_up_at: datetime | None


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        hold_id=row.hold_id,
        key_id=row.key_id,
        status=row.status,
        created_at=_aware(row.created_at),  # type: ignore[arg-type]
        attempts=row.attempts,
        next_attempt_at=_aware(row.next_attempt_at),
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        delivered_at=_aware(row.delivered_at),
        given_up_at=_aware(row.given_up_at),
    )


class Webhooks:
    """The outbox of webhook notices: enqueued with a hold's end, sent by the loop."""

    def __init__(
        self,
        engine: Engine,
        clients: ClientRegistry,
        *,
        base_url: str,
        clock: Clock = utc_now,
        timeout: float = TIMEOUT,
        lease: timedelta = LEASE,
    ) -> None:
        self._engine = engine
        self._clients = clients
        self._base_url = base_url.rstrip("/")
        self._clock = clock
        self._timeout = timeout
        self._lease = lease

    def enqueue(self, conn: Connection, hold_id: str, status: str, now: datetime) -> None:
        """In the transaction ending hold `hold_id`: a notice, if its key has a webhook."""
        key_id = conn.execute(
            select(holds.c.key_id)
            .join(api_keys, api_keys.c.id == holds.c.key_id)
            .where(
                holds.c.id == hold_id,
                api_keys.c.webhook_url.is_not(None),
                api_keys.c.revoked_at.is_(None),
            )
        ).scalar_one_or_none()
        if key_id is None:
            return
        conn.execute(
            insert(webhook_deliveries).values(
                id="whd_" + secrets.token_hex(12),
                hold_id=hold_id,
                key_id=key_id,
                status=status,
                created_at=now,
                attempts=0,
                next_attempt_at=now,
            )
        )

    def deliveries(self, hold_id: str) -> list[Delivery]:
        """The notices of hold `hold_id` (at most one but for a changed-meanwhile race)."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(webhook_deliveries)
                .where(webhook_deliveries.c.hold_id == hold_id)
                .order_by(webhook_deliveries.c.created_at)
            ).all()
        return [_delivery(r) for r in rows]

    def body(self, delivery: Delivery) -> bytes:
        """The JSON a notice carries, the same at every attempt."""
        return json.dumps(
            {
                "type": EVENT,
                "id": delivery.id,
                "hold": delivery.hold_id,
                "status": delivery.status,
                "url": f"{self._base_url}/v1/holds/{delivery.hold_id}",
                "time": rfc3339(delivery.created_at),
            },
            separators=(",", ":"),
        ).encode()

    # -- sending ------------------------------------------------------------------

    async def send_due(self) -> int:
        """Send the deliveries due now that this replica claims; return how many arrived."""
        now = self._clock()
        due = await to_thread.run_sync(self._claim_due, now)
        if not due:
            return 0
        async with httpx.AsyncClient(follow_redirects=False) as http:
            arrived = await asyncio.gather(*(self._send(http, d, now) for d in due))
        return sum(arrived)

    def purge(self) -> int:
        """Forget delivered and given-up notices older than KEEP; how many were."""
        with self._engine.begin() as conn:
            gone = conn.execute(
                delete(webhook_deliveries).where(
                    webhook_deliveries.c.next_attempt_at.is_(None),
                    webhook_deliveries.c.created_at < self._clock() - KEEP,
                )
            )
        return int(gone.rowcount or 0)

    def _claim_due(self, now: datetime) -> list[Delivery]:
        """Claim up to BATCH due deliveries, each unless another replica's lease is live."""
        free = or_(
            webhook_deliveries.c.claimed_at.is_(None),
            webhook_deliveries.c.claimed_at < now - self._lease,
        )
        due = (webhook_deliveries.c.next_attempt_at <= now, free)
        with self._engine.connect() as conn:
            ids = conn.execute(
                select(webhook_deliveries.c.id)
                .where(*due)
                .order_by(webhook_deliveries.c.next_attempt_at)
                .limit(BATCH)
            ).scalars()
            wanted = list(ids)
        claimed = []
        for delivery_id in wanted:
            with self._engine.begin() as conn:
                done = conn.execute(
                    update(webhook_deliveries)
                    .where(webhook_deliveries.c.id == delivery_id, *due)
                    .values(claimed_at=now)
                )
                if done.rowcount == 1:
                    row = conn.execute(
                        select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
                    ).one()
                    claimed.append(_delivery(row))
        return claimed

    async def _send(self, http: httpx.AsyncClient, delivery: Delivery, claimed: datetime) -> bool:
        """One attempt at `delivery`, recorded; whether it arrived."""
        try:
            hook = await to_thread.run_sync(self._clients.webhook, delivery.key_id)
        except GlassboxError as exc:  # its secret does not open: the hold key was replaced?
            _log.error("webhook delivery %s: %s; given up", delivery.id, exc.message)
            await to_thread.run_sync(self._record, delivery, claimed, None, exc.code, False)
            return False
        if hook is None:  # removed (or its key revoked) since it was enqueued
            gone = (delivery, claimed, None, "webhook removed", False)
            await to_thread.run_sync(self._record, *gone)
            return False
        body = self.body(delivery)
        timestamp = int(self._clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "Glassbox-Webhook-Id": delivery.id,
            "Glassbox-Webhook-Timestamp": str(timestamp),
            "Glassbox-Webhook-Signature": sign(hook.secret, timestamp, body),
        }
        code: int | None = None
        error: str | None = None
        try:
            with fail_after(self._timeout):
                async with http.stream("POST", hook.url, content=body, headers=headers) as resp:
                    code = resp.status_code  # the answer's body is never read
        except TimeoutError:
            error = "timeout"
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            error = exc.__class__.__name__
        await to_thread.run_sync(self._record, delivery, claimed, code, error)
        return code is not None and 200 <= code < 300

    def _record(
        self,
        delivery: Delivery,
        claimed: datetime,
        code: int | None,
        error: str | None,
        retry: bool = True,
    ) -> None:
        """Record an attempt: delivered, due again after the backoff, or given up."""
        now = self._clock()
        attempts = delivery.attempts + 1
        values: dict[str, Any] = {
            "attempts": attempts,
            "claimed_at": None,
            "last_status_code": code,
            "last_error": error,
        }
        if code is not None and 200 <= code < 300:
            values.update(delivered_at=now, next_attempt_at=None)
        else:
            after = now + retry_delay(attempts)
            if not retry or after > delivery.created_at + GIVE_UP_AFTER:
                values.update(given_up_at=now, next_attempt_at=None)
            else:
                values["next_attempt_at"] = after
            _log.info(
                "webhook delivery %s of hold %s failed (%s); attempt %d",
                delivery.id,
                delivery.hold_id,
                code if code is not None else error,
                attempts,
            )
        with self._engine.begin() as conn:
            conn.execute(
                update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.id == delivery.id,
                    webhook_deliveries.c.claimed_at == claimed,
                )
                .values(**values)
            )
