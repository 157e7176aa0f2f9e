"""Getting checkpoints cosigned by witnesses (C2SP tlog-witness), and serving the cosignatures.

A background thread per witness notices each new checkpoint and submits it
with a consistency proof from the size that witness last cosigned; on 409 it
retries from the size the witness reports.  Valid cosignature lines are kept
per checkpoint size (`log_cosignatures`) and `LogReader.checkpoint` appends
those of the latest size to the log's own signature.  A witness that is down
or refuses is logged and retried later with backoff; it never holds up
appends or integration.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
from sqlalchemy import Engine, delete, func, select

from glassbox.errors import FetchError, GlassboxError, VerificationError
from glassbox.store import log_cosignatures, log_tree
from glassbox.tlog import Checkpoint, WitnessEndpoint, parse_note, verify_cosignature
from glassbox.tlog.server._reader import LogReader

_log = logging.getLogger(__name__)

SIZE_MEDIA_TYPE = "text/x.tlog.size"
_MAX_BACKOFF = 60.0
_CONFLICT_RETRIES = 2


class WitnessSubmitter:
    """Submits each new checkpoint to every configured witness, one thread per witness."""

    def __init__(
        self,
        engine: Engine,
        witnesses: Sequence[WitnessEndpoint],
        *,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._engine = engine
        self._reader = LogReader(engine)
        self.witnesses = list(witnesses)
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self._owns_client = client is None
        self._known: dict[str, int] = {}  # witness key -> the size it last cosigned, as last told
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def submit(self, witness: WitnessEndpoint) -> bool:
        """Get the latest checkpoint cosigned by `witness` unless it already is.

        Returns whether a new cosignature was stored.  Raises FetchError if the
        witness cannot be reached or refuses, VerificationError if it answers
        with no valid cosignature.
        """
        with self._engine.connect() as conn:
            note = str(conn.execute(select(log_tree.c.checkpoint)).scalar_one())
            if not note:
                return False
            checkpoint = Checkpoint.parse(parse_note(note).text)
            done = conn.execute(
                select(log_cosignatures.c.size).where(
                    log_cosignatures.c.size == checkpoint.size,
                    log_cosignatures.c.witness == witness.key,
                )
            ).first()
            if done is not None:
                return False
            old = self._known.get(witness.key)
            if old is None:
                last = conn.execute(
                    select(func.max(log_cosignatures.c.size)).where(
                        log_cosignatures.c.witness == witness.key
                    )
                ).scalar_one()
                old = 0 if last is None else int(last)
        line = self._cosign(witness, checkpoint, note, old)
        with self._engine.begin() as conn:
            conn.execute(
                delete(log_cosignatures).where(
                    log_cosignatures.c.size == checkpoint.size,
                    log_cosignatures.c.witness == witness.key,
                )
            )
            conn.execute(
                log_cosignatures.insert().values(
                    size=checkpoint.size,
                    witness=witness.key,
                    line=line,
                    created_at=datetime.now(UTC),
                )
            )
        self._known[witness.key] = checkpoint.size
        return True

    def _cosign(self, witness: WitnessEndpoint, checkpoint: Checkpoint, note: str, old: int) -> str:
        """POST add-checkpoint until the witness's size is known; return its cosignature line."""
        name = witness.verifier.name
        for _ in range(_CONFLICT_RETRIES + 1):
            if old > checkpoint.size:
                raise FetchError(
                    f"witness {name} has cosigned size {old}, beyond this log's latest "
                    f"checkpoint ({checkpoint.size}): was the database restored from a backup?"
                )
            proof = [] if old == 0 else self._reader.consistency_proof(old, checkpoint.size)[1]
            head = "".join(f"{base64.b64encode(h).decode()}\n" for h in proof)
            body = f"old {old}\n{head}\n{note}".encode()
            url = f"{witness.url.rstrip('/')}/add-checkpoint"
            try:
                resp = self._client.post(url, content=body)
            except httpx.HTTPError as exc:
                raise FetchError(f"witness {name} at {url}: {exc.__class__.__name__}") from None
            if resp.status_code == 409 and resp.headers.get("content-type", "").startswith(
                SIZE_MEDIA_TYPE
            ):
                try:
                    old = int(resp.text.strip())
                except ValueError:
                    raise FetchError(f"witness {name} sent a malformed size on 409") from None
                self._known[witness.key] = old
                continue
            if resp.status_code != 200:
                raise FetchError(
                    f"witness {name} refused size {checkpoint.size} from old size {old}: "
                    f"HTTP {resp.status_code} {resp.text.strip()[:300]}"
                )
            return self._valid_line(witness, checkpoint, resp.text)
        raise FetchError(f"witness {name} kept answering 409 (its size moves under us)")

    @staticmethod
    def _valid_line(witness: WitnessEndpoint, checkpoint: Checkpoint, body: str) -> str:
        for line in body.splitlines():
            try:
                verify_cosignature(checkpoint, line, witness.verifier)
            except VerificationError:
                continue  # another key's line, or not a signature line: ignored
            return line
        raise VerificationError(
            f"witness {witness.verifier.name} answered with no valid cosignature "
            f"for size {checkpoint.size}"
        )

    def start_threads(self, interval: float) -> None:
        for witness in self.witnesses:
            thread = threading.Thread(
                target=self._loop,
                args=(witness, interval),
                name=f"glassbox-witness-{witness.verifier.name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        if self._owns_client:
            self._client.close()

    def _loop(self, witness: WitnessEndpoint, interval: float) -> None:
        delay = 0.0
        failures = 0
        while not self._stop.wait(delay):
            try:
                self.submit(witness)
                failures, delay = 0, interval
            except GlassboxError as exc:
                failures += 1
                delay = min(_MAX_BACKOFF, interval * 2**failures)
                _log.warning("witness %s: %s", witness.verifier.name, exc.message)
            except Exception:
                failures += 1
                delay = min(_MAX_BACKOFF, interval * 2**failures)
                _log.exception("witness %s: submission failed", witness.verifier.name)
