"""Transparency reports that anyone can recompute from the log.

`compute_figures` is the one pure function behind every published figure; the
server runs it to build a report (`build_report`, logged as a `report` entry and
published from the log by `PublishedReports`), and auditors run it again
(`audit_report`) over the entries they verified themselves.
"""

from glassbox.entries import figures_sha256
from glassbox.report._audit import ReportAudit, audit_report
from glassbox.report._build import build_report, check_buildable, stored_entries
from glassbox.report._cells import CellName, Difference, cells, differences
from glassbox.report._entry import PROVISIONAL_NOTE, Report, current, parse_report, report_entry
from glassbox.report._figures import (
    ACTIONS,
    BAND_BELOW,
    CATEGORIES,
    CHANGES,
    FINAL,
    MEASURES,
    METHOD,
    METHODS,
    PROVISIONAL,
    Counts,
    Period,
    PolicyUse,
    Tally,
    band,
    compute_figures,
    count_figures,
    percentile,
    publish,
)
from glassbox.report._present import (
    MEASURE_LABELS,
    Chart,
    bar_chart,
    dimension_chart,
    duration,
    month_name,
    outcome_chart,
    report_csv,
    report_document,
    shown,
)
from glassbox.report._published import PublishedReports
from glassbox.report._schedule import ReportSchedule, build_if_due, previous_month

__all__ = [
    "ACTIONS",
    "BAND_BELOW",
    "CATEGORIES",
    "CHANGES",
    "FINAL",
    "MEASURES",
    "MEASURE_LABELS",
    "METHOD",
    "METHODS",
    "PROVISIONAL",
    "PROVISIONAL_NOTE",
    "CellName",
    "Chart",
    "Counts",
    "Difference",
    "Period",
    "PolicyUse",
    "PublishedReports",
    "Report",
    "ReportAudit",
    "ReportSchedule",
    "Tally",
    "audit_report",
    "band",
    "bar_chart",
    "build_if_due",
    "build_report",
    "cells",
    "check_buildable",
    "compute_figures",
    "count_figures",
    "current",
    "differences",
    "dimension_chart",
    "duration",
    "figures_sha256",
    "month_name",
    "outcome_chart",
    "parse_report",
    "percentile",
    "previous_month",
    "publish",
    "report_csv",
    "report_document",
    "report_entry",
    "shown",
    "stored_entries",
]
