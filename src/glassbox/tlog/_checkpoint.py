"""C2SP tlog-checkpoint: the signed tree head, as the text of a signed note.

The text is the origin line, the tree size in decimal, the base64 root hash,
then optional extension lines, each ending in a newline.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from glassbox.errors import FormatError, InputError

from ._hash import HASH_SIZE
from ._keys import Signer, Verifier
from ._note import open_note, sign_note

_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_MAX_SIZE = (1 << 64) - 1


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: its origin, tree size and root hash, plus optional extensions."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise InputError("checkpoint origin must be one non-empty line")
        if not 0 <= self.size <= _MAX_SIZE:
            raise InputError(f"checkpoint size {self.size} is out of range")
        if len(self.root) != HASH_SIZE:
            raise InputError(f"checkpoint root is {len(self.root)} bytes, not {HASH_SIZE}")
        for line in self.extensions:
            if not line or "\n" in line:
                raise InputError("checkpoint extension lines must be single non-empty lines")

    def to_text(self) -> str:
        """The note text of this checkpoint, ending in a newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii")]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse checkpoint note text strictly; raises :class:`FormatError`."""
        if not text.endswith("\n"):
            raise FormatError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise FormatError(f"checkpoint has {len(lines)} lines, needs at least 3")
        origin, size_line, root_line, *extensions = lines
        if not origin:
            raise FormatError("checkpoint origin line is empty")
        if not _DECIMAL.fullmatch(size_line) or int(size_line) > _MAX_SIZE:
            raise FormatError(
                f"checkpoint size {size_line!r} is not a decimal without leading zeros"
            )
        try:
            root = base64.b64decode(root_line, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise FormatError("checkpoint root hash is not valid base64") from exc
        if len(root) != HASH_SIZE or base64.b64encode(root).decode("ascii") != root_line:
            raise FormatError(f"checkpoint root must be the base64 of {HASH_SIZE} bytes")
        for number, line in enumerate(extensions, start=4):
            if not line:
                raise FormatError(f"checkpoint line {number} is empty")
        return cls(origin=origin, size=int(size_line), root=root, extensions=tuple(extensions))


def sign_checkpoint(cp: Checkpoint, signer: Signer) -> str:
    """The checkpoint as a note signed by ``signer``."""
    return sign_note(cp.to_text(), signer)


def open_checkpoint(note: str, verifier: Verifier, *, origin: str | None = None) -> Checkpoint:
    """Verify ``verifier``'s signature on a checkpoint note, then parse it.

    The origin line must equal ``origin`` when given, else the verifier's name.
    Raises :class:`SignatureError` or :class:`FormatError`.
    """
    opened = open_note(note, [verifier])
    checkpoint = Checkpoint.parse(opened.text)
    expected = verifier.name if origin is None else origin
    if checkpoint.origin != expected:
        raise FormatError(f"checkpoint origin is {checkpoint.origin!r}, expected {expected!r}")
    return checkpoint
