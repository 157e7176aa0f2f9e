"""C2SP signed notes: text, a blank line, then one ``— <name> <base64>`` line per signature.

Each signature's base64 holds the signer's 4-byte key hash followed by the
signature of the text.  Verifiers ignore signatures from keys they do not
know, must check those they do, and reject a note no known key signed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from glassbox.errors import FormatError, InputError, SignatureError

from ._keys import Signer, Verifier, is_valid_key_name

MAX_NOTE_BYTES = 1 << 20
"""Largest signed note accepted, in UTF-8 bytes."""

MAX_SIGNATURES = 100
"""Most signature lines accepted in one note (the spec asks for at least 16)."""

_SIG_PREFIX = "— "  # em dash, space


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key's name and hash, and the raw signature."""

    name: str
    key_hash: bytes
    signature: bytes

    def line(self) -> str:
        """The signature line, without its newline."""
        encoded = base64.b64encode(self.key_hash + self.signature).decode("ascii")
        return f"{_SIG_PREFIX}{self.name} {encoded}"


@dataclass(frozen=True)
class Note:
    """A parsed note; ``verified`` lists the signatures :func:`open_note` checked."""

    text: str
    signatures: tuple[NoteSignature, ...]
    verified: tuple[NoteSignature, ...] = ()


def _check_characters(text: str, what: str) -> None:
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError(f"{what} is not valid UTF-8") from exc
    if len(encoded) > MAX_NOTE_BYTES:
        raise FormatError(f"{what} is {len(encoded)} bytes; the limit is {MAX_NOTE_BYTES}")
    for char in text:
        if char < " " and char != "\n":
            raise FormatError(f"{what} contains the control character {char!r}")


def _check_text(text: str) -> None:
    _check_characters(text, "note text")
    if not text.endswith("\n"):
        raise FormatError("note text must end with a newline")


def _parse_signature_line(line: str, number: int) -> NoteSignature:
    if not line.startswith(_SIG_PREFIX):
        raise FormatError(f"signature line {number} does not start with an em dash and a space")
    name, space, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    if not space or not encoded:
        raise FormatError(f"signature line {number} has no signature after the key name")
    if not is_valid_key_name(name):
        raise FormatError(f"signature line {number} has an invalid key name {name!r}")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"signature line {number} is not valid base64") from exc
    if len(raw) < 5:
        raise FormatError(f"signature line {number} is too short to hold a key hash and signature")
    return NoteSignature(name=name, key_hash=raw[:4], signature=raw[4:])


def parse_note(note: str) -> Note:
    """Split a signed note into its text and signature lines, verifying nothing."""
    _check_characters(note, "note")
    split = note.rfind("\n\n")
    if split < 0:
        raise FormatError("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block:
        raise FormatError("note has no signature lines")
    if not block.endswith("\n"):
        raise FormatError("note does not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise FormatError(f"note has {len(lines)} signatures; the limit is {MAX_SIGNATURES}")
    signatures = tuple(_parse_signature_line(line, i + 1) for i, line in enumerate(lines))
    return Note(text=text, signatures=signatures)


def _signature_lines(text: str, signers: Sequence[Signer]) -> list[NoteSignature]:
    message = text.encode("utf-8")
    return [NoteSignature(s.name, s.key_hash, s.sign(message)) for s in signers]


def _assemble(text: str, signatures: Sequence[NoteSignature]) -> str:
    return text + "\n" + "".join(signature.line() + "\n" for signature in signatures)


def sign_note(text: str, *signers: Signer) -> str:
    """Sign ``text`` (which must end in a newline) with each signer, in order."""
    _check_text(text)
    if not signers:
        raise InputError("a signed note needs at least one signer")
    return _assemble(text, _signature_lines(text, signers))


def add_signatures(note: str, *signers: Signer) -> str:
    """Add signatures to a signed note; an existing signature by the same key is replaced.

    The existing signatures are kept as they are, without being verified.
    """
    if not signers:
        raise InputError("add_signatures needs at least one signer")
    parsed = parse_note(note)
    replaced = {(s.name, s.key_hash) for s in signers}
    kept: list[NoteSignature] = []
    for signature in parsed.signatures:
        if (signature.name, signature.key_hash) not in replaced and signature not in kept:
            kept.append(signature)
    return _assemble(parsed.text, kept + _signature_lines(parsed.text, signers))


def open_note(note: str, verifiers: Sequence[Verifier]) -> Note:
    """Parse ``note`` and check every signature from a key in ``verifiers``.

    Signatures from other keys are ignored.  Raises :class:`SignatureError` if a
    known key's signature does not verify or no known key signed the note.
    """
    parsed = parse_note(note)
    known: dict[tuple[str, bytes], Verifier] = {}
    for verifier in verifiers:
        key = (verifier.name, verifier.key_hash)
        if key in known and known[key] != verifier:
            raise SignatureError(
                f"two different trusted keys share the name {verifier.name!r} "
                f"and key hash {verifier.key_hash.hex()}"
            )
        known[key] = verifier
    message = parsed.text.encode("utf-8")
    verified: list[NoteSignature] = []
    seen: set[tuple[str, bytes]] = set()
    for signature in parsed.signatures:
        key = (signature.name, signature.key_hash)
        trusted = known.get(key)
        if trusted is None or key in seen:
            continue
        seen.add(key)
        if not trusted.verify(message, signature.signature):
            raise SignatureError(
                f"invalid signature for key {signature.name}+{signature.key_hash.hex()}"
            )
        verified.append(signature)
    if not verified:
        names = ", ".join(sorted(f"{name}+{hash_.hex()}" for name, hash_ in known)) or "none"
        raise SignatureError(f"note is not signed by any trusted key (trusted: {names})")
    return Note(text=parsed.text, signatures=parsed.signatures, verified=tuple(verified))
