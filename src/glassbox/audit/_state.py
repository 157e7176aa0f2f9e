"""The auditor's memory between runs: the last checkpoint it verified."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from glassbox.errors import FormatError


@dataclass(frozen=True)
class AuditState:
    origin: str
    size: int
    root: str  # base64
    checkpoint: str  # the signed note as verified
    key: str  # verifier key it was verified with


def load_state(path: Path) -> AuditState | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise FormatError(f"state file {path} is unreadable: {exc}") from None
    try:
        return AuditState(
            origin=str(raw["origin"]),
            size=int(raw["size"]),
            root=str(raw["root"]),
            checkpoint=str(raw["checkpoint"]),
            key=str(raw["key"]),
        )
    except (KeyError, TypeError, ValueError):
        raise FormatError(f"state file {path} is not an audit state file") from None


def save_state(path: Path, state: AuditState) -> None:
    """Replace the state file atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
