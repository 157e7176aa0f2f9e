"""The body of a C2SP tlog-witness add-checkpoint request, parsed strictly.

    old <size>
    <base64 consistency proof hash>     zero to 63 lines
    <empty line>
    <signed checkpoint note>

Anything malformed is an :class:`InputError` (400): a parse error never becomes
a verification verdict.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from glassbox.errors import InputError
from glassbox.tlog import HASH_SIZE

MAX_PROOF_LINES = 63
MAX_BODY_BYTES = 1 << 20

_OLD = re.compile(r"old (0|[1-9][0-9]{0,19})")


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed add-checkpoint request; nothing in it is verified yet."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str

    def to_body(self) -> bytes:
        """The request body, as a client sends it."""
        lines = [f"old {self.old_size}", *(base64.b64encode(h).decode() for h in self.proof)]
        return ("\n".join(lines) + "\n\n" + self.note).encode("utf-8")


def _hash_line(line: str, number: int) -> bytes:
    try:
        value = base64.b64decode(line, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"consistency proof line {number} is not base64") from None
    if len(value) != HASH_SIZE or base64.b64encode(value).decode() != line:
        raise InputError(f"consistency proof line {number} is not the base64 of a 32-byte hash")
    return value


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse a request body; raises :class:`InputError` describing the first problem."""
    if len(body) > MAX_BODY_BYTES:
        raise InputError(f"request body is larger than {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise InputError("request body has no empty line before the checkpoint")
    if not note:
        raise InputError("request body has no checkpoint after the empty line")
    old_line, *proof_lines = head.split("\n")
    match = _OLD.fullmatch(old_line)
    if match is None:
        raise InputError("the first line must be 'old <size>' (decimal, no leading zeros)")
    old_size = int(match.group(1))
    if old_size >= 1 << 64:
        raise InputError(f"old size {old_size} is out of range")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise InputError(f"{len(proof_lines)} proof lines; at most {MAX_PROOF_LINES} are allowed")
    proof = tuple(_hash_line(line, n) for n, line in enumerate(proof_lines, start=2))
    if old_size == 0 and proof:
        raise InputError("a request from old size 0 must carry no consistency proof")
    return AddCheckpoint(old_size, proof, note)
