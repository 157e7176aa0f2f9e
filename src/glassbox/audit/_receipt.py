"""Checking a receipt: its entry is in the log, and its commitments open to the client's files."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from glassbox.audit._keys import log_verifier
from glassbox.audit._sources import LogSource
from glassbox.entries import commitment, result_content
from glassbox.errors import FormatError, InclusionError, InputError, VerificationError
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
    index: int
    size: int
    opened: tuple[str, ...]

    def summary(self) -> str:
        opened = "".join(f"; {name} commitment opens" for name in self.opened)
        return f"OK receipt index={self.index} included under size={self.size}{opened}"


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
    source: LogSource,
    *,
    key: str,
    files: dict[str, bytes] | None = None,
) -> ReceiptCheck:
    """Verify inclusion under the log's current checkpoint and open the given commitments."""
    verifier = log_verifier(key)
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

    if "tlog_proof" in receipt:  # the offline proof shipped with the receipt
        shipped = TlogProof.parse(str(receipt["tlog_proof"]))
        shipped_cp = open_checkpoint(shipped.checkpoint, verifier)
        if shipped.index != index:
            raise InclusionError("the receipt's tlog-proof is for another index")
        verify_inclusion(leaf, index, shipped_cp.size, shipped.hashes, shipped_cp.root)

    cp = open_checkpoint(source.checkpoint(), verifier)
    if cp.size <= index:
        raise InclusionError(
            f"entry {index} is not under the log's current checkpoint (size {cp.size})"
        )
    proof = inclusion_proof(index, cp.size, TileHashReader(source.tile, cp.size).node)
    verify_inclusion(leaf, index, cp.size, proof, cp.root)

    opened = []
    decoded = json.loads(entry)
    salts = receipt.get("salts") or {}
    for name, content in (files or {}).items():
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
    return ReceiptCheck(index, cp.size, tuple(opened))


def _committed(content: bytes) -> bytes:
    """Output files saved as JSON are committed to canonically, without the receipt."""
    try:
        return result_content(content, "application/json")
    except ValueError:
        return content
