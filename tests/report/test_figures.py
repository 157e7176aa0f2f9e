"""The report's figures, computed from a log whose every entry is known (docs/transparency.md)."""

from __future__ import annotations

import ast
import copy
import inspect
from typing import Any

import pytest

import glassbox.policy
from glassbox.errors import InputError
from glassbox.report import (
    ACTIONS,
    CATEGORIES,
    CHANGES,
    MEASURES,
    METHOD,
    METHODS,
    Period,
    PolicyUse,
    band,
    compute_figures,
    count_figures,
    differences,
    percentile,
)
from glassbox.report import _figures as figures_module
from glassbox.report import _suppress as suppress_module
from tests.report.conftest import POLICY_A, POLICY_B, LogBuilder

POLICY_C = "sha256:" + "c" * 64
NOV = "2026-11"


def _known_log() -> LogBuilder:
    """A log with every kind of event around November 2026; the counts are worked out below."""
    log = LogBuilder()
    log.policy("2026-09-01T00:00:00.000Z", POLICY_A)  # 0
    log.policy("2026-10-15T00:00:00.000Z", POLICY_B)  # 1: in force when November begins
    log.decision("2026-10-31T23:59:59.999Z", "served", policy=POLICY_B)  # October
    log.decision("2026-11-30T23:30:00.000-01:00", "served", policy=POLICY_B)  # = 1 Dec 00:30Z
    log.decision("2026-12-01T00:30:00.000+01:00", "served", policy=POLICY_B)  # = 30 Nov 23:30Z
    for n in range(12):
        log.decision(f"2026-11-01T{n:02d}:00:00.000Z", "served", policy=POLICY_B)
    for _ in range(3):
        log.decision("2026-11-02T00:00:00.000Z", "denied", purpose="surveillance", policy=POLICY_B)
    for _ in range(2):
        log.decision(
            "2026-11-02T00:00:00.000Z", "failed", action="translate", purpose=None, policy=POLICY_B
        )
    log.decision("2026-11-02T00:00:00.000Z", "denied", policy=None)  # before any policy applied

    mil = {"category": "military", "policy": POLICY_B}
    # h5: held in October, approved and served on 1 November
    h5 = log.decision("2026-10-30T12:00:00.000Z", "held", reviewers=2, **mil)
    log.review("2026-10-31T08:00:00.000Z", h5, "approve", "r1")
    log.review("2026-11-01T00:00:10.000Z", h5, "approve", "r2")
    log.final("2026-11-01T00:00:12.000Z", h5, "served", **mil)
    # h1: a reviewer approving twice counts once; the second reviewer completes the quorum
    h1 = log.decision("2026-11-02T10:00:00.000Z", "held", reviewers=2, **mil)
    log.review("2026-11-02T10:01:00.000Z", h1, "approve", "r1")
    log.review("2026-11-02T10:01:30.000Z", h1, "approve", "r1")
    log.review("2026-11-02T10:02:00.000Z", h1, "approve", "r2")
    log.final("2026-11-02T10:02:05.000Z", h1, "served", **mil)
    # h2: one denial ends the hold; a verdict after it changes nothing
    h2 = log.decision("2026-11-03T00:00:00.000Z", "held", reviewers=2, **mil)
    log.review("2026-11-03T00:00:30.000Z", h2, "deny", "r1")
    log.final("2026-11-03T00:00:30.000Z", h2, "denied", **mil)
    log.review("2026-11-03T00:05:00.000Z", h2, "approve", "r2")
    # h3: nobody decides; it expires after 72 hours
    h3 = log.decision("2026-11-04T00:00:00.000Z", "held", reviewers=2, **mil)
    log.final("2026-11-07T00:00:00.000Z", h3, "expired", **mil)
    # h4: approved, then the service fails
    h4 = log.decision("2026-11-05T00:00:00.000Z", "held", reviewers=2, **mil)
    log.review("2026-11-05T00:05:00.000Z", h4, "approve", "r1")
    log.review("2026-11-05T00:10:00.000Z", h4, "approve", "r2")
    log.final("2026-11-05T00:10:01.000Z", h4, "failed", error="invalid_audio", **mil)
    # h6: still pending; h7: its quorum is reached in December
    log.decision("2026-11-20T00:00:00.000Z", "held", reviewers=2, **mil)
    h7 = log.decision("2026-11-30T23:00:00.000Z", "held", reviewers=2, **mil)
    log.review("2026-11-30T23:30:00.000Z", h7, "approve", "r1")
    log.review("2026-12-01T00:10:00.000Z", h7, "approve", "r2")
    log.final("2026-12-01T00:10:02.000Z", h7, "served", **mil)

    c_index = log.policy("2026-11-15T00:00:00.000Z", POLICY_C)
    assert c_index == log.next_index - 1
    # other entries dated in November: another kind, and malformed known kinds
    log.add({"v": 1, "kind": "key", "time": "2026-11-09T00:00:00.000Z"})
    log.add({"v": 1, "kind": "decision", "time": "2026-11-09T00:00:00.000Z", "outcome": "weird"})
    log.add({"v": 1, "kind": "review", "time": "2026-11-09T00:00:00.000Z", "verdict": "approve"})
    log.add({"v": 1, "kind": "report", "time": "2026-11-09T00:00:00.000Z", "period": NOV})
    # undated: raw bytes, no time, not UTF-8, JSON but not an object
    for raw in (b"raw operator note", b'{"kind":"decision"}', b"\xff\xfe", b"[1,2]"):
        log.add(raw)
    return log


