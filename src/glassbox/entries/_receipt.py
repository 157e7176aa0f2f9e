"""The client's receipt: what it keeps to prove later what it sent, received and was decided."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from glassbox.tlog import Checkpoint, TlogProof, leaf_hash, parse_note


@dataclass(frozen=True)
class Receipt:
    """A logged entry as its client sees it: where it is, what it says, and the salts.

    With `proof` (a C2SP tlog-proof: the entry's inclusion proof and the signed,
    cosigned checkpoint it leads to) it verifies offline with the log's key alone.
    A receipt sent with a response has none: it goes out as soon as the entry is
    durable, before any checkpoint includes it.
    """

    origin: str
    index: int
    entry: bytes
    salts: Mapping[str, str] = field(default_factory=dict)  # base64, by commitment name
    proof: TlogProof | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "origin": self.origin,
            "index": self.index,
            "leaf_hash": base64.b64encode(leaf_hash(self.entry)).decode(),
            "entry": self.entry.decode("utf-8"),
            "salts": dict(self.salts),
        }
        if self.proof is not None:
            size = Checkpoint.parse(parse_note(self.proof.checkpoint).text).size
            hashes = [base64.b64encode(h).decode() for h in self.proof.hashes]
            out["proof"] = {"size": size, "hashes": hashes}
            out["checkpoint"] = self.proof.checkpoint
            out["tlog_proof"] = self.proof.to_text()
        return out
