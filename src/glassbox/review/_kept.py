"""Results a client fetches later by a token: LibreTranslate's translated files.

A served file translation answers with a download URL, as LibreTranslate does. The
file is stored sealed (AES-256-GCM with the hold key, the token's hash as associated
data) in the same transaction as its decision entry, so a logged result is always
there to fetch; only the token's SHA-256 is stored, and the row goes after
`result_retention_hours`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select

from glassbox.clock import Clock, utc_now
from glassbox.errors import Gone, NotFound
from glassbox.store import kept_results

from ._sealed import Sealer


@dataclass(frozen=True)
class Kept:
    body: bytes
    media_type: str
    filename: str


class KeptResults:
    """Sealed results under unguessable tokens, for `retention`."""

    def __init__(
        self, engine: Engine, sealer: Sealer, *, retention: timedelta, clock: Clock = utc_now
    ) -> None:
        self._engine = engine
        self._sealer = sealer
        self._retention = retention
        self._clock = clock

    def keep(self, client_id: int, kept: Kept) -> tuple[str, Callable[[Connection, int], None]]:
        """A new token for `kept`, and the companion write that stores it with its entry
        (sealed now, before the append)."""
        token = secrets.token_urlsafe(32)
        digest = _digest(token)
        row = {
            "token_sha256": digest,
            "client_id": client_id,
            "media_type": kept.media_type,
            "filename": kept.filename,
            "sealed": self._sealer.seal(kept.body, f"kept:{digest}"),
            "expires_at": self._clock() + self._retention,
        }
        now = self._clock()

        def store(conn: Connection, index: int) -> None:
            conn.execute(delete(kept_results).where(kept_results.c.expires_at < now))
            conn.execute(insert(kept_results).values(log_index=index, **row))

        return token, store

    def fetch(self, token: str) -> Kept:
        """The result kept under `token`; `NotFound`, or `Gone` once past its retention."""
        digest = _digest(token)
        with self._engine.connect() as conn:
            row = conn.execute(
                select(kept_results).where(kept_results.c.token_sha256 == digest)
            ).one_or_none()
        if row is None:
            raise NotFound("there is no such file: the link is wrong, or it was never made")
        if _aware(row.expires_at) <= self._clock():
            raise Gone("the translated file is no longer kept; translate it again")
        body = self._sealer.open(row.sealed, f"kept:{digest}")
        return Kept(body, row.media_type, row.filename)


def _aware(when: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
