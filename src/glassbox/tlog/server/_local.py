"""A log read straight from its database: the auditor's source for a local data directory.

It offers what an auditor's `LogSource` reads over HTTP (checkpoint, tiles, entry
bundles), plus bundles in bulk, from the same `LogReader` the server publishes with.
"""

from __future__ import annotations

from sqlalchemy import Engine

from glassbox.tlog.server._reader import LogReader


class LocalLog:
    """The tiled log in `engine`'s database, with the verifier key of its own signer."""

    def __init__(self, name: str, engine: Engine, verifier_key: str) -> None:
        self.name = name
        self._engine = engine
        self._vkey = verifier_key
        self._reader = LogReader(engine)

    def checkpoint(self) -> str:
        return self._reader.checkpoint()

    def tile(self, level: int, index: int, width: int) -> bytes:
        return self._reader.tile(level, index, width)

    def entry_bundle(self, index: int, width: int) -> bytes:
        return self._reader.entry_bundle(index, width)

    def bundles(self, size: int, start: int, end: int) -> list[tuple[list[bytes], bytes]]:
        return self._reader.bundles(size, start, end)

    def verifier_key(self) -> str | None:
        return self._vkey

    def close(self) -> None:
        self._engine.dispose()
