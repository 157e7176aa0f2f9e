"""Checking a receipt: its entry is in the log, and its commitments open to the client's files."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from glassbox.audit._cosigned import Quorum, require_cosignatures
from glassbox.audit._keys import log_verifier
from glassbox.audit._sources import LogSource
from glassbox.audit._state import AuditState
from glassbox.audit._verify import _check_consistent, _check_not_rolled_back
from glassbox.entries import commitment, result_content
from glassbox.errors import (
    FetchError,
    FormatError,
    InclusionError,
    InputError,
    NotFound,
    VerificationError,
)
from glassbox.tlog import (
    TileHashReader,
    TlogProof,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    verify_inclusion,
)


@dataclass(frozen=True)
class ReceiptCheck:
    """What a receipt check established, and against which checkpoints."""

    index: int
    size: int  # the size of the checkpoint the entry was proved to be included under
    opened: tuple[str, ...]
    offline: bool = False  # proved by the receipt's own tlog-proof
    cosigners: tuple[str, ...] = ()
    live_size: int | None = None  # the live log's checkpoint it was checked against

    def summary(self) -> str:
        how = " by its tlog-proof" if self.offline else " of the live log"
        witnessed = f", cosigned by {', '.join(self.cosigners)}" if self.cosigners else ""
        live = ""
        if self.offline and self.live_size is not None:
            live = f"; consistent with the live log at size={self.live_size}"
        opened = "".join(f"; {name} commitment opens" for name in self.opened)
        return (
            f"OK receipt index={self.index} included under size={self.size}{how}{witnessed}"
            f"{live}{opened}"
        )


def _field(receipt: dict[str, Any], name: str) -> Any:
    if name not in receipt:
        raise FormatError(f"the receipt has no {name!r} field")
    return receipt[name]


def parse_receipt(text: str) -> dict[str, Any]:
    """A receipt as saved from a response: the object itself or a body holding it."""
    try:
        obj = json.loads(text)
    except ValueError:
        raise FormatError("the receipt is not JSON") from None
    if isinstance(obj, dict) and "glassbox_receipt" in obj:
        obj = obj["glassbox_receipt"]
    if not isinstance(obj, dict):
        raise FormatError("the receipt is not a JSON object")
    return obj


def verify_receipt(
    receipt: dict[str, Any],
    source: LogSource | None,
    *,
    key: str,
    files: dict[str, bytes] | None = None,
    witnesses: Sequence[str] = (),
    quorum: int | None = None,
) -> ReceiptCheck:
    """Verify a receipt: its entry is in the log, and its commitments open to `files`.

    A receipt with a tlog-proof is proved offline, under the checkpoint it carries
    (signed by `key`, cosigned by `quorum` of `witnesses`); with a `source` that
    checkpoint must then also be consistent with the live log's latest. A receipt
    without one (as sent with a response) needs `source`: it is proved under the
    live log's checkpoint. If the live log cannot be read after an offline proof,
    FetchError says what was verified and what could not be.
    """
    verifier = log_verifier(key)
    required = Quorum.parse(witnesses, quorum)
    index = _field(receipt, "index")
    entry_text = _field(receipt, "entry")
    if not isinstance(index, int) or index < 0 or not isinstance(entry_text, str):
        raise FormatError("the receipt's index or entry is malformed")
    entry = entry_text.encode("utf-8")
    try:
        claimed = base64.b64decode(_field(receipt, "leaf_hash"), validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise FormatError("the receipt's leaf_hash is not base64") from None
    leaf = leaf_hash(entry)
    if claimed != leaf:
        raise VerificationError("the receipt's leaf_hash is not the hash of its entry")
    if receipt.get("origin", verifier.name) != verifier.name:
        raise VerificationError(
            f"the receipt is for log {receipt['origin']!r}, not {verifier.name!r}"
        )

    if "tlog_proof" not in receipt:
        if source is None:
            raise InputError(
                "this receipt carries no tlog-proof (a response's receipt is sent before a "
                f"checkpoint includes its entry): fetch GET /v1/receipts/{index} for one that "
                "verifies offline, or pass --log URL"
            )
        note = source.checkpoint()
        cp = open_checkpoint(note, verifier)
        cosigners = require_cosignatures(note, verifier, required)
        if cp.size <= index:
            raise InclusionError(
                f"entry {index} is not under the log's current checkpoint (size {cp.size})"
            )
        proof = inclusion_proof(index, cp.size, TileHashReader(source.tile, cp.size).node)
        verify_inclusion(leaf, index, cp.size, proof, cp.root)
        opened = _open_commitments(receipt, entry, files or {})
        return ReceiptCheck(index, cp.size, opened, cosigners=cosigners, live_size=cp.size)

    if not isinstance(receipt["tlog_proof"], str):
        raise FormatError("the receipt's tlog_proof is not a string")
    shipped = TlogProof.parse(receipt["tlog_proof"])
    cp = open_checkpoint(shipped.checkpoint, verifier)
    cosigners = require_cosignatures(shipped.checkpoint, verifier, required)
    if shipped.index != index:
        raise InclusionError("the receipt's tlog-proof is for another index")
    verify_inclusion(leaf, index, cp.size, shipped.hashes, cp.root)
    opened = _open_commitments(receipt, entry, files or {})
    check = ReceiptCheck(index, cp.size, opened, offline=True, cosigners=cosigners)
    if source is None:
        return check
    try:
        live_note = source.checkpoint()
    except (FetchError, NotFound) as exc:
        raise FetchError(
            f"{check.summary()}; but the live log could not be read, so its consistency "
            f"with size {cp.size} is not checked: {exc.message}"
        ) from None
    live = open_checkpoint(live_note, verifier)
    state = AuditState(cp.origin, cp.size, _b64(cp.root), shipped.checkpoint, key)
    _check_not_rolled_back(state, live, live_note)
    try:
        _check_consistent(source, state, live, live_note)
    except (FetchError, NotFound) as exc:
        raise FetchError(
            f"{check.summary()}; but the live log's tiles could not be read, so its "
            f"consistency with size {cp.size} is not checked: {exc.message}"
        ) from None
    return replace(check, live_size=live.size)


def _open_commitments(
    receipt: dict[str, Any], entry: bytes, files: dict[str, bytes]
) -> tuple[str, ...]:
    """The names of the commitments in `entry` that open to `files` (all, or raise)."""
    opened = []
    decoded = json.loads(entry)
    salts = receipt.get("salts") or {}
    for name, content in files.items():
        want = decoded.get(name)
        if not want:
            raise InputError(f"the entry has no {name} commitment to open")
        try:
            salt = base64.b64decode(salts[name], validate=True)
        except (KeyError, binascii.Error, ValueError, TypeError):
            raise FormatError(f"the receipt carries no usable {name} salt") from None
        if commitment(salt, _committed(content)) != want and commitment(salt, content) != want:
            raise VerificationError(
                f"the {name} commitment {want} does not open to the given {name} file"
            )
        opened.append(name)
    return tuple(opened)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _committed(content: bytes) -> bytes:
    """Output files saved as JSON are committed to canonically, without the receipt."""
    try:
        return result_content(content, "application/json")
    except ValueError:
        return content