def _row(**counts: int | str) -> dict[str, int | str]:
    return {m: counts.get(m, 0) for m in MEASURES}


def test_every_figure_of_a_known_log() -> None:
    log = _known_log()
    counts = count_figures(log.entries, NOV)
    assert counts.requests == _row(
        received=25, served=15, denied=5, held=6, approved=3, expired=1, failed=3
    )
    category = counts.by["category"]
    assert list(category) == list(CATEGORIES)  # every category listed, none observed besides
    assert category["commercial"] == _row(received=19, served=13, denied=4, failed=2)
    assert category["military"] == _row(
        received=6, served=2, denied=1, held=6, approved=3, expired=1, failed=1
    )
    assert category["intelligence"] == _row()
    action = counts.by["action"]
    assert list(action) == list(ACTIONS)
    assert action["transcribe"] == _row(
        received=23, served=15, denied=5, held=6, approved=3, expired=1, failed=1
    )
    assert action["translate"] == _row(received=2, failed=2)
    assert counts.by["purpose"] == {
        "(none)": _row(received=2, failed=2),
        "accessibility": _row(
            received=20, served=15, denied=2, held=6, approved=3, expired=1, failed=1
        ),
        "surveillance": _row(received=3, denied=3),
    }
    # decided in November: h5 (1 d 12 h 10 s), h1 (2 min), h2 (30 s), h4 (10 min)
    assert counts.review_times_ms == [30_000, 120_000, 600_000, 129_610_000]
    c_index = len(log.entries) - 9
    assert counts.policies == [
        PolicyUse(POLICY_B, 1, "2026-10-15T00:00:00.000Z", 29),
        PolicyUse(POLICY_C, c_index, "2026-11-15T00:00:00.000Z", 0),
        PolicyUse(None, None, None, 1),
    ]
    assert counts.other_entries == 3
    assert counts.undated_entries == 4


def test_published_figures_band_small_counts_and_keep_zero() -> None:
    """Method 1: small counts banded, the rest exact (recomputed so for method-1 reports)."""
    figures = compute_figures(_known_log().entries, NOV, method=1)
    assert figures["method"] == 1 and figures["period"] == NOV and figures["band_below"] == 10
    assert figures["requests"] == {
        "received": 25,
        "served": 15,
        "denied": "1-9",
        "held": "1-9",
        "approved": "1-9",
        "expired": "1-9",
        "failed": "1-9",
    }
    by_category = {row["category"]: row for row in figures["by_category"]}
    assert by_category["commercial"]["received"] == 19
    assert by_category["commercial"]["denied"] == "1-9"
    assert by_category["intelligence"] == {"category": "intelligence", **_row()}
    assert figures["review_time_ms"] == {"decided": "1-9", "median": 120_000, "p90": 129_610_000}
    assert [p["decisions"] for p in figures["policies"]] == [29, 0, "1-9"]
    assert figures["other_entries"] == "1-9" and figures["undated_entries"] == "1-9"


