"""Complementary suppression (method 2): which counts are withheld so no band can be undone.

Small counts are published as a band ("1-9"). Published figures are also tied by
relations that anyone can use to work a band out by subtraction:

- per measure and dimension, the rows of `by_category`, `by_action` and `by_purpose`
  add up to `requests` (a *column* and its total);
- the policies' `decisions` add up to the decisions of the period, which is
  `requests.served + denied + held + failed + expired` (every decision has one outcome);
- in every row (and in `requests`), `received` is at most `served + denied + held +
  failed + expired` (each received request is also one of those; finals of holds add);
- the rows of `by_reviewer_category` add up to `review_time_ms.decided` (each hold a
  reviewer decided counts once, under the deciding reviewer's organisation category).

So, besides the banded (small) counts, some counts of at least `band_below`
(*large* ones) are withheld and published as "<band_below>+" (e.g. "10+"). Which ones
depends only on the exact counts published and on which withheld counts are small or
large, never on a withheld count's value, and a reader learns that much from the
published figures anyway; docs/transparency.md states the rule, applied until nothing
changes:

1. a total whose column withholds any count is withheld;
2. every column of a withheld total withholds a large count (its first large row in
   the published order) if it has one and withholds none yet;
3. when a policy's count or one of the five outcome totals is withheld, the policies
   withhold a large count (the first large one) if they have one and withhold none;
   when a policy's count is withheld and none of the five outcome totals is, the first
   nonzero of them (served, denied, held, failed, expired) is withheld;
4. a row (or `requests`) that withholds any outcome count withholds its `received`
   if that is large;
5. bands are then checked the way a reader would: every count starts from what is
   published (an exact count; a band 1 to band_below - 1; band_below or more), and each
   sum and each row's inequality narrows the counts it involves, over and over; when a
   withheld count is narrowed to one value, every banded count of the sums and rows it
   is in is *opened*: published as "1+" (at least 1) instead of "1-9", and the rules
   are applied again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol


class _Use(Protocol):
    @property
    def decisions(self) -> int: ...


class Counts(Protocol):
    """What this module reads of `glassbox.report.Counts` (which imports this module)."""

    @property
    def requests(self) -> Mapping[str, int]: ...

    @property
    def by(self) -> Mapping[str, Mapping[str, Mapping[str, int]]]: ...

    @property
    def policies(self) -> Sequence[_Use]: ...

    @property
    def review_times_ms(self) -> Sequence[int]: ...

    @property
    def decided_by(self) -> Mapping[str, int]: ...


Key = tuple[str, ...]
"""A count's place: ("requests", m), ("by", dim, row, m), ("policy", position),
("decided",) or ("decided_by", reviewer category)."""

OUTCOMES = ("served", "denied", "held", "failed", "expired")
"""The measures whose totals add up to the decisions of the period, in rule 3's order."""


def count_of(counts: Counts) -> Callable[[Key], int]:
    """The exact count at a key."""

    def value(key: Key) -> int:
        if key[0] == "requests":
            return counts.requests[key[1]]
        if key[0] == "by":
            return counts.by[key[1]][key[2]][key[3]]
        if key[0] == "decided":
            return len(counts.review_times_ms)
        if key[0] == "decided_by":
            return counts.decided_by[key[1]]
        return counts.policies[int(key[1])].decisions

    return value


def relations(counts: Counts) -> tuple[list[tuple[list[Key], list[Key]]], list[list[Key]]]:
    """The sums (parts, totals) that published counts satisfy, and the rows of rule 4.

    Each sum says: the counts at `parts` add up to the counts at `totals`.
    """
    measures = list(counts.requests)  # "received" first
    sums: list[tuple[list[Key], list[Key]]] = []
    for m in measures:
        for dim, table in counts.by.items():
            sums.append(([("by", dim, row, m) for row in table], [("requests", m)]))
    if counts.decided_by:  # a column too, before the policies' sum (which stays last)
        sums.append(([("decided_by", row) for row in counts.decided_by], [("decided",)]))
    policies: list[Key] = [("policy", str(n)) for n in range(len(counts.policies))]
    sums.append((policies, [("requests", o) for o in OUTCOMES]))
    rows: list[list[Key]] = [[("requests", m) for m in measures]]
    for dim, table in counts.by.items():
        rows += [[("by", dim, row, m) for m in measures] for row in table]
    return sums, rows


INFINITY = 1 << 62  # no upper bound


Relation = tuple[dict[Key, int], bool]  # sum(coef * count) == 0, or <= 0 when False


