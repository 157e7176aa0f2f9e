"""The `report` log entry: a period's figures and the checkpoint they were computed at.

    {"v": 1, "kind": "report", "time": "...", "period": "2026-11",
     "checkpoint": {"origin": "...", "size": 1234, "root": "<base64>"},
     "figures": {...}}

The figures are computed from entries [0, size) of the tree the checkpoint
signs. An entry that would exceed the log's limit carries instead
`figures_sha256` (SHA-256 of the figures' RFC 8785 canonical JSON) with the
`method` and `band_below` they were computed with, so anyone can recompute them.

A report built while its month was still running carries `"status": "provisional"`;
entries without a status (every report before statuses existed) are final. A
period's final report supersedes its provisional ones (`current`).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from glassbox.entries import Kind, ReportEntry, figures_sha256
from glassbox.errors import FormatError, InputError
from glassbox.report._figures import FINAL, METHODS, PROVISIONAL, Period
from glassbox.tlog import HASH_SIZE, Checkpoint

KIND = Kind.REPORT
PROVISIONAL_NOTE = "provisional: the month is not over; figures will change"
_MARK = b'"kind":"report"'  # how every canonical report entry spells its kind


@dataclass(frozen=True)
class Report:
    """A report entry as read back from the log."""

    index: int  # the report entry's own log index
    time: str
    period: str
    origin: str
    size: int  # figures cover entries [0, size)
    root: str  # base64 root hash of that tree
    figures_sha256: str
    figures: dict[str, Any] | None  # None when the entry carries only the hash
    band_below: int
    method: int  # the figures' definitions (glassbox.report.METHODS)
    status: str = FINAL  # PROVISIONAL when built before the month was over

    @property
    def provisional(self) -> bool:
        return self.status == PROVISIONAL

    def checkpoint_json(self) -> dict[str, Any]:
        return {"origin": self.origin, "size": self.size, "root": self.root}


def report_entry(
    period: str,
    checkpoint: Checkpoint,
    figures: dict[str, Any],
    now: datetime,
    *,
    provisional: bool = False,
) -> bytes:
    """The canonical entry bytes; the figures inline when they fit, else their hash."""
    return ReportEntry(
        time=now,
        period=period,
        origin=checkpoint.origin,
        size=checkpoint.size,
        root=checkpoint.root,
        figures=figures,
        provisional=provisional,
    ).encode()


def current(reports: list[Report]) -> Report:
    """The report published for a period, of its reports in log order: the latest final
    one, or while there is none the latest provisional one."""
    final = [report for report in reports if not report.provisional]
    return (final or reports)[-1]


def maybe_report(data: bytes) -> bool:
    """A fast test that `data` may be a report entry (canonical JSON names its kind so)."""
    return _MARK in data


def parse_report(data: bytes, index: int) -> Report:
    """Read the report entry at `index`; raises FormatError if it is not a well-formed one."""
    try:
        obj = json.loads(data)
    except ValueError:
        raise FormatError(f"entry {index} is not JSON") from None
    if not isinstance(obj, dict) or obj.get("kind") != KIND:
        raise FormatError(f"entry {index} is not a report entry")
    cp, figures = obj.get("checkpoint"), obj.get("figures")
    period, time = obj.get("period"), obj.get("time")
    if not isinstance(cp, dict) or not isinstance(period, str) or not isinstance(time, str):
        raise FormatError(f"report entry {index} lacks its period, time or checkpoint")
    try:
        if Period.parse(period).name != period:
            raise InputError(period)
    except InputError:
        raise FormatError(f"report entry {index} names no period YYYY-MM: {period!r}") from None
    origin, size, root = cp.get("origin"), cp.get("size"), cp.get("root")
    if not isinstance(origin, str) or not isinstance(root, str):
        raise FormatError(f"report entry {index} names no checkpoint origin or root")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= index:
        raise FormatError(f"report entry {index} names checkpoint size {size!r}, not 0..{index}")
    try:
        if len(base64.b64decode(root, validate=True)) != HASH_SIZE:
            raise ValueError
    except (binascii.Error, ValueError):
        raise FormatError(f"report entry {index}: the checkpoint root is not a hash") from None
    method: Any
    band_below: Any
    if isinstance(figures, dict):
        digest = figures_sha256(figures)
        method, band_below = figures.get("method"), figures.get("band_below")
    elif isinstance(obj.get("figures_sha256"), str):
        digest, figures = obj["figures_sha256"], None
        method, band_below = obj.get("method"), obj.get("band_below")
    else:
        raise FormatError(f"report entry {index} carries neither figures nor their hash")
    if isinstance(method, bool) or method not in METHODS:
        known = " or ".join(map(str, METHODS))
        raise FormatError(f"report entry {index} uses method {method!r}, not {known}")
    if not isinstance(band_below, int) or isinstance(band_below, bool) or band_below < 1:
        raise FormatError(f"report entry {index} names no band threshold (band_below)")
    status = obj.get("status", FINAL)
    if status not in (FINAL, PROVISIONAL):
        raise FormatError(f"report entry {index} has status {status!r}, not final or provisional")
    return Report(
        index, time, period, origin, size, root, digest, figures, band_below, method, status
    )