def test_method_2_also_withholds_the_counts_that_would_give_a_band_away() -> None:
    """Totals and one large count per column are withheld as "10+" (complementary
    suppression); zero stays 0 and counts that nothing ties to a band stay exact."""
    figures = compute_figures(_known_log().entries, NOV)
    assert figures["method"] == 2
    assert figures["requests"] == {
        "received": "10+",
        "served": "10+",
        "denied": "1-9",
        "held": "1-9",
        "approved": "1-9",
        "expired": "1-9",
        "failed": "1-9",
    }
    by_category = {row["category"]: row for row in figures["by_category"]}
    assert by_category["commercial"] == {
        "category": "commercial",
        **_row(received="10+", served="10+", denied="1-9", failed="1-9"),
    }
    assert by_category["intelligence"] == {"category": "intelligence", **_row()}
    assert [p["decisions"] for p in figures["policies"]] == ["10+", 0, "1-9"]
    assert figures["review_time_ms"] == {"decided": "1-9", "median": 120_000, "p90": 129_610_000}
    exact = compute_figures(_known_log().entries, NOV, band_below=1)
    assert exact["requests"]["received"] == 25  # nothing is banded, so nothing is withheld


def test_band_threshold_is_a_parameter() -> None:
    exact = compute_figures(_known_log().entries, NOV, band_below=1)
    assert exact["requests"]["denied"] == 5 and exact["review_time_ms"]["decided"] == 4
    wide = compute_figures(_known_log().entries, NOV, band_below=20)
    assert wide["requests"]["served"] == "1-19" and wide["requests"]["received"] == "20+"
    with pytest.raises(InputError):
        compute_figures([], NOV, band_below=0)


def test_neighbouring_months_see_their_own_entries() -> None:
    log = _known_log()
    october = count_figures(log.entries, "2026-10")
    assert october.requests == _row(received=2, served=1, held=1)
    assert october.review_times_ms == []
    assert [u.policy for u in october.policies] == [POLICY_A, POLICY_B]
    december = count_figures(log.entries, "2026-12")
    assert december.requests == _row(received=1, served=2, approved=1)
    assert december.review_times_ms == [70 * 60_000]
    assert [u.policy for u in december.policies] == [POLICY_B, POLICY_C]


def test_an_empty_log_publishes_zeros_and_no_times() -> None:
    figures = compute_figures([], NOV)
    assert set(figures["requests"].values()) == {0}
    assert figures["review_time_ms"] == {"decided": 0, "median": None, "p90": None}
    assert figures["policies"] == [] and figures["by_purpose"] == []


@pytest.mark.parametrize(
    ("count", "below", "published"),
    [(0, 10, 0), (1, 10, "1-9"), (9, 10, "1-9"), (10, 10, 10), (3, 1, 3), (4, 5, "1-4")],
)
def test_band(count: int, below: int, published: int | str) -> None:
    assert band(count, below) == published


def test_percentiles_are_nearest_rank() -> None:
    values = list(range(1, 11))
    assert percentile(values, 50) == 5 and percentile(values, 90) == 9
    assert percentile([7], 50) == 7 and percentile([7], 90) == 7
    assert percentile([1, 2], 50) == 1 and percentile([], 50) is None


def test_periods() -> None:
    december = Period.parse("2026-12")
    assert december.end_ms - december.start_ms == 31 * 86_400_000
    assert december.holds(december.start_ms) and not december.holds(december.end_ms)
    for bad in ("2026-13", "2026-1", "26-11", "", "2026-11-01", "November"):
        with pytest.raises(InputError, match="YYYY-MM"):
            Period.parse(bad)


def test_differences_name_each_cell() -> None:
    figures = compute_figures(_known_log().entries, NOV)
    forged = copy.deepcopy(figures)
    forged["requests"]["served"] = 150
    forged["by_category"][1]["denied"] = 0  # military
    del forged["by_purpose"][0]
    found = [str(d) for d in differences(forged, figures)]
    assert found[:2] == [
        "requests.served: report says 150, log gives 10+",
        "by_category[military].denied: report says 0, log gives 1-9",
    ]
    assert "by_purpose[(none)].received: report says (absent), log gives 1-9" in found
    assert len(found) == 2 + len(MEASURES)
    assert differences(figures, copy.deepcopy(figures)) == []


