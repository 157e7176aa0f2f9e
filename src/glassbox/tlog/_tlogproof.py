"""C2SP tlog-proof: an offline-verifiable proof that an entry is in a checkpointed tree.

c2sp.org/tlog-proof@v1
[extra <base64>]
index <decimal>
<base64 hash>          one per line, leaf's sibling first
<empty line>
<signed checkpoint note, verbatim>
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from glassbox.errors import FormatError

from ._hash import HASH_SIZE

PROOF_HEADER = "c2sp.org/tlog-proof@v1"
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


def _b64(text: str, what: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise FormatError(f"tlog-proof {what} is not base64") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise FormatError(f"tlog-proof {what} is not canonical base64")
    return data


@dataclass(frozen=True)
class TlogProof:
    """An entry index, its inclusion proof and the signed checkpoint it leads to."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None

    def to_text(self) -> str:
        lines = [PROOF_HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode("ascii"))
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode("ascii") for h in self.hashes]
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def parse(cls, text: str) -> TlogProof:
        """Parse strictly; the checkpoint is returned verbatim, not yet verified."""
        head, sep, checkpoint = text.partition("\n\n")
        if not sep or not checkpoint:
            raise FormatError("tlog-proof has no checkpoint after an empty line")
        lines = head.split("\n")
        if lines[0] != PROOF_HEADER:
            raise FormatError(f"tlog-proof must start with {PROOF_HEADER!r}")
        rest = lines[1:]
        extra = None
        if rest and rest[0].startswith("extra "):
            extra = _b64(rest[0][6:], "extra data")
            rest = rest[1:]
        if not rest or not rest[0].startswith("index "):
            raise FormatError("tlog-proof has no 'index' line")
        number = rest[0][6:]
        if not _DECIMAL.fullmatch(number):
            raise FormatError(f"tlog-proof index {number!r} is not a decimal")
        hashes = []
        for n, line in enumerate(rest[1:]):
            h = _b64(line, f"hash {n}")
            if len(h) != HASH_SIZE:
                raise FormatError(f"tlog-proof hash {n} is {len(h)} bytes, not {HASH_SIZE}")
            hashes.append(h)
        return cls(int(number), tuple(hashes), checkpoint, extra)
