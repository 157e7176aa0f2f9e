"""The witnesses' cosignature lines stored for each checkpoint size (`log_cosignatures`)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from glassbox.store import log_cosignatures
from glassbox.tlog import Checkpoint, parse_note


def add_cosignatures(conn: Connection, note: str) -> str:
    """`note` (the latest checkpoint) with the cosignature lines stored for its size."""
    size = Checkpoint.parse(parse_note(note).text).size
    lines = conn.execute(
        select(log_cosignatures.c.line)
        .where(log_cosignatures.c.size == size)
        .order_by(log_cosignatures.c.witness)
    ).scalars()
    return note + "".join(f"{line}\n" for line in lines)
