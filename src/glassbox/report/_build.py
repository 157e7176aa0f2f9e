"""Building a report on the server: compute at the latest checkpoint, then log the figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from glassbox.clock import utc_now
from glassbox.entries import rfc3339
from glassbox.errors import InputError, TamperError
from glassbox.report._entry import Report, parse_report, report_entry
from glassbox.report._figures import (
    BAND_BELOW,
    FINAL,
    PROVISIONAL,
    UNSTARTED,
    Period,
    compute_figures,
    entry_time_ms,
)
from glassbox.tlog import Checkpoint, CompactRange, leaf_hash, parse_note
from glassbox.tlog.server import MAX_ENTRIES_PER_READ, LogReader, LogServer


def stored_entries(reader: LogReader, checkpoint: Checkpoint) -> Iterator[bytes]:
    """Entries [0, size) of the local log, checked against the checkpoint's root as they pass.

    Raises TamperError (after the last entry) if the store does not hold exactly the
    entries the checkpoint signs: a damaged database never yields a report.
    """
    compact = CompactRange()
    for start in range(0, checkpoint.size, MAX_ENTRIES_PER_READ):
        end = min(start + MAX_ENTRIES_PER_READ, checkpoint.size)
        chunk = reader.entries(start, end)
        if len(chunk) != end - start:
            raise TamperError(f"the store lacks some of the entries {start}..{end - 1}")
        for entry in chunk:
            compact.append(leaf_hash(entry))
            yield entry
    if compact.root() != checkpoint.root:
        raise TamperError(
            f"the stored entries 0..{checkpoint.size - 1} do not hash to the checkpoint's root"
        )


def latest_checkpoint(reader: LogReader) -> Checkpoint:
    """The local log's latest checkpoint (its own, so the signature is not checked)."""
    return Checkpoint.parse(parse_note(reader.checkpoint()).text)


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def check_buildable(period: Period, now: datetime, *, provisional: bool) -> None:
    """Raise InputError unless a report of `period` may be built at `now` as asked.

    A month that has not begun has nothing to report; a running month gives only a
    provisional report, asked for as such; a month that is over gives a final one.
    """
    status = period.status_at(entry_time_ms(rfc3339(now)) or 0)
    if status == UNSTARTED:
        raise InputError(
            f"the period {period.name} has not started (it begins {_utc(period.start_ms)}): "
            "there is nothing to report yet"
        )
    if status == PROVISIONAL and not provisional:
        raise InputError(
            f"the period {period.name} is not over until {_utc(period.end_ms)}: a report now "
            "can only be provisional (its figures will change); pass --provisional to build one "
            "marked so, or wait for the month to end"
        )
    if status == FINAL and provisional:
        raise InputError(
            f"the period {period.name} is over: its report is final, build it without --provisional"
        )


def build_report(
    log: LogServer,
    period: str,
    *,
    band_below: int = BAND_BELOW,
    now: datetime | None = None,
    provisional: bool = False,
) -> Report:
    """Compute `period`'s figures at the latest checkpoint and append them as a report entry.

    Refuses (InputError) a month that has not begun, a running month unless
    `provisional`, and `provisional` for a month that is over (`check_buildable`).
    Integrates first, so the checkpoint covers everything sequenced so far, and again
    after appending, so the report entry is published at once.
    """
    parsed = Period.parse(period)
    name = parsed.name
    when = now or utc_now()
    check_buildable(parsed, when, provisional=provisional)
    log.integrator.integrate_all()
    checkpoint = latest_checkpoint(log.reader)
    figures = compute_figures(stored_entries(log.reader, checkpoint), name, band_below=band_below)
    entry = report_entry(name, checkpoint, figures, when, provisional=provisional)
    index = log.append([entry])
    log.integrator.integrate_all()
    return parse_report(entry, index)
