"""Held requests and reviewers' verdicts: the rules of review, kept in the database.

The rules: only a pending hold before its deadline can be decided; a reviewer
never decides a request of their own organisation and counts once; one denial
ends the hold; the quorum of approvals approves it. The functions taking a
`Connection` run inside the transaction that appends the matching log entry,
so the record and the entry commit together or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from glassbox.entries import Verdict
from glassbox.errors import Conflict, Forbidden, InputError, NotFound
from glassbox.review._sealed import Sealer
from glassbox.review._users import User
from glassbox.store import clients, holds, users, verdicts

VERDICTS = tuple(verdict.value for verdict in Verdict)
MAX_REASON = 2000


def _aware(when: datetime | None) -> datetime | None:
    if when is None or when.tzinfo is not None:
        return when
    return when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Vote:
    """One reviewer's verdict on a hold, as the console shows it."""

    reviewer: str
    pseudonym: str
    verdict: str
    reason: str
    log_index: int
    created_at: datetime


@dataclass(frozen=True)
class Hold:
    id: str
    client_id: int
    client: str  # pseudonym: reviewers see the pseudonym and category, not the name
    category: str
    log_index: int
    action: str
    purpose: str
    policy: str | None
    reasons: list[dict[str, str]]
    reviewers_required: int
    audio_seconds: float
    params: dict[str, Any]
    salts: dict[str, str]
    status: str
    created_at: datetime
    deadline: datetime
    final_index: int | None
    has_payload: bool
    has_result: bool
    verdicts: tuple[Vote, ...] = ()

    @property
    def approvals(self) -> int:
        return sum(v.verdict == "approve" for v in self.verdicts)


_COLUMNS = [c for c in holds.c if c.name not in ("payload", "result")]
ENDED = ("approved", "served", "denied", "expired", "failed")  # a decided hold's statuses
MAX_PAGE = 200


@dataclass(frozen=True)
class HoldQuery:
    """Which holds a console list shows; empty fields do not filter.

    Pending holds come oldest first (the next to review on top); decided ones
    newest first. `since` and `until` bound when the request was held;
    `reviewer` keeps only holds that user gave a verdict on.
    """

    decided: bool = False
    status: str = ""  # one of ENDED, for decided holds
    action: str = ""
    category: str = ""
    client_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    reviewer: int | None = None  # a user id


