"""The client's receipt: what it keeps to prove later what it sent, received and was decided."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from glassbox.tlog import leaf_hash


@dataclass(frozen=True)
class Receipt:
    """A logged entry as its client sees it: where it is, what it says, and the salts."""

    origin: str
    index: int
    entry: bytes
    salts: Mapping[str, str] = field(default_factory=dict)  # base64, by commitment name

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "index": self.index,
            "leaf_hash": base64.b64encode(leaf_hash(self.entry)).decode(),
            "entry": self.entry.decode("utf-8"),
            "salts": dict(self.salts),
        }
