"""Building a report on the server: compute at the latest checkpoint, then log the figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from glassbox.clock import utc_now
from glassbox.errors import TamperError
from glassbox.report._entry import Report, parse_report, report_entry
from glassbox.report._figures import BAND_BELOW, Period, compute_figures
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


def build_report(
    log: LogServer, period: str, *, band_below: int = BAND_BELOW, now: datetime | None = None
) -> Report:
    """Compute `period`'s figures at the latest checkpoint and append them as a report entry.

    Integrates first, so the checkpoint covers everything sequenced so far, and again
    after appending, so the report entry is published at once.
    """
    name = Period.parse(period).name
    log.integrator.integrate_all()
    checkpoint = latest_checkpoint(log.reader)
    figures = compute_figures(stored_entries(log.reader, checkpoint), name, band_below=band_below)
    entry = report_entry(name, checkpoint, figures, now or utc_now())
    index = log.append([entry])
    log.integrator.integrate_all()
    return parse_report(entry, index)
