"""Table definitions: the single source the migrations are written against."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
)

metadata = MetaData()

# Sequenced entries: index -> exact bytes. Written once, never updated.
log_entries = Table(
    "log_entries",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

# One row: the next index to assign. Its row lock orders concurrent sequencers.
log_sequence = Table(
    "log_sequence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("next_idx", BigInteger, nullable=False),
)

# One row: the integrated tree (size, right edge, latest signed checkpoint).
log_tree = Table(
    "log_tree",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    Column("compact", LargeBinary, nullable=False),
    Column("checkpoint", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=True),
)

# C2SP tlog-tiles hash tiles, growing until full (256 hashes). level -1 is unused.
log_tiles = Table(
    "log_tiles",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hashes", LargeBinary, nullable=False),
)

# Every checkpoint ever signed, by tree size.
log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