def test_administrative_changes_are_counted_by_change_from_method_2() -> None:
    log = _known_log()
    admin = {"v": 1, "kind": "admin", "actor": "operator", "subject": "c_1"}
    for n, change in enumerate(["client_added", "key_created", "key_created", "key_revoked"]):
        log.add({**admin, "time": f"2026-11-2{n}T00:00:00.000Z", "change": change})
    log.add({**admin, "time": "2026-11-28T00:00:00.000Z", "change": "made_up"})
    log.add({**admin, "time": "2026-12-01T00:00:00.000Z", "change": "key_revoked"})
    figures = compute_figures(log.entries, NOV, band_below=1)
    assert figures["administration"] == {
        **dict.fromkeys(CHANGES, 0),
        "client_added": 1,
        "key_created": 2,
        "key_revoked": 1,
    }
    assert list(figures["administration"]) == list(CHANGES)  # every change, even at zero
    assert figures["other_entries"] == 3 + 1  # the unknown change is another entry
    banded = compute_figures(log.entries, NOV)
    assert banded["administration"]["key_created"] == "1-9"


def test_holds_decided_are_counted_by_the_deciding_reviewers_organisation_category() -> None:
    log = LogBuilder()
    time = "2026-11-05T00:00:00.000Z"
    for reviewer in ("ngo", "ngo", None):  # denied by that reviewer at once
        held = log.decision(time, "held", reviewers=1)
        log.review("2026-11-05T01:00:00.000Z", held, "deny", f"r_{reviewer}", 1, reviewer)
    two = log.decision(time, "held", reviewers=2)
    log.review("2026-11-05T01:00:00.000Z", two, "approve", "r_a", 2, "media")
    log.review("2026-11-05T02:00:00.000Z", two, "approve", "r_b", 2, "academic")  # completes it
    figures = compute_figures(log.entries, NOV, band_below=1)
    rows = {r["reviewer_category"]: r["decided"] for r in figures["by_reviewer_category"]}
    assert list(rows) == [*CATEGORIES, "(none)"]
    assert {k: v for k, v in rows.items() if v} == {"ngo": 2, "academic": 1, "(none)": 1}
    assert sum(rows.values()) == figures["review_time_ms"]["decided"] == 4
    assert "by_reviewer_category" not in compute_figures(log.entries, NOV, method=1)


def test_an_old_method_1_report_is_recomputed_with_method_1() -> None:
    """Method 1 had no administration figures: its admin entries were other entries."""
    log = _known_log()
    log.add({"v": 1, "kind": "admin", "time": "2026-11-20T00:00:00.000Z", "change": "user_added"})
    old = compute_figures(log.entries, NOV, band_below=1, method=1)
    assert old["method"] == 1 and "administration" not in old
    assert old["other_entries"] == 3 + 1
    with pytest.raises(InputError, match="method 3"):
        compute_figures(log.entries, NOV, method=3)
    assert METHODS == (1, 2)


def test_rows_always_listed_are_method_2s_and_the_policy_models() -> None:
    """Method 2 lists these rows; a new category, action or change is a new method (METHOD)."""
    assert METHOD == 2
    assert CHANGES == (
        "client_added",
        "client_changed",
        "client_suspended",
        "client_resumed",
        "key_created",
        "key_revoked",
        "webhook_set",
        "webhook_removed",
        "user_added",
        "user_disabled",
        "user_enabled",
        "password_reset",
    )
    assert CATEGORIES == (
        "government",
        "military",
        "law_enforcement",
        "intelligence",
        "commercial",
        "ngo",
        "academic",
        "media",
        "individual",
    )
    assert ACTIONS == ("transcribe", "translate_speech", "translate", "detect", "redact")
    assert CATEGORIES == glassbox.policy.CATEGORIES
    assert ACTIONS == glassbox.policy.ACTIONS


def test_the_computation_is_pure() -> None:
    """_figures imports nothing that does I/O: the server and auditors run the same code."""
    tree = ast.parse(inspect.getsource(figures_module))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    allowed = {"__future__", "json", "re", "collections", "collections.abc", "dataclasses"}
    pure = {"datetime", "typing", "glassbox.errors", "glassbox.entries"}
    assert imported <= allowed | pure | {"glassbox.report._suppress"}, imported
    tree = ast.parse(inspect.getsource(suppress_module))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert imported <= {"__future__", "collections.abc", "typing"}


def _types(value: Any) -> set[type]:
    if isinstance(value, dict):
        return set().union(*(_types(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_types(v) for v in value)) if value else set()
    return {type(value)}


def test_figures_are_plain_json_without_floats() -> None:
    """Canonical JSON of the figures is the same in every language: no floats in them."""
    assert _types(compute_figures(_known_log().entries, NOV)) <= {int, str, type(None)}
