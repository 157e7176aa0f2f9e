"""A report's figures as a flat list of named cells: for CSV, and for naming differences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glassbox.report._figures import CHANGES, DIMENSIONS, MEASURES

CSV_HEADER = ("section", "row", "measure", "value")


@dataclass(frozen=True, order=True)
class CellName:
    """Where a value sits: section, row (empty for single-row sections) and measure."""

    section: str
    row: str
    measure: str

    def __str__(self) -> str:
        where = self.section + (f"[{self.row}]" if self.row else "")
        return where + (f".{self.measure}" if self.measure else "")


Value = int | str | None


def _scalar(value: Any) -> Value:
    if (
        value is None
        or isinstance(value, str)
        or (isinstance(value, int) and not isinstance(value, bool))
    ):
        return value
    return repr(value)  # not a figure's shape: shown as it is, so it differs visibly


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _ordered(row: dict[str, Any], known: tuple[str, ...]) -> list[str]:
    """The keys of `row`: the known ones in their order, then any others sorted."""
    return [k for k in known if k in row] + sorted(k for k in row if k not in known)


def cells(figures: dict[str, Any]) -> dict[CellName, Value]:
    """Every value of `figures`, in reading order, keyed by its cell name.

    Tolerates figures of the wrong shape (a forged report): what is there is listed.
    """
    out: dict[CellName, Value] = {}
    for name in ("method", "period", "band_below"):
        out[CellName(name, "", "")] = _scalar(figures.get(name))
    requests = _dict(figures.get("requests"))
    for measure in _ordered(requests, MEASURES):
        out[CellName("requests", "", measure)] = _scalar(requests[measure])
    for dim in DIMENSIONS:
        for row in _list(figures.get(f"by_{dim}")):
            key = str(row.get(dim))
            for measure in _ordered(row, MEASURES):
                if measure != dim:
                    out[CellName(f"by_{dim}", key, measure)] = _scalar(row[measure])
    times = _dict(figures.get("review_time_ms"))
    for measure in _ordered(times, ("decided", "median", "p90")):
        out[CellName("review_time_ms", "", measure)] = _scalar(times[measure])
    for use in _list(figures.get("policies")):
        key = str(use.get("policy") or "(none)")
        for measure in ("index", "published", "decisions"):
            out[CellName("policies", key, measure)] = _scalar(use.get(measure))
    for name in ("other_entries", "undated_entries"):
        out[CellName(name, "", "")] = _scalar(figures.get(name))
    for row in _list(figures.get("by_reviewer_category")):  # method 2 on
        out[CellName("by_reviewer_category", str(row.get("reviewer_category")), "decided")] = (
            _scalar(row.get("decided"))
        )
    if "administration" in figures:  # method 2 on
        changes = _dict(figures.get("administration"))
        for change in _ordered(changes, CHANGES):
            out[CellName("administration", "", change)] = _scalar(changes[change])
    return out


@dataclass(frozen=True)
class Difference:
    """One cell where a report and the recomputation disagree, each value as shown."""

    cell: CellName
    reported: str
    recomputed: str

    def __str__(self) -> str:
        return f"{self.cell}: report says {self.reported}, log gives {self.recomputed}"


ABSENT = "(absent)"


def _shown(values: dict[CellName, Value], name: CellName) -> str:
    if name not in values:
        return ABSENT
    value = values[name]
    return "null" if value is None else str(value)


def differences(reported: dict[str, Any], recomputed: dict[str, Any]) -> list[Difference]:
    """Every cell whose value differs, or that only one side has, in the recomputed order."""
    mine, theirs = cells(recomputed), cells(reported)
    out = []
    for name in [*mine, *(n for n in theirs if n not in mine)]:
        if name not in mine or name not in theirs or mine[name] != theirs[name]:
            out.append(Difference(name, _shown(theirs, name), _shown(mine, name)))
    return out
