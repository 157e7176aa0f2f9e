"""The ledger: decision entries and the private rows that go with them, written together.

Every service request ends in a `decision` entry (see `glassbox.entries`) and a row in
`requests`: the client's volume (for the policy's 24-hour figures) and the receipt's
salts (so the client can fetch its receipt again), never content. Both are written
through the log's sequencer in one transaction, so the row exists exactly when the
entry does; this module is the only place that writes that row.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from anyio import to_thread
from sqlalchemy import Connection, func, insert, select

from glassbox.entries import DecisionEntry, Outcome, Receipt
from glassbox.errors import NotFound, Overloaded
from glassbox.store import requests
from glassbox.tlog import Checkpoint, TlogProof, parse_note
from glassbox.tlog.server import Companion, LogServer

COUNTED = (Outcome.SERVED, Outcome.HELD)  # what counts towards a client's volume
INTEGRATION_WAIT = 5.0  # how long a receipt request waits for its entry's checkpoint


@dataclass(frozen=True)
class Usage:
    audio_seconds: float
    requests: int


class Ledger:
    """Records decisions through `log` and answers for them: volumes and receipts."""

    def __init__(self, log: LogServer) -> None:
        self._log = log

    @property
    def origin(self) -> str:
        return self._log.origin

    def _write(
        self,
        entry: DecisionEntry,
        client_id: int,
        salts: Mapping[str, str],
        preceded_by: Sequence[bytes],
        volume: bool,
        also: Companion | None,
    ) -> tuple[list[bytes], Companion]:
        """The entries to append and the companion that stores the request's row."""
        encoded = entry.encode()
        offset = len(preceded_by)
        # A held request's final entry gets a row of its own: "<request id>:<outcome>".
        final = entry.hold is not None
        row = {
            "request_id": f"{entry.request}:{entry.outcome}" if final else entry.request,
            "client_id": client_id,
            "action": str(entry.action),
            "outcome": str(entry.outcome),
            "audio_seconds": (entry.audio_seconds or 0.0) if volume else 0.0,
            "characters": (entry.characters or 0) if volume else 0,
            "salts": json.dumps(dict(salts)),
            "created_at": entry.time,
        }

        def store(conn: Connection, first: int) -> None:
            conn.execute(insert(requests).values(log_index=first + offset, **row))
            if also is not None:
                also(conn, first)

        return [*preceded_by, encoded], store

    async def record(
        self,
        entry: DecisionEntry,
        *,
        client_id: int,
        salts: Mapping[str, str],
        also: Companion | None = None,
    ) -> Receipt:
        """Append a request's decision entry, durably, and return the client's receipt.

        `also` writes more records in the same transaction, given the entry's index.
        """
        entries, store = self._write(entry, client_id, salts, (), True, also)
        index = await self._log.append_async(entries, store)
        return Receipt(self.origin, index, entries[-1], salts)

    def record_final(
        self,
        entry: DecisionEntry,
        *,
        client_id: int,
        salts: Mapping[str, str],
        preceded_by: Sequence[bytes] = (),
        also: Companion | None = None,
    ) -> Receipt:
        """Append the final entry of a held request (blocking), after `preceded_by` if any.

        The held request already counted towards the client's volume, so this one
        does not. `also` is given the index of the first entry appended.
        """
        entries, store = self._write(entry, client_id, salts, preceded_by, False, also)
        first = self._log.append(entries, store)
        return Receipt(self.origin, first + len(preceded_by), entries[-1], salts)

    def usage_24h(self, client_id: int, now: datetime) -> Usage:
        """Audio seconds and requests served or held for the client in the 24 hours to `now`."""
        since = now - timedelta(hours=24)
        with self._log.engine.connect() as conn:
            seconds, count = conn.execute(
                select(func.coalesce(func.sum(requests.c.audio_seconds), 0.0), func.count()).where(
                    requests.c.client_id == client_id,
                    requests.c.created_at >= since,
                    requests.c.outcome.in_([str(o) for o in COUNTED]),
                )
            ).one()
        return Usage(float(seconds), int(count))

    def _salts(self, client_id: int, index: int) -> dict[str, str]:
        with self._log.engine.connect() as conn:
            salts = conn.execute(
                select(requests.c.salts).where(
                    requests.c.log_index == index, requests.c.client_id == client_id
                )
            ).scalar_one_or_none()
        if salts is None:
            raise NotFound(f"you have no receipt at log index {index}")
        loaded: dict[str, str] = json.loads(salts)
        return loaded

    def receipt(self, client_id: int, index: int) -> Receipt:
        """The client's receipt for the entry at `index`, with its tlog-proof if the entry is
        under a checkpoint already (it does not wait for one)."""
        salts = self._salts(client_id, index)
        try:
            proved = self._with_proof(index, salts)
        except NotFound:  # no checkpoint signed yet
            proved = None
        if proved is not None:
            return proved
        return Receipt(self.origin, index, self._log.reader.sequenced_entry(index), salts)

    def _with_proof(self, index: int, salts: dict[str, str]) -> Receipt | None:
        """The receipt with a tlog-proof under the latest (cosigned) checkpoint, if it
        includes `index`."""
        reader = self._log.reader
        note = reader.checkpoint()
        cp = Checkpoint.parse(parse_note(note).text)
        if cp.size <= index:
            return None
        (entry,) = reader.entries(index, index + 1)
        _, proof = reader.inclusion_proof(index, cp.size)
        return Receipt(self.origin, index, entry, salts, TlogProof(index, tuple(proof), note))

    async def receipt_with_proof(self, client_id: int, index: int) -> dict[str, Any]:
        """The receipt for `index` with a proof against the latest checkpoint.

        Waits briefly for integration (normally under a second); raises Overloaded
        (503 with Retry-After) if the entry is still not under a checkpoint.
        """
        salts = await to_thread.run_sync(self._salts, client_id, index)
        deadline = time.monotonic() + INTEGRATION_WAIT
        while True:
            rec = await to_thread.run_sync(self._with_proof, index, salts)
            if rec is not None:
                return rec.to_json()
            if time.monotonic() > deadline:
                raise Overloaded(f"log entry {index} is not yet under a signed checkpoint; retry")
            await asyncio.sleep(0.1)
