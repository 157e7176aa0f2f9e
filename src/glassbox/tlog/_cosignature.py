"""C2SP tlog-cosignature v1: timestamped Ed25519 witness cosignatures on checkpoints.

A cosignature is a note signature line whose key hash uses signature type 0x04
(SHA-256(name || 0x0A || 0x04 || public key)[:4]) and whose signature bytes are
an 8-byte big-endian POSIX timestamp followed by an Ed25519 signature of::

    cosignature/v1
    time <timestamp>
    <the checkpoint's note text>

A cosigner verifier key reads ``<name>+<key hash hex>+<base64(0x04 || public key)>``.
A cosigner's secret key is an ordinary signed-note signer key
(``PRIVATE+KEY+<name>+<type 0x01 key hash>+<base64(0x01 || seed)>``), as the
transparency-dev witnesses keep theirs; only the key hash of its cosignatures differs.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from glassbox.errors import FormatError, InputError, SignatureError

from ._checkpoint import Checkpoint, open_checkpoint
from ._keys import Signer, Verifier, check_public_key, split_key
from ._note import NoteSignature, _parse_signature_line, parse_note

COSIGNATURE_V1 = "cosignature/v1"
"""The header line that separates cosigned messages from every other signed text."""

_COSIGNATURE_TYPE = 0x04
_KEY_BYTES = 32
_SIGNATURE_BYTES = 64
_TIMESTAMP_BYTES = 8
_MAX_TIMESTAMP = (1 << 63) - 1
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")


def cosigner_key_hash(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID of an Ed25519 cosigner key (signature type 0x04)."""
    material = name.encode("utf-8") + b"\n" + bytes([_COSIGNATURE_TYPE]) + public_key
    return hashlib.sha256(material).digest()[:4]


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The exact bytes an Ed25519 cosignature/v1 signs."""
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise InputError(f"cosignature timestamp {timestamp} is outside 0..2^63-1")
    return f"{COSIGNATURE_V1}\ntime {timestamp}\n{checkpoint_text}".encode()


def _checkpoint_text(note_or_checkpoint: str | Checkpoint) -> str:
    """The note text of a checkpoint given as a parsed checkpoint or a signed note."""
    if isinstance(note_or_checkpoint, Checkpoint):
        return note_or_checkpoint.to_text()
    text = parse_note(note_or_checkpoint).text
    Checkpoint.parse(text)  # cosignatures are only ever made on checkpoints
    return text


class CosignatureVerifier:
    """Checks cosignature/v1 lines made by one named witness key."""

    __slots__ = ("_key", "key_hash", "name", "public_key")

    def __init__(self, name: str, public_key: bytes) -> None:
        check_public_key(name, public_key)
        self.name = name
        self.public_key = bytes(public_key)
        self.key_hash = cosigner_key_hash(name, self.public_key)
        self._key = Ed25519PublicKey.from_public_bytes(self.public_key)

    @classmethod
    def from_key_string(cls, vkey: str) -> CosignatureVerifier:
        """Parse ``<name>+<hex key hash>+<base64(0x04 || public key)>``."""
        name, claimed_hash, public = split_key(vkey.strip(), _COSIGNATURE_TYPE, "witness key")
        verifier = cls(name, public)
        if verifier.key_hash != claimed_hash:
            raise FormatError(f"key hash {claimed_hash.hex()} does not match witness key {name!r}")
        return verifier

    def key_string(self) -> str:
        """The witness verifier key in its text encoding."""
        encoded = base64.b64encode(bytes([_COSIGNATURE_TYPE]) + self.public_key).decode()
        return f"{self.name}+{self.key_hash.hex()}+{encoded}"

    def matches(self, signature: NoteSignature) -> bool:
        """Whether a signature line names this key (by name and key hash)."""
        return signature.name == self.name and signature.key_hash == self.key_hash

    def verify(self, checkpoint_text: str, signature: bytes) -> int:
        """Check a timestamp || signature blob over ``checkpoint_text``; return the timestamp.

        Raises :class:`SignatureError` if it does not verify.
        """
        if len(signature) != _TIMESTAMP_BYTES + _SIGNATURE_BYTES:
            raise SignatureError(
                f"cosignature by {self.name} is {len(signature)} bytes, "
                f"not {_TIMESTAMP_BYTES + _SIGNATURE_BYTES}"
            )
        timestamp = int.from_bytes(signature[:_TIMESTAMP_BYTES], "big")
        if timestamp > _MAX_TIMESTAMP:
            raise SignatureError(f"cosignature by {self.name} has a timestamp above 2^63-1")
        try:
            self._key.verify(
                signature[_TIMESTAMP_BYTES:], cosigned_message(checkpoint_text, timestamp)
            )
        except InvalidSignature:
            raise SignatureError(f"invalid cosignature by witness {self.name}") from None
        return timestamp

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CosignatureVerifier):
            return NotImplemented
        return self.name == other.name and self.public_key == other.public_key

    def __hash__(self) -> int:
        return hash((self.name, self.public_key))

    def __repr__(self) -> str:
        return f"CosignatureVerifier({self.key_string()!r})"


class Cosigner:
    """A witness's cosigning key.  Its repr never shows the private key."""

    __slots__ = ("_signer", "key_hash", "name")

    def __init__(self, signer: Signer) -> None:
        self._signer = signer
        self.name = signer.name
        self.key_hash = cosigner_key_hash(signer.name, signer.verifier().public_key)

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        """A new random cosigning key named ``name``."""
        return cls(Signer.generate(name))

    @classmethod
    def from_key_string(cls, skey: str) -> Cosigner:
        """Parse a ``PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>`` signer key."""
        return cls(Signer.from_key_string(skey.strip()))

    def key_string(self) -> str:
        """The secret key in its text encoding (a type 0x01 signer key).  Keep it private."""
        return self._signer.key_string()

    def verifier(self) -> CosignatureVerifier:
        """A :class:`CosignatureVerifier` for this key."""
        return CosignatureVerifier(self.name, self._signer.verifier().public_key)

    def verifier_key(self) -> str:
        """The public witness key, ``<name>+<hash>+<base64(0x04 || public key)>``."""
        return self.verifier().key_string()

    def sign(self, checkpoint_text: str, timestamp: int) -> NoteSignature:
        """The cosignature of ``checkpoint_text`` at ``timestamp``, as a signature line."""
        message = cosigned_message(checkpoint_text, timestamp)
        blob = timestamp.to_bytes(_TIMESTAMP_BYTES, "big") + self._signer.sign(message)
        return NoteSignature(self.name, self.key_hash, blob)

    def __repr__(self) -> str:
        return f"Cosigner(name={self.name!r}, key_hash={self.key_hash.hex()!r})"

    __str__ = __repr__


