"""Ed25519 signed-note keys (C2SP signed-note, signature type 0x01) and their text encodings.

A verifier key reads ``<name>+<key hash hex>+<base64(0x01 || public key)>``; a
signer key is the same with ``PRIVATE+KEY+`` in front and the 32-byte seed in
place of the public key.  The key hash is the first four bytes of
SHA-256(name || 0x0A || 0x01 || public key).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from glassbox.errors import FormatError, InputError

_ED25519 = 0x01
_KEY_BYTES = 32
_SIGNATURE_BYTES = 64
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
_PRIVATE_PREFIX = "PRIVATE+KEY+"


def is_valid_key_name(name: str) -> bool:
    """Key names are non-empty and contain no Unicode space and no ``+``."""
    return bool(name) and "+" not in name and not any(char.isspace() for char in name)


def key_hash(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID of an Ed25519 key named ``name``."""
    material = name.encode("utf-8") + b"\n" + bytes([_ED25519]) + public_key
    return hashlib.sha256(material).digest()[:4]


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError("key is not valid base64") from exc


_KEY_TYPES = {0x01: "an Ed25519 (type 0x01)", 0x04: "an Ed25519 cosignature (type 0x04)"}
_KEY_ROLES = {0x01: "a log key (type 0x01)", 0x04: "a witness key (type 0x04)"}


def split_key(text: str, key_type: int = _ED25519, what: str = "key") -> tuple[str, bytes, bytes]:
    """Split ``name+hash+base64(type || key)`` into name, key hash and the 32 key bytes.

    Raises :class:`FormatError` naming `what` when any part is malformed or the key
    is not of `key_type`.
    """
    name, _, rest = text.partition("+")
    hash_hex, _, key_b64 = rest.partition("+")
    if not is_valid_key_name(name):
        raise FormatError(f"{what} name {name!r} is empty or contains a space or '+'")
    if not _HEX8.fullmatch(hash_hex):
        raise FormatError(f"{what} hash {hash_hex!r} is not 8 hexadecimal digits")
    raw = _b64decode(key_b64)
    if not raw or raw[0] != key_type:
        found = f" but {_KEY_ROLES[raw[0]]}" if raw and raw[0] in _KEY_ROLES else ""
        raise FormatError(f"{what} is not {_KEY_TYPES[key_type]} key{found}")
    if len(raw) != 1 + _KEY_BYTES:
        raise FormatError(f"{what} is {len(raw) - 1} bytes, not {_KEY_BYTES}")
    return name, bytes.fromhex(hash_hex), raw[1:]


def check_public_key(name: str, public_key: bytes) -> None:
    """Raise :class:`InputError` unless `name` is a key name and the key is 32 bytes."""
    if not is_valid_key_name(name):
        raise InputError(f"key name {name!r} is empty or contains a space or '+'")
    if len(public_key) != _KEY_BYTES:
        raise InputError(f"Ed25519 public key is {len(public_key)} bytes, not {_KEY_BYTES}")


def _encode(name: str, hash_: bytes, key: bytes) -> str:
    return f"{name}+{hash_.hex()}+{base64.b64encode(bytes([_ED25519]) + key).decode()}"


class Verifier:
    """Checks Ed25519 signatures made by one named key."""

    __slots__ = ("_key", "_public", "key_hash", "name")

    def __init__(self, name: str, public_key: bytes) -> None:
        check_public_key(name, public_key)
        self.name = name
        self._public = bytes(public_key)
        self.key_hash = key_hash(name, self._public)
        self._key = Ed25519PublicKey.from_public_bytes(self._public)

    @classmethod
    def from_key_string(cls, vkey: str) -> Verifier:
        """Parse ``<name>+<hex key hash>+<base64(0x01 || public key)>``."""
        name, claimed_hash, public = split_key(vkey)
        if key_hash(name, public) != claimed_hash:
            raise FormatError(f"key hash {claimed_hash.hex()} does not match key {name!r}")
        return cls(name, public)

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return self._public

    def key_string(self) -> str:
        """The verifier key in its text encoding."""
        return _encode(self.name, self.key_hash, self._public)

    def verify(self, msg: bytes, sig: bytes) -> bool:
        """Whether ``sig`` is this key's Ed25519 signature of ``msg``."""
        if len(sig) != _SIGNATURE_BYTES:
            return False
        try:
            self._key.verify(sig, msg)
        except InvalidSignature:
            return False
        return True

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verifier):
            return NotImplemented
        return self.name == other.name and self._public == other._public

    def __hash__(self) -> int:
        return hash((self.name, self._public))

    def __repr__(self) -> str:
        return f"Verifier({self.key_string()!r})"


class Signer:
    """Signs with one named Ed25519 key.  Its repr never shows the private key."""

    __slots__ = ("_key", "_public", "_seed", "key_hash", "name")

    def __init__(self, name: str, seed: bytes) -> None:
        if not is_valid_key_name(name):
            raise InputError(f"key name {name!r} is empty or contains a space or '+'")
        if len(seed) != _KEY_BYTES:
            raise InputError(f"Ed25519 seed is {len(seed)} bytes, not {_KEY_BYTES}")
        self.name = name
        self._seed = bytes(seed)
        self._key = Ed25519PrivateKey.from_private_bytes(self._seed)
        self._public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_hash = key_hash(name, self._public)

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A new random key named ``name``."""
        fresh = Ed25519PrivateKey.generate()
        return cls(name, fresh.private_bytes_raw())

    @classmethod
    def from_key_string(cls, skey: str) -> Signer:
        """Parse ``PRIVATE+KEY+<name>+<hex key hash>+<base64(0x01 || seed)>``."""
        if not skey.startswith(_PRIVATE_PREFIX):
            raise FormatError("signer key does not start with PRIVATE+KEY+")
        name, claimed_hash, seed = split_key(skey[len(_PRIVATE_PREFIX) :])
        signer = cls(name, seed)
        if signer.key_hash != claimed_hash:
            raise FormatError(f"key hash {claimed_hash.hex()} does not match key {name!r}")
        return signer

    def key_string(self) -> str:
        """The secret signer key in its text encoding.  Keep it out of logs."""
        return _PRIVATE_PREFIX + _encode(self.name, self.key_hash, self._seed)

    def verifier_key(self) -> str:
        """The public verifier key in its text encoding."""
        return _encode(self.name, self.key_hash, self._public)

    def verifier(self) -> Verifier:
        """A :class:`Verifier` for this key."""
        return Verifier(self.name, self._public)

    def sign(self, msg: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature of ``msg``."""
        return self._key.sign(msg)

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, key_hash={self.key_hash.hex()!r})"

    __str__ = __repr__