class HoldBook:
    """Storage and rules for holds; payloads and results are sealed at rest."""

    def __init__(self, engine: Engine, sealer: Sealer) -> None:
        self._engine = engine
        self._sealer = sealer

    # -- sealing (before the log append: never on its writer thread) -------------

    def seal_payload(self, hold_id: str, payload: bytes) -> bytes:
        return self._sealer.seal(payload, hold_id)

    def seal_result(self, hold_id: str, result: bytes) -> bytes:
        return self._sealer.seal(result, hold_id + ":result")

    # -- creating ---------------------------------------------------------------

    def hold_row(
        self,
        *,
        hold_id: str,
        client_id: int,
        key_id: str | None = None,
        action: str,
        purpose: str,
        policy: str | None,
        reasons: list[dict[str, str]],
        reviewers_required: int,
        audio_seconds: float,
        params: dict[str, Any],
        salts: dict[str, str],
        sealed_payload: bytes,
        now: datetime,
        deadline: datetime,
    ) -> dict[str, Any]:
        """A new hold's row, ready to insert once the held entry has its index."""
        return {
            "id": hold_id,
            "client_id": client_id,
            "key_id": key_id,
            "action": action,
            "purpose": purpose,
            "policy": policy,
            "reasons": json.dumps(reasons),
            "reviewers_required": reviewers_required,
            "audio_seconds": audio_seconds,
            "params": json.dumps(params),
            "salts": json.dumps(salts),
            "payload": sealed_payload,
            "status": "pending",
            "created_at": now,
            "deadline": deadline,
        }

    def insert(self, conn: Connection, row: dict[str, Any], *, log_index: int) -> None:
        """Store a hold row in the held entry's transaction."""
        conn.execute(insert(holds).values(log_index=log_index, **row))

    # -- reading ----------------------------------------------------------------

    def _query(self) -> Any:
        return select(
            *_COLUMNS,
            clients.c.pseudonym,
            clients.c.category,
            holds.c.payload.is_not(None).label("has_payload"),
            holds.c.result.is_not(None).label("has_result"),
        ).join(clients, clients.c.id == holds.c.client_id)

    def _hold(self, conn: Connection, row: Any) -> Hold:
        rows = conn.execute(
            select(verdicts, users.c.name, users.c.pseudonym)
            .join(users, users.c.id == verdicts.c.user_id)
            .where(verdicts.c.hold_id == row.id)
            .order_by(verdicts.c.log_index)
        ).all()
        return Hold(
            id=row.id,
            client_id=row.client_id,
            client=row.pseudonym,
            category=row.category,
            log_index=row.log_index,
            action=row.action,
            purpose=row.purpose,
            policy=row.policy,
            reasons=json.loads(row.reasons),
            reviewers_required=row.reviewers_required,
            audio_seconds=row.audio_seconds,
            params=json.loads(row.params),
            salts=json.loads(row.salts),
            status=row.status,
            created_at=_aware(row.created_at),  # type: ignore[arg-type]
            deadline=_aware(row.deadline),  # type: ignore[arg-type]
            final_index=row.final_index,
            has_payload=bool(row.has_payload),
            has_result=bool(row.has_result),
            verdicts=tuple(
                Vote(v.name, v.pseudonym, v.verdict, v.reason, v.log_index, _aware(v.created_at))  # type: ignore[arg-type]
                for v in rows
            ),
        )

    def get(self, hold_id: str, conn: Connection | None = None) -> Hold:
        if conn is None:
            with self._engine.connect() as own:
                return self.get(hold_id, own)
        row = conn.execute(self._query().where(holds.c.id == hold_id)).one_or_none()
        if row is None:
            raise NotFound(f"no hold {hold_id!r}")
        return self._hold(conn, row)

    def find(self, query: HoldQuery, *, offset: int = 0, limit: int = 50) -> tuple[list[Hold], int]:
        """A page of the holds `query` asks for, and how many there are in all."""
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InputError(f"a page holds 1-{MAX_PAGE} holds from offset 0 on")
        cond = [holds.c.status.in_(ENDED) if query.decided else holds.c.status == "pending"]
        if query.status:
            cond.append(holds.c.status == query.status)
        if query.action:
            cond.append(holds.c.action == query.action)
        if query.category:
            cond.append(clients.c.category == query.category)
        if query.client_id is not None:
            cond.append(holds.c.client_id == query.client_id)
        if query.since is not None:
            cond.append(holds.c.created_at >= query.since)
        if query.until is not None:
            cond.append(holds.c.created_at < query.until)
        if query.reviewer is not None:
            voted = select(verdicts.c.hold_id).where(verdicts.c.user_id == query.reviewer)
            cond.append(holds.c.id.in_(voted))
        order = holds.c.created_at.desc() if query.decided else holds.c.created_at
        with self._engine.connect() as conn:
            total = conn.execute(
                select(func.count())
                .select_from(holds.join(clients, clients.c.id == holds.c.client_id))
                .where(*cond)
            ).scalar_one()
            rows = conn.execute(
                self._query().where(*cond).order_by(order, holds.c.id).offset(offset).limit(limit)
            ).all()
            return [self._hold(conn, r) for r in rows], int(total)

    def pending(self, limit: int = MAX_PAGE) -> list[Hold]:
        """Pending holds, oldest first."""
        return self.find(HoldQuery(), limit=limit)[0]

    def payload(self, hold_id: str) -> bytes:
        with self._engine.connect() as conn:
            blob = conn.execute(
                select(holds.c.payload).where(holds.c.id == hold_id)
            ).scalar_one_or_none()
        if blob is None:
            raise NotFound(f"hold {hold_id!r} has no stored payload (decided or expired)")
        return self._sealer.open(bytes(blob), hold_id)

    def result(self, hold_id: str) -> tuple[bytes, str] | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(holds.c.result, holds.c.result_type).where(holds.c.id == hold_id)
            ).one_or_none()
        if row is None or row.result is None:
            return None
        return self._sealer.open(bytes(row.result), hold_id + ":result"), str(row.result_type)

    # -- deciding ---------------------------------------------------------------

    def member_of(self, user: User) -> str | None:
        """The category of the client organisation `user` belongs to, or None."""
        if user.client_id is None:
            return None
        with self._engine.connect() as conn:
            found = conn.execute(
                select(clients.c.category).where(clients.c.id == user.client_id)
            ).scalar_one_or_none()
        return None if found is None else str(found)

    def check_reviewer(
        self, hold: Hold, user: User, verdict: str, reason: str, now: datetime
    ) -> None:
        """Raise unless `user` may give `verdict` on `hold` now."""
        if verdict not in VERDICTS:
            raise InputError(f"verdict must be one of {', '.join(VERDICTS)}")
        if not reason.strip():
            raise InputError("a written reason is required")
        if len(reason) > MAX_REASON:
            raise InputError(f"reasons are at most {MAX_REASON} characters")
        if user.role not in ("reviewer", "admin"):
            raise Forbidden("only reviewers and admins decide holds")
        if user.client_id is not None and user.client_id == hold.client_id:
            raise Forbidden("you may not review a request from your own organisation")
        if any(v.pseudonym == user.pseudonym for v in hold.verdicts):
            raise Conflict("you have already given a verdict on this hold")
        if hold.status != "pending":
            raise Conflict(f"this hold is already {hold.status}")
        if now >= hold.deadline:
            raise Conflict("this hold has passed its deadline")

    def add_verdict(
        self,
        conn: Connection,
        hold: Hold,
        user: User,
        *,
        verdict: str,
        reason: str,
        reason_salt: str,
        log_index: int,
        now: datetime,
    ) -> str:
        """Record a verdict in the log's transaction; return the hold's new status."""
        try:
            conn.execute(
                insert(verdicts).values(
                    hold_id=hold.id,
                    user_id=user.id,
                    verdict=verdict,
                    reason=reason,
                    reason_salt=reason_salt,
                    log_index=log_index,
                    created_at=now,
                )
            )
        except IntegrityError:
            raise Conflict("you have already given a verdict on this hold") from None
        if verdict == "deny":
            new = "denied"
        else:
            approvals = conn.execute(
                select(func.count()).where(
                    verdicts.c.hold_id == hold.id, verdicts.c.verdict == "approve"
                )
            ).scalar_one()
            new = "approved" if approvals >= hold.reviewers_required else "pending"
        changes: dict[str, Any] = {"status": new}
        if new == "denied":  # the final `denied` entry directly follows this verdict's
            changes.update(payload=None, finished_at=now, final_index=log_index + 1)
        moved = conn.execute(
            update(holds)
            .where(holds.c.id == hold.id, holds.c.status == "pending", holds.c.deadline > now)
            .values(**changes)
        )
        if moved.rowcount != 1:
            raise Conflict("this hold was decided or expired meanwhile")
        return new

    # -- executing and ending ---------------------------------------------------

    def claim(self, hold_id: str, now: datetime, lease: timedelta) -> datetime | None:
        """Claim an approved hold for execution; None if someone else holds a live claim."""
        with self._engine.begin() as conn:
            done = conn.execute(
                update(holds)
                .where(
                    holds.c.id == hold_id,
                    holds.c.status == "approved",
                    or_(holds.c.claimed_at.is_(None), holds.c.claimed_at < now - lease),
                )
                .values(claimed_at=now)
            )
        return now if done.rowcount == 1 else None

    def approved(self) -> list[str]:
        with self._engine.connect() as conn:
            return list(
                conn.execute(
                    select(holds.c.id)
                    .where(holds.c.status == "approved")
                    .order_by(holds.c.created_at)
                ).scalars()
            )

    def overdue(self, now: datetime) -> list[str]:
        with self._engine.connect() as conn:
            return list(
                conn.execute(
                    select(holds.c.id).where(holds.c.status == "pending", holds.c.deadline <= now)
                ).scalars()
            )

    def finish(
        self,
        conn: Connection,
        hold_id: str,
        *,
        status: str,
        expect: str,
        final_index: int,
        now: datetime,
        claimed_at: datetime | None = None,
        sealed_result: bytes | None = None,
        result_type: str | None = None,
        result_until: datetime | None = None,
    ) -> None:
        """End a hold in the log's transaction; Conflict if it moved on meanwhile.

        `sealed_result` comes from `seal_result`, done before the append.
        """
        cond = [holds.c.id == hold_id, holds.c.status == expect]
        if claimed_at is not None:
            cond.append(holds.c.claimed_at == claimed_at)
        moved = conn.execute(
            update(holds)
            .where(and_(*cond))
            .values(
                status=status,
                payload=None,
                finished_at=now,
                final_index=final_index,
                result=sealed_result,
                result_type=result_type,
                result_expires_at=result_until,
            )
        )
        if moved.rowcount != 1:
            raise Conflict(f"hold {hold_id} is no longer {expect}")

    def purge_results(self, now: datetime) -> int:
        """Delete results kept past their retention time."""
        with self._engine.begin() as conn:
            done = conn.execute(
                update(holds)
                .where(holds.c.result.is_not(None), holds.c.result_expires_at <= now)
                .values(result=None)
            )
        return done.rowcount