def _relations(counts: Counts) -> list[Relation]:
    sums, rows = relations(counts)
    out: list[Relation] = []
    for parts, totals in sums:
        coefs: dict[Key, int] = dict.fromkeys(parts, 1)
        for key in totals:
            coefs[key] = coefs.get(key, 0) - 1
        out.append((coefs, True))
    for row in rows:
        out.append(({row[0]: 1, **{k: -1 for k in row if k[-1] in OUTCOMES}}, False))
    return out


def pinned(
    bounds: dict[Key, tuple[int, int]], relations: list[Relation], passes: int = 50
) -> set[Key]:
    """The withheld counts a reader narrows to one value by interval reasoning (rule 5).

    `bounds` are the published (low, high) of each withheld count; exact counts are
    their own bounds. Each relation narrows each of its counts from the others' bounds.
    """
    low = {k: lo for k, (lo, _) in bounds.items()}
    high = {k: hi for k, (_, hi) in bounds.items()}
    for _ in range(passes):
        changed = False
        for coefs, equal in relations:
            lo_sum = sum(c * (low[k] if c > 0 else high[k]) for k, c in coefs.items())
            hi_sum = sum(c * (high[k] if c > 0 else low[k]) for k, c in coefs.items())
            for key, c in coefs.items():
                own_lo = c * (low[key] if c > 0 else high[key])
                own_hi = c * (high[key] if c > 0 else low[key])
                rest_lo, rest_hi = lo_sum - own_lo, hi_sum - own_hi
                # c * key + rest (==|<=) 0  =>  c * key in [-rest_hi, -rest_lo] (or <= -rest_lo)
                top = -rest_lo
                bottom = -rest_hi if equal else -INFINITY
                if c > 0:
                    new_lo, new_hi = max(low[key], -(-bottom // c)), min(high[key], top // c)
                else:
                    new_lo, new_hi = max(low[key], -(top // -c)), min(high[key], bottom // c)
                if new_hi >= INFINITY // 2:
                    new_hi = high[key]
                if (new_lo, new_hi) != (low[key], high[key]) and new_lo <= new_hi:
                    low[key], high[key] = new_lo, new_hi
                    changed = True
        if not changed:
            break
    return {k for k in bounds if low[k] == high[k] and bounds[k][0] != bounds[k][1]}


def withheld(counts: Counts, below: int) -> tuple[set[Key], set[Key]]:
    """The keys of every count published other than exactly (rules 1-5 above), and
    among them the banded ones opened to "1+" (rule 5)."""
    value = count_of(counts)
    every = _relations(counts)
    opened: set[Key] = set()
    while True:
        hidden = _closure(counts, below)
        bounds: dict[Key, tuple[int, int]] = {}
        for coefs, _ in every:
            for key in coefs:
                n = value(key)
                if key not in hidden:
                    bounds[key] = (n, n)
                elif n >= below or key in opened:
                    bounds[key] = (below if n >= below else 1, INFINITY)
                else:
                    bounds[key] = (1, below - 1)
        found = pinned(bounds, every)
        more = {
            key
            for coefs, _ in every
            if found & coefs.keys()
            for key in coefs
            if key in hidden and 0 < value(key) < below
        } - opened
        if not more:
            return hidden, opened
        opened |= more


def _closure(counts: Counts, below: int) -> set[Key]:
    """Rules 1-4: the banded counts and those withheld with them."""
    value = count_of(counts)
    sums, rows = relations(counts)
    keys = [k for parts, totals in sums for k in (*parts, *totals)]
    hidden = {k for k in keys if 0 < value(k) < below}

    def large(key: Key) -> bool:
        return value(key) >= below

    def first_large(candidates: Iterable[Key]) -> Key | None:
        return next((k for k in candidates if large(k)), None)

    while True:
        added: set[Key] = set()
        for parts, totals in sums[:-1]:  # the columns: one total each
            if any(k in hidden for k in parts) and value(totals[0]) > 0:
                added.add(totals[0])  # rule 1
            if totals[0] in hidden and not any(k in hidden and large(k) for k in parts):
                partner = first_large(parts)  # rule 2
                if partner is not None:
                    added.add(partner)
        policies, outcome_totals = sums[-1]
        policy_hidden = any(k in hidden for k in policies)
        totals_hidden = any(k in hidden for k in outcome_totals)
        if (policy_hidden or totals_hidden) and not any(k in hidden and large(k) for k in policies):
            partner = first_large(policies)  # rule 3
            if partner is not None:
                added.add(partner)
        if policy_hidden and not totals_hidden:
            partner = next((k for k in outcome_totals if value(k) > 0), None)
            if partner is not None:
                added.add(partner)
        for row in rows:  # rule 4: row[0] is received
            if any(k in hidden for k in row if k[-1] in OUTCOMES) and large(row[0]):
                added.add(row[0])
        added -= hidden
        if not added:
            return hidden
        hidden |= added
