"""The figures of a transparency report, computed from log entries: pure, no I/O.

The server (building a report) and the auditor (checking one) both run
`compute_figures` over the same entries, so a published figure is right exactly
when an auditor's recomputation gives the same value. docs/transparency.md
defines every figure; the definitions here are the reference.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from glassbox.entries import Action, Category, Change, Kind, Outcome, Verdict
from glassbox.errors import InputError
from glassbox.report._suppress import Key, withheld

METHOD = 2
"""The version of these definitions that new reports use; a report names its own."""

METHODS = (1, 2)
"""Every method this module still computes: an old report is recomputed with its own.
Method 2 adds `administration` (admin entries by change), which method 1 counts as
`other_entries`."""

BAND_BELOW = 10
"""Counts from 1 to BAND_BELOW - 1 are published as a band ("1-9"); 0 stays 0."""

MEASURES = ("received", "served", "denied", "held", "approved", "expired", "failed")
DIMENSIONS = ("category", "action", "purpose")
NONE = "(none)"  # the row for entries that do not name a category, action or purpose

# Rows always listed, even at zero, so that "none" is a published figure too: every
# category and action of the entry format. Adding one changes the figures' rows, so
# it is a change of METHOD (tests/report/test_figures.py pins method 1's rows).
CATEGORIES = tuple(category.value for category in Category)
ACTIONS = tuple(action.value for action in Action)
CHANGES = tuple(change.value for change in Change)
_CHANGES_BY_METHOD = {1: (), 2: CHANGES}
_ALWAYS = {"category": CATEGORIES, "action": ACTIONS, "purpose": ()}

_OUTCOMES = frozenset(outcome.value for outcome in Outcome)
_VERDICTS = frozenset(verdict.value for verdict in Verdict)
_PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

Cell = int | str  # a count, or the band it is published as

# What a report is, by when it was built: during its month it is provisional (the
# figures will change), once the month is over final; before the month, nothing.
FINAL = "final"
PROVISIONAL = "provisional"
UNSTARTED = "unstarted"


@dataclass(frozen=True)
class Period:
    """A calendar month in UTC, named "YYYY-MM"."""

    name: str
    start_ms: int  # first millisecond in the month, since the epoch
    end_ms: int  # first millisecond after it

    @classmethod
    def parse(cls, name: str) -> Period:
        found = _PERIOD.fullmatch(name.strip())
        if found is None:
            raise InputError(f"a period is a month written YYYY-MM (e.g. 2026-11), not {name!r}")
        year, month = int(found[1]), int(found[2])
        start = datetime(year, month, 1, tzinfo=UTC)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        return cls(found[0], _ms(start), _ms(end))

    def holds(self, time_ms: int) -> bool:
        return self.start_ms <= time_ms < self.end_ms

    def status_at(self, time_ms: int) -> str:
        """What a report built at `time_ms` is: "unstarted", "provisional" or "final"."""
        if time_ms < self.start_ms:
            return UNSTARTED
        return PROVISIONAL if time_ms < self.end_ms else FINAL


def _ms(when: datetime) -> int:
    return (when - _EPOCH) // _MS


def entry_time_ms(value: object) -> int | None:
    """An entry's "time" (RFC 3339 with a zone) in milliseconds since the epoch, or None."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return _ms(when)


def band(count: int, below: int) -> Cell:
    """`count` as published: 0 and counts of at least `below` as they are, others as a band."""
    if 0 < count < below:
        return f"1-{below - 1}"
    return count


def percentile(sorted_values: list[int], p: int) -> int | None:
    """The nearest-rank percentile: the value at rank ceil(p/100 * n), or None when empty."""
    if not sorted_values:
        return None
    rank = -(-p * len(sorted_values) // 100)
    return sorted_values[max(rank, 1) - 1]


@dataclass(frozen=True)
class PolicyUse:
    """A policy set in force during the period, and how many decisions named it."""

    policy: str | None  # the policy-set hash; None for decisions made with none published
    index: int | None  # the log index of its first policy entry; None if there is none
    published: str | None  # that entry's time
    decisions: int


@dataclass(frozen=True)
class Counts:
    """The exact counts behind a report, before small cells are banded."""

    period: str
    requests: dict[str, int]
    by: dict[str, dict[str, dict[str, int]]]  # dimension -> row -> measure -> count
    review_times_ms: list[int]  # sorted
    policies: list[PolicyUse]
    other_entries: int
    undated_entries: int
    administration: dict[str, int] = field(default_factory=dict)  # change -> count
    # reviewer organisation category -> holds decided (method 2 on)
    decided_by: dict[str, int] = field(default_factory=dict)
    method: int = METHOD


@dataclass
class _Held:
    time_ms: int
    dims: tuple[str, str, str]
    reviewers: int


@dataclass
class _Hold:
    approvers: set[str] = field(default_factory=set)
    decided: bool = False


def _text(obj: dict[str, Any], name: str) -> str:
    value = obj.get(name)
    return value if isinstance(value, str) else NONE


def _count_or(value: object, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return default


def _index(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


class Tally:
    """Reads log entries in order, from index 0, and counts the figures of one period."""

    def __init__(self, period: Period, method: int = METHOD) -> None:
        if method not in METHODS:
            raise InputError(f"figures method {method!r} is not one of {METHODS}")
        self.period = period
        self.method = method
        self._changes = _CHANGES_BY_METHOD[method]
        self.size = 0
        self._admin: Counter[str] = Counter()
        self._decided_by: Counter[str] = Counter()
        self._requests: Counter[str] = Counter()
        self._by: dict[str, dict[str, Counter[str]]] = {d: {} for d in DIMENSIONS}
        self._times: list[int] = []
        self._held: dict[int, _Held] = {}
        self._holds: dict[int, _Hold] = {}
        self._first_published: dict[str, tuple[int, str]] = {}
        self._in_force_at_start: str | None = None
        self._published_in_period: list[str] = []
        self._named: Counter[str | None] = Counter()
        self._other = 0
        self._undated = 0

    def add_all(self, entries: Iterable[bytes]) -> Tally:
        for entry in entries:
            self.add(entry)
        return self

    def add(self, data: bytes) -> None:
        """Count the entry at index `self.size`."""
        index = self.size
        self.size += 1
        try:
            obj = json.loads(data)
        except ValueError:  # includes bytes that are not UTF-8
            obj = None
        time_ms = entry_time_ms(obj.get("time")) if isinstance(obj, dict) else None
        if not isinstance(obj, dict) or time_ms is None:
            self._undated += 1
            return
        inside = self.period.holds(time_ms)
        kind = obj.get("kind")
        if kind == Kind.DECISION and self._decision(index, obj, time_ms, inside):
            return
        if kind == Kind.REVIEW and self._review(obj, time_ms, inside):
            return
        if kind == Kind.POLICY and self._policy(index, obj, time_ms, inside):
            return
        if kind == Kind.REPORT:
            return
        if kind == Kind.ADMIN and obj.get("change") in self._changes:
            if inside:
                self._admin[obj["change"]] += 1
            return
        if inside:
            self._other += 1

    def _count(self, measure: str, dims: tuple[str, str, str]) -> None:
        self._requests[measure] += 1
        for dim, value in zip(DIMENSIONS, dims, strict=True):
            self._by[dim].setdefault(value, Counter())[measure] += 1

    def _decision(self, index: int, obj: dict[str, Any], time_ms: int, inside: bool) -> bool:
        outcome, hold = obj.get("outcome"), obj.get("hold")
        if outcome not in _OUTCOMES or (hold is not None and _index(hold) is None):
            return False
        dims = (_text(obj, "category"), _text(obj, "action"), _text(obj, "purpose"))
        if outcome == Outcome.HELD:
            self._held[index] = _Held(time_ms, dims, _count_or(obj.get("reviewers"), 1))
        if inside:
            if hold is None:
                self._count("received", dims)
            self._count(str(outcome), dims)
            policy = obj.get("policy")
            self._named[policy if isinstance(policy, str) else None] += 1
        return True

    def _review(self, obj: dict[str, Any], time_ms: int, inside: bool) -> bool:
        verdict, hold, reviewer = obj.get("verdict"), _index(obj.get("hold")), obj.get("reviewer")
        if verdict not in _VERDICTS or hold is None or not isinstance(reviewer, str):
            return False
        state = self._holds.setdefault(hold, _Hold())
        if state.decided:  # the hold was already decided: the verdict changes nothing
            return True
        held = self._held.get(hold)
        if verdict == Verdict.APPROVE:
            state.approvers.add(reviewer)
            required = held.reviewers if held else _count_or(obj.get("reviewers_required"), 1)
            state.decided = len(state.approvers) >= required
            if state.decided and inside:
                self._count("approved", held.dims if held else (NONE, NONE, NONE))
        else:
            state.decided = True
        if state.decided and inside and held is not None:
            self._times.append(time_ms - held.time_ms)
            self._decided_by[_text(obj, "reviewer_category")] += 1
        return True

    def _policy(self, index: int, obj: dict[str, Any], time_ms: int, inside: bool) -> bool:
        policy = obj.get("policy")
        if not isinstance(policy, str):
            return False
        self._first_published.setdefault(policy, (index, str(obj["time"])))
        if time_ms < self.period.start_ms:
            self._in_force_at_start = policy
        elif inside:
            self._published_in_period.append(policy)
        return True

    def counts(self) -> Counts:
        by = {
            dim: {
                row: {m: counter.get(m, 0) for m in MEASURES}
                for row, counter in self._rows(dim).items()
            }
            for dim in DIMENSIONS
        }
        return Counts(
            period=self.period.name,
            requests={m: self._requests.get(m, 0) for m in MEASURES},
            by=by,
            review_times_ms=sorted(self._times),
            policies=self._policy_uses(),
            other_entries=self._other,
            undated_entries=self._undated,
            administration={c: self._admin.get(c, 0) for c in self._changes},
            decided_by=self._reviewer_rows() if self.method >= 2 else {},
            method=self.method,
        )

    def _reviewer_rows(self) -> dict[str, int]:
        order = [*CATEGORIES, NONE]
        order += sorted(set(self._decided_by) - set(order))
        return {row: self._decided_by.get(row, 0) for row in order}

    def _rows(self, dim: str) -> dict[str, Counter[str]]:
        seen = self._by[dim]
        order = list(_ALWAYS[dim]) + sorted(set(seen) - set(_ALWAYS[dim]))
        return {row: seen.get(row, Counter()) for row in order}

    def _policy_uses(self) -> list[PolicyUse]:
        hashes: set[str | None] = set(self._named) | set(self._published_in_period)
        if self._in_force_at_start is not None:
            hashes.add(self._in_force_at_start)
        uses = []
        for policy in hashes:
            first = self._first_published.get(policy) if policy is not None else None
            index, published = first if first else (None, None)
            uses.append(PolicyUse(policy, index, published, self._named.get(policy, 0)))
        big = 1 << 64
        return sorted(uses, key=lambda u: (u.index if u.index is not None else big, u.policy or ""))


def count_figures(entries: Iterable[bytes], period: str, *, method: int = METHOD) -> Counts:
    """The exact counts of `period` over `entries`, the log from index 0 in order."""
    return Tally(Period.parse(period), method).add_all(entries).counts()


def withheld_band(below: int) -> str:
    """How a large count withheld by complementary suppression is published: "10+"."""
    return f"{below}+"


def publish(counts: Counts, *, band_below: int = BAND_BELOW) -> dict[str, Any]:
    """The figures as published (and logged): small counts banded, JSON-ready.

    From method 2 on, the counts that could give a band away by subtraction are
    withheld too (`glassbox.report._suppress`), published as "<band_below>+".
    """
    if band_below < 1:
        raise InputError("band_below must be at least 1 (1 publishes every count exactly)")
    hidden, opened = withheld(counts, band_below) if counts.method >= 2 else (set(), set())

    def b(n: int, key: Key = ()) -> Cell:
        if key in hidden and n >= band_below:
            return withheld_band(band_below)
        if key in opened:
            return withheld_band(1)
        return band(n, band_below)

    times = counts.review_times_ms
    figures: dict[str, Any] = {
        "method": counts.method,
        "period": counts.period,
        "band_below": band_below,
        "requests": {m: b(n, ("requests", m)) for m, n in counts.requests.items()},
        "review_time_ms": {
            "decided": b(len(times), ("decided",)),
            "median": percentile(times, 50),
            "p90": percentile(times, 90),
        },
        "policies": [
            {
                "policy": u.policy,
                "index": u.index,
                "published": u.published,
                "decisions": b(u.decisions, ("policy", str(n))),
            }
            for n, u in enumerate(counts.policies)
        ],
        "other_entries": b(counts.other_entries),
        "undated_entries": b(counts.undated_entries),
    }
    if counts.method >= 2:
        figures["administration"] = {c: b(n) for c, n in counts.administration.items()}
        figures["by_reviewer_category"] = [
            {"reviewer_category": row, "decided": b(n, ("decided_by", row))}
            for row, n in counts.decided_by.items()
        ]
    for dim in DIMENSIONS:
        figures[f"by_{dim}"] = [
            {dim: row, **{m: b(n, ("by", dim, row, m)) for m, n in measures.items()}}
            for row, measures in counts.by[dim].items()
        ]
    return figures


def compute_figures(
    entries: Iterable[bytes], period: str, *, band_below: int = BAND_BELOW, method: int = METHOD
) -> dict[str, Any]:
    """What a report for `period` publishes, computed from the log's entries [0, size)."""
    return publish(count_figures(entries, period, method=method), band_below=band_below)
