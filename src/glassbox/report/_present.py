"""How a report is shown: bar chart geometry for server-drawn SVG, labels, JSON and CSV.

Pure functions of a report and its figures; the web layer only puts them in pages.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any

from glassbox.report._cells import CSV_HEADER, cells
from glassbox.report._entry import Report
from glassbox.report._figures import MEASURES

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

MEASURE_LABELS = {
    "received": "Received",
    "served": "Served",
    "denied": "Denied",
    "held": "Held for review",
    "approved": "Approved by reviewers",
    "expired": "Expired unreviewed",
    "failed": "Failed",
}

# One colour per outcome, distinguishable for the common colour-vision deficiencies
# (Okabe-Ito), and dark enough for white-on-colour contrast where used.
MEASURE_COLOURS = {
    "received": "#0b5cad",
    "served": "#007a5a",
    "denied": "#b3261e",
    "held": "#a35f00",
    "approved": "#4b6bbf",
    "expired": "#5f6368",
    "failed": "#8e3b8e",
}
ROW_COLOUR = "#0b5cad"


def month_name(period: str) -> str:
    """ "2026-11" -> "November 2026"."""
    year, month = period.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"


def shown(value: Any) -> str:
    """A figure as printed: counts with thousands separators, bands and text as they are."""
    if value is None:
        return "–"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def duration(ms: int | None) -> str:
    """Milliseconds as a short human duration: "0.8 s", "3 min 05 s", "2 h 10 min", "3 d 4 h"."""
    if ms is None:
        return "–"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    if whole < 86400:
        return f"{whole // 3600} h {whole // 60 % 60:02d} min"
    return f"{whole // 86400} d {whole // 3600 % 24} h"


def _upper(value: Any) -> int:
    """The largest count a published cell may stand for: the value, or a band's top."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and "-" in value:
        top = value.rsplit("-", 1)[1]
        return int(top) if top.isdigit() else 0
    if isinstance(value, str) and value.endswith("+") and value[:-1].isdigit():
        return int(value[:-1])  # withheld, at least this: drawn up to its bound
    return 0


@dataclass(frozen=True)
class Bar:
    label: str
    value: str  # as printed
    y: float  # top of the bar; its label sits just above
    width: float  # of an exact count; 0 for a band
    band_width: float  # of a band's range (drawn hatched); 0 for an exact count
    colour: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart in SVG user units, each bar under its label.

    Labels above the bars keep the chart narrow, so it stays legible when a phone
    scales it down.
    """

    slug: str
    title: str
    summary: str  # the chart in words, for screen readers
    bars: list[Bar]
    ticks: list[Tick]
    width: int
    height: int
    left: int  # x where bars start
    plot: int  # width of the plotting area
    bar_height: int
    label_gap: int  # from a label's baseline down to its bar
    bottom: int  # y of the axis


def _step(top: int) -> int:
    """A tick step of 1, 2 or 5 times a power of ten giving at most five ticks up to `top`."""
    raw = max(top / 4, 1)
    power: int = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def bar_chart(
    slug: str, title: str, rows: list[tuple[str, Any, str]], *, width: int = 360
) -> Chart:
    """A chart of (label, published value, colour) rows; bands are drawn as hatched ranges."""
    left, number_room = 4, 52
    plot = width - left - number_room
    highest = max((_upper(v) for _, v, _ in rows), default=0)
    step = _step(highest)
    top = max(step * math.ceil(highest / step), step)
    row_height, bar_height, label_gap, margin_top = 44, 16, 6, 20

    def x(count: int) -> float:
        return round(plot * count / top, 2)

    bars = []
    for n, (label, value, colour) in enumerate(rows):
        exact = isinstance(value, int) and not isinstance(value, bool)
        bars.append(
            Bar(
                label=label,
                value=shown(value),
                y=margin_top + n * row_height,
                width=x(value) if exact else 0,
                band_width=0 if exact else x(_upper(value)),
                colour=colour,
            )
        )
    bottom = margin_top + len(rows) * row_height - (row_height - bar_height) + 6
    ticks = [Tick(x(t), f"{t:,}") for t in range(0, top + 1, step)]
    described = "; ".join(f"{label}: {shown(value)}" for label, value, _ in rows)
    return Chart(
        slug=slug,
        title=title,
        summary=f"{title}. {described}.",
        bars=bars,
        ticks=ticks,
        width=width,
        height=bottom + 22,
        left=left,
        plot=plot,
        bar_height=bar_height,
        label_gap=label_gap,
        bottom=bottom,
    )


def outcome_chart(figures: dict[str, Any]) -> Chart:
    requests = figures.get("requests", {})
    rows = [(MEASURE_LABELS[m], requests.get(m, 0), MEASURE_COLOURS[m]) for m in MEASURES]
    return bar_chart("outcomes", "Requests by outcome", rows)


def dimension_chart(figures: dict[str, Any], dim: str, title: str, measure: str) -> Chart:
    rows = [
        (str(row.get(dim)), row.get(measure, 0), MEASURE_COLOURS.get(measure, ROW_COLOUR))
        for row in figures.get(f"by_{dim}", [])
    ]
    return bar_chart(f"{dim}-{measure}", title, rows)


def report_document(report: Report, figures: dict[str, Any]) -> dict[str, Any]:
    """The report as published in JSON: where it sits in the log, and its figures."""
    return {
        "period": report.period,
        "status": report.status,
        "log_index": report.index,
        "time": report.time,
        "checkpoint": report.checkpoint_json(),
        "figures_sha256": report.figures_sha256,
        "figures": figures,
    }


def report_csv(report: Report, figures: dict[str, Any]) -> str:
    """The report as CSV: first where it sits in the log, then one line per figure."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    meta = [
        ("status", report.status),
        ("log_index", report.index),
        ("time", report.time),
        ("checkpoint_origin", report.origin),
        ("checkpoint_size", report.size),
        ("checkpoint_root", report.root),
        ("figures_sha256", report.figures_sha256),
    ]
    for measure, value in meta:
        writer.writerow(("report", "", measure, value))
    for name, value in cells(figures).items():
        writer.writerow((name.section, name.row, name.measure, "" if value is None else value))
    return buffer.getvalue()
