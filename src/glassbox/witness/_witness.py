"""The witness: checks each new checkpoint of the logs it follows, then cosigns it.

One rule above all: it never cosigns two checkpoints of one log that are not
consistent with each other.  For each log it keeps the latest checkpoint it
cosigned and accepts a new one only with a consistency proof from that one.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Sequence
from typing import NoReturn

from glassbox.errors import (
    Conflict,
    ConsistencyError,
    Forbidden,
    FormatError,
    GlassboxError,
    InputError,
    NotFound,
    SignatureError,
)
from glassbox.tlog import (
    EMPTY_ROOT,
    Checkpoint,
    Cosigner,
    Verifier,
    open_note,
    parse_note,
    verify_consistency,
)
from glassbox.witness._request import AddCheckpoint, parse_add_checkpoint
from glassbox.witness._store import Witnessed, WitnessStore

_log = logging.getLogger(__name__)


class OldSizeMismatch(Conflict):
    """Raised when a request's old size is not the latest size cosigned (409).

    `size` is that latest size: the client retries with a proof from it.
    """

    code = "old_size_mismatch"

    def __init__(self, message: str, *, size: int) -> None:
        super().__init__(message)
        self.size = size


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Witness:
    """Cosigns checkpoints of the configured logs (C2SP tlog-witness add-checkpoint)."""

    def __init__(
        self,
        cosigner: Cosigner,
        logs: Sequence[Verifier],
        store: WitnessStore,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cosigner = cosigner
        self.store = store
        self._clock = clock
        self._logs: dict[str, list[Verifier]] = {}
        for verifier in logs:  # a log's origin is its key's name; it may have several keys
            self._logs.setdefault(verifier.name, []).append(verifier)

    @property
    def origins(self) -> list[str]:
        return sorted(self._logs)

    def add_checkpoint(self, body: bytes) -> str:
        """Handle one request body; return the cosignature line(s), each ending in a newline.

        Raises InputError (400), Forbidden (403), NotFound (404),
        OldSizeMismatch or Conflict (409) and ConsistencyError (422).
        """
        request = parse_add_checkpoint(body)
        try:
            parsed = parse_note(request.note)
            checkpoint = Checkpoint.parse(parsed.text)
        except FormatError as exc:
            raise InputError(f"the checkpoint is malformed: {exc.message}") from None
        keys = self._logs.get(checkpoint.origin)
        if keys is None:
            raise NotFound(f"this witness does not follow the log {checkpoint.origin!r}")
        try:
            open_note(request.note, keys)
        except SignatureError as exc:
            raise Forbidden(f"the log's signature does not verify: {exc.message}") from None
        if request.old_size > checkpoint.size:
            raise InputError(
                f"old size {request.old_size} is larger than the checkpoint's {checkpoint.size}"
            )

        def check_and_cosign(latest: Witnessed | None) -> str:
            # Under the log's lock, so that at the cosignature's time this is the
            # largest checkpoint cosigned; it is sent only once the record is stored.
            self._check(request, checkpoint, latest)
            return self.cosigner.sign(parsed.text, int(self._clock())).line() + "\n"

        new = Witnessed(checkpoint.size, checkpoint.root, request.note)
        try:
            return self.store.advance(checkpoint.origin, check_and_cosign, new)
        except _Refusal as refusal:  # kept after the transaction, which has rolled back
            self._keep_evidence(request, checkpoint.origin, refusal.reason)
            raise refusal.error from None

    def _check(
        self, request: AddCheckpoint, checkpoint: Checkpoint, latest: Witnessed | None
    ) -> None:
        """Under the log's lock: refuse anything that does not extend what was cosigned."""
        latest_size = 0 if latest is None else latest.size
        if request.old_size != latest_size:
            raise OldSizeMismatch(
                f"old size {request.old_size} is not the latest size cosigned, {latest_size}",
                size=latest_size,
            )
        if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
            self._refuse(request, checkpoint, "a tree of size 0 must have the empty root")
        if latest is None or request.old_size == 0:
            return  # nothing cosigned yet (or only the empty tree): nothing to be consistent with
        if checkpoint.size == latest.size:
            if request.proof:
                raise InputError("a checkpoint of the same size needs an empty proof")
            if checkpoint.root != latest.root:
                self._refuse(
                    request,
                    checkpoint,
                    f"fork: size {latest.size} was cosigned with root {_b64(latest.root)}, "
                    f"this checkpoint has root {_b64(checkpoint.root)}",
                    conflict=True,
                )
            return
        try:
            verify_consistency(
                latest.size, checkpoint.size, request.proof, latest.root, checkpoint.root
            )
        except ConsistencyError as exc:
            self._refuse(request, checkpoint, exc.message, cause=exc)

    def _refuse(
        self,
        request: AddCheckpoint,
        checkpoint: Checkpoint,
        reason: str,
        *,
        conflict: bool = False,
        cause: ConsistencyError | None = None,
    ) -> NoReturn:
        """Refuse with 409 (a fork) or 422 (a bad proof); the caller keeps the evidence."""
        message = f"refused checkpoint of size {checkpoint.size}: {reason}"
        error: GlassboxError
        if conflict:
            error = Conflict(message)
        elif cause is not None:
            error = ConsistencyError(
                message,
                size1=cause.size1,
                root1=cause.root1,
                size2=cause.size2,
                root2=cause.root2,
                proof=cause.proof,
            )
        else:
            error = ConsistencyError(message, size2=checkpoint.size, root2=checkpoint.root)
        raise _Refusal(error, reason)

    def _keep_evidence(self, request: AddCheckpoint, origin: str, reason: str) -> None:
        _log.warning("refused a checkpoint of %s: %s", origin, reason)
        try:
            self.store.record_evidence(origin, reason, request.to_body().decode("utf-8"))
        except GlassboxError as exc:  # keeping evidence must not change the answer
            _log.error("could not record evidence: %s", exc.message)


class _Refusal(Exception):
    """A signed checkpoint refused as a possible split view: the error and why."""

    def __init__(self, error: GlassboxError, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason
