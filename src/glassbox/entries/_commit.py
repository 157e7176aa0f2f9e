"""Commitments: salted SHA-256 of content, so an entry can name content without holding it."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field

from glassbox.entries._json import canonical

SALT_BYTES = 32


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def commitment(salt: bytes, content: bytes) -> str:
    """`sha256:<hex>` of salt || content."""
    return "sha256:" + hashlib.sha256(salt + content).hexdigest()


def result_content(body: bytes, media_type: str) -> bytes:
    """The bytes an output commitment covers: JSON bodies canonicalised without the receipt."""
    if media_type.startswith("application/json"):
        obj = json.loads(body)
        if isinstance(obj, dict):
            obj.pop("glassbox_receipt", None)
        return canonical(obj)
    return body


@dataclass
class Commitments:
    """Salts and commitments for one request's input and output."""

    salts: dict[str, bytes] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, content: bytes, salt: bytes | None = None) -> str:
        """Commit to `content` as `name` with a new salt (or the one given); return the value."""
        salt = new_salt() if salt is None else salt
        self.salts[name] = salt
        self.values[name] = commitment(salt, content)
        return self.values[name]

    def salts_b64(self) -> dict[str, str]:
        return {k: base64.b64encode(v).decode() for k, v in self.salts.items()}
