"""Synthetic log entries in the gateway's exact shapes, for reports with known figures."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from glassbox.cli import main
from glassbox.entries import canonical

POLICY_A = "sha256:" + "a" * 64
POLICY_B = "sha256:" + "b" * 64


@dataclass
class LogBuilder:
    """Builds a log prefix entry by entry, remembering each entry's index."""

    entries: list[bytes] = field(default_factory=list)

    @property
    def next_index(self) -> int:
        return len(self.entries)

    def add(self, obj: dict[str, Any] | bytes) -> int:
        self.entries.append(obj if isinstance(obj, bytes) else canonical(obj))
        return len(self.entries) - 1

    def policy(self, time: str, policy: str = POLICY_A) -> int:
        return self.add(
            {"v": 1, "kind": "policy", "time": time, "policy": policy, "text": "//", "tests": []}
        )

    def decision(
        self,
        time: str,
        outcome: str,
        *,
        category: str = "commercial",
        action: str = "transcribe",
        purpose: str | None = "accessibility",
        policy: str | None = POLICY_A,
        **extra: Any,
    ) -> int:
        obj = {
            "v": 1,
            "kind": "decision",
            "time": time,
            "request": f"req_{self.next_index}",
            "client": "c_test",
            "category": category,
            "action": action,
            "purpose": purpose,
            "outcome": outcome,
            "policy": policy,
            "reasons": [],
            **extra,
        }
        return self.add({k: v for k, v in obj.items() if v is not None})

    def review(
        self,
        time: str,
        hold: int,
        verdict: str,
        reviewer: str,
        required: int = 2,
        category: str | None = None,
    ) -> int:
        """A verdict; `category` is the reviewer organisation's, if they belong to one."""
        extra = {} if category is None else {"reviewer_category": category}
        return self.add(
            {
                **extra,
                "v": 1,
                "kind": "review",
                "time": time,
                "request": f"req_{hold}",
                "hold": hold,
                "verdict": verdict,
                "reviewer": reviewer,
                "reason": "sha256:" + "0" * 64,
                "reviewers_required": required,
            }
        )

    def final(self, time: str, hold: int, outcome: str, **dims: Any) -> int:
        return self.decision(time, outcome, hold=hold, **dims)


@pytest.fixture
def glassbox_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `glassbox ARGS...` in this process (as the installed command does, error handling
    and exit codes included); returns (exit code, stdout + stderr)."""
    for name in [n for n in os.environ if n.startswith("GLASSBOX_")]:
        monkeypatch.delenv(name)

    def run(*args: str | Path) -> tuple[int, str]:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["glassbox", *map(str, args)])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run