def cosign_checkpoint(
    note_or_checkpoint: str | Checkpoint, cosigner: Cosigner, timestamp: int
) -> str:
    """Cosign a checkpoint (a :class:`Checkpoint` or a signed note) at POSIX ``timestamp``.

    Returns the signature line, without its newline.  The note's own signatures
    are not checked here: a witness verifies the log's signature before cosigning.
    """
    return cosigner.sign(_checkpoint_text(note_or_checkpoint), timestamp).line()


def verify_cosignature(
    note_or_checkpoint: str | Checkpoint,
    signature: str | NoteSignature,
    verifier: CosignatureVerifier,
) -> int:
    """Check one cosignature line (or parsed signature) on a checkpoint; return its timestamp.

    Raises :class:`SignatureError` if the line is not by ``verifier``'s key or
    does not verify, :class:`FormatError` if it cannot be parsed.
    """
    if isinstance(signature, str):
        parsed = _parse_signature_line(signature.removesuffix("\n"), 1)
    else:
        parsed = signature
    if not verifier.matches(parsed):
        raise SignatureError(
            f"signature line is by {parsed.name}+{parsed.key_hash.hex()}, "
            f"not witness {verifier.name}+{verifier.key_hash.hex()}"
        )
    return verifier.verify(_checkpoint_text(note_or_checkpoint), parsed.signature)


@dataclass(frozen=True)
class CosignedCheckpoint:
    """A checkpoint whose log signature and a quorum of cosignatures verified."""

    checkpoint: Checkpoint
    cosigners: tuple[str, ...]  # the names of the witnesses whose cosignatures verified
    timestamps: tuple[int, ...]  # their timestamps, in the same order


def open_cosigned_checkpoint(
    note: str,
    log: Verifier,
    witnesses: Sequence[CosignatureVerifier],
    *,
    quorum: int,
    origin: str | None = None,
) -> CosignedCheckpoint:
    """Verify the log's signature, then require ``quorum`` valid witness cosignatures.

    Lines from keys not in ``witnesses`` are ignored.  A line from a listed
    witness that does not verify rejects the note.  A witness key counts once,
    whatever name it appears under (cosignature/v1 does not sign the name).
    Raises :class:`SignatureError` naming the witnesses whose cosignatures are
    missing, :class:`InputError` for a quorum that no set of these witnesses meets.
    """
    if not witnesses:
        raise InputError("requiring cosignatures needs at least one witness key")
    distinct = {w.public_key for w in witnesses}
    if not 1 <= quorum <= len(distinct):
        raise InputError(
            f"a quorum of {quorum} cannot be met: {len(distinct)} distinct witness key(s) given"
        )
    checkpoint = open_checkpoint(note, log, origin=origin)
    parsed = parse_note(note)
    names: list[str] = []
    timestamps: list[int] = []
    counted: set[bytes] = set()
    for witness in witnesses:
        lines = [s for s in parsed.signatures if witness.matches(s)]
        if not lines:
            continue
        if len(lines) > 1:
            raise SignatureError(f"witness {witness.name} cosigned the checkpoint more than once")
        timestamp = witness.verify(parsed.text, lines[0].signature)
        if witness.public_key in counted:
            continue
        counted.add(witness.public_key)
        names.append(witness.name)
        timestamps.append(timestamp)
    if len(names) < quorum:
        missing = sorted(
            {f"{w.name}+{w.key_hash.hex()}" for w in witnesses if w.public_key not in counted}
        )
        raise SignatureError(
            f"checkpoint of size {checkpoint.size} has {len(names)} valid witness "
            f"cosignature(s), {quorum} required; missing: {', '.join(missing)}"
        )
    return CosignedCheckpoint(checkpoint, tuple(names), tuple(timestamps))
