"""The entry format: RFC 8785 canonical JSON, content commitments and receipts.

An entry never holds content: only salted SHA-256 commitments of it. The salts go
to the client in its receipt, so the client, and nobody else, can later open a
commitment to the exact bytes it sent or received.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import rfc8785

from glassbox.tlog import leaf_hash

ENTRY_VERSION = 1
OUTCOMES = ("served", "denied", "held", "failed", "approved", "expired")


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(when: datetime) -> str:
    """RFC 3339 UTC with milliseconds, e.g. 2026-11-29T01:50:00.123Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def canonical(obj: Any) -> bytes:
    """RFC 8785 (JCS) canonical JSON bytes."""
    return bytes(rfc8785.dumps(obj))


def new_salt() -> bytes:
    return secrets.token_bytes(32)


def commitment(salt: bytes, content: bytes) -> str:
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

    def add(self, name: str, content: bytes) -> str:
        salt = new_salt()
        self.salts[name] = salt
        self.values[name] = commitment(salt, content)
        return self.values[name]

    def salts_b64(self) -> dict[str, str]:
        return {k: base64.b64encode(v).decode() for k, v in self.salts.items()}


def receipt(origin: str, index: int, entry: bytes, salts: dict[str, str]) -> dict[str, Any]:
    """What a client keeps to prove later what it sent, received and was decided."""
    return {
        "origin": origin,
        "index": index,
        "leaf_hash": base64.b64encode(leaf_hash(entry)).decode(),
        "entry": entry.decode("utf-8"),
        "salts": salts,
    }
