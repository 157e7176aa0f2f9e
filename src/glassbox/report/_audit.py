"""The auditor's side: recompute a published report from the verified log, cell by cell.

1. Open the log's latest checkpoint with the auditor's verifier key.
2. Download every entry bundle under it, hash the entries, and check they give the
   checkpoint's root: from then on the entries are the ones the log signed.
3. Find the period's report entry (the one published: the latest final one, else the
   latest provisional one; or the one at `index`).
4. Check that entries [0, size) hash to the root the report names, then recompute
   the figures from them with the server's own function and compare every cell.

The report's own checkpoint need not be the latest one: the latest checkpoint that
includes the report entry signs its prefix too, so the named root is checked
against entries verified under a signature.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from glassbox.audit import LogSource, log_verifier
from glassbox.entries import figures_sha256
from glassbox.errors import FormatError, InputError, NotFound, TamperError
from glassbox.report._cells import CellName, Difference, differences
from glassbox.report._entry import (
    PROVISIONAL_NOTE,
    Report,
    current,
    maybe_report,
    parse_report,
)
from glassbox.report._figures import Period, compute_figures, entry_time_ms
from glassbox.tlog import (
    TILE_WIDTH,
    Checkpoint,
    CompactRange,
    decode_bundle,
    leaf_hash,
    open_checkpoint,
    tile_width,
)


@dataclass(frozen=True)
class ReportAudit:
    """The outcome of recomputing one report: `differences` is empty when it matches."""

    report: Report
    checkpoint: Checkpoint  # the latest, verified checkpoint the entries were checked under
    differences: list[Difference]

    @property
    def matches(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        r = self.report
        head = "MATCH" if self.matches else f"MISMATCH ({len(self.differences)} cells differ)"
        kind = "provisional report" if r.provisional else "report"
        line = (
            f"{head} {kind} {r.period} at log index {r.index}, computed at checkpoint "
            f"{r.origin} size={r.size} root={r.root}; "
            f"log verified at size={self.checkpoint.size}"
        )
        if r.provisional:
            line += f"\n{PROVISIONAL_NOTE}"
        return line


def _bundles(source: LogSource, size: int) -> Iterator[list[bytes]]:
    for bundle in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        width = tile_width(0, bundle, size)
        try:
            entries = decode_bundle(source.entry_bundle(bundle, width))
        except FormatError as exc:
            raise TamperError(f"entry bundle {bundle} is malformed: {exc.message}") from None
        if len(entries) != width:
            raise TamperError(
                f"entry bundle {bundle} holds {len(entries)} entries where the checkpoint "
                f"needs {width}"
            )
        yield entries


def _entries(source: LogSource, leaves: list[bytes], size: int) -> Iterator[bytes]:
    """Entries [0, size) downloaded again, each checked against the verified leaf hashes."""
    index = 0
    for bundle in _bundles(source, size):
        for entry in bundle:
            if leaf_hash(entry) != leaves[index]:
                raise TamperError(f"entry {index} differs from the one verified a moment ago")
            index += 1
            yield entry


def audit_report(
    source: LogSource, period: str, *, key: str | None = None, index: int | None = None
) -> ReportAudit:
    """Recompute `period`'s report (the latest one, or the one at `index`) from `source`."""
    name = Period.parse(period).name
    vkey = key or source.verifier_key()
    if vkey is None:
        raise InputError("no verifier key: pass --key <name>+<hash>+<key> (see `glassbox log key`)")
    verifier = log_verifier(vkey)
    checkpoint = open_checkpoint(source.checkpoint(), verifier)

    compact, leaves, reports = CompactRange(), list[bytes](), list[Report]()
    for bundle in _bundles(source, checkpoint.size):
        for entry in bundle:
            leaf = leaf_hash(entry)
            if maybe_report(entry):
                try:
                    report = parse_report(entry, len(leaves))
                except FormatError:
                    report = None
                if report is not None and report.period == name:
                    reports.append(report)
            compact.append(leaf)
            leaves.append(leaf)
    if compact.root() != checkpoint.root:
        raise TamperError(
            f"the entries served do not hash to the signed checkpoint's root "
            f"(size {checkpoint.size})"
        )

    report = _choose(reports, name, index, checkpoint.size)
    if report.origin != checkpoint.origin:
        raise TamperError(f"report {report.index} names another log: {report.origin!r}")
    prefix = CompactRange()
    prefix.extend(leaves[: report.size])
    if base64.b64encode(prefix.root()).decode() != report.root:
        raise TamperError(
            f"report {report.index} names root {report.root} at size {report.size}, but the "
            f"verified log's first {report.size} entries hash to "
            f"{base64.b64encode(prefix.root()).decode()}"
        )
    figures = compute_figures(
        _entries(source, leaves, report.size),
        name,
        band_below=report.band_below,
        method=report.method,
    )
    found = _status_difference(report)
    if report.figures is not None:
        found += differences(report.figures, figures)
    elif figures_sha256(figures) != report.figures_sha256:
        found.append(_hash_difference(report, figures))
    return ReportAudit(report, checkpoint, found)


def _status_difference(report: Report) -> list[Difference]:
    """From method 2 on, a report dated before its month ended must say it is provisional,
    and one dated after must not: the status follows from the entry's own time."""
    if report.method < 2:
        return []  # reports before statuses existed are all final, whenever built
    time_ms = entry_time_ms(report.time)
    expected = (
        "no valid time" if time_ms is None else Period.parse(report.period).status_at(time_ms)
    )
    if expected == report.status:
        return []
    return [Difference(CellName("status", "", ""), report.status, expected)]


def _choose(reports: list[Report], period: str, index: int | None, size: int) -> Report:
    if index is not None:
        chosen = [r for r in reports if r.index == index]
        if not chosen:
            where = "is not under the latest checkpoint" if index >= size else "is not one"
            raise NotFound(f"entry {index} {where} of the report entries for {period}")
        return chosen[0]
    if not reports:
        raise NotFound(
            f"the log has no report entry for {period} under its latest checkpoint "
            f"(size {size}); a report built a moment ago is published within a second"
        )
    return current(reports)


def _hash_difference(report: Report, figures: dict[str, Any]) -> Difference:
    recomputed = figures_sha256(figures)
    return Difference(CellName("figures_sha256", "", ""), report.figures_sha256, recomputed)
