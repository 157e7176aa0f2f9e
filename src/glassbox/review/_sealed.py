"""Encryption at rest for held payloads and results (AES-256-GCM, the row id as associated data)."""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from glassbox.errors import TamperError

_NONCE = 12


class Sealer:
    """Seals bytes to a row: a sealed value only opens for the same `aad`."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the hold key must be 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, data: bytes, aad: str) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        return nonce + self._aead.encrypt(nonce, data, aad.encode())

    def open(self, blob: bytes, aad: str) -> bytes:
        try:
            return self._aead.decrypt(blob[:_NONCE], blob[_NONCE:], aad.encode())
        except InvalidTag:
            raise TamperError(
                f"sealed data for {aad} does not decrypt: wrong key or altered"
            ) from None
