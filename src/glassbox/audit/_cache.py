"""The auditor's tile cache: full tiles and entry bundles kept on disk between runs.

Full tiles and bundles never change (C2SP tlog-tiles), so a re-run needs to
fetch only what is new or partial. Files sit at their tlog-tiles paths under the
cache directory (`tile/0/x001/234`, `tile/entries/567`), each written to a
temporary file and renamed into place, beside a file `origin` naming the log.

Nothing read from the cache is trusted: the verifier re-hashes it exactly as it
re-hashes what a server sends, so a damaged or edited file shows up as a
mismatch. `CachedSource` reads only files of the right size, and `verify_log`
answers a mismatch on a cached run by refetching everything once (`bypass`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from glassbox.audit._sources import LogSource
from glassbox.errors import InputError
from glassbox.tlog import HASH_SIZE, MAX_ENTRY_SIZE, TILE_WIDTH, entries_path, tile_path

FULL_TILE = TILE_WIDTH * HASH_SIZE
MAX_BUNDLE = TILE_WIDTH * (2 + MAX_ENTRY_SIZE)
ORIGIN_FILE = "origin"


def cache_beside(state: Path) -> Path:
    """The cache directory that goes with a state file: `audit.json` -> `audit.cache/`."""
    return state.with_name(state.stem + ".cache")


@dataclass
class Fetched:
    """What one run read from the log and from the cache."""

    requests: int = 0  # tiles and bundles fetched from the log
    bytes: int = 0
    reused: int = 0  # tiles and bundles read from the cache

    def summary(self) -> str:
        return (
            f"fetched {self.requests:,} tiles and bundles ({self.bytes:,} bytes), "
            f"{self.reused:,} read from the cache"
        )


class TileCache:
    """A directory of full tiles and bundles of the log named `origin`."""

    def __init__(self, root: Path, origin: str) -> None:
        self.root = root
        marker = root / ORIGIN_FILE
        try:
            held = marker.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            root.mkdir(parents=True, exist_ok=True)
            self._write(marker, origin.encode("utf-8") + b"\n")
            held = origin
        except OSError as exc:
            raise InputError(f"tile cache {root} is unreadable: {exc.strerror}") from None
        if held != origin:
            raise InputError(
                f"tile cache {root} holds the log {held!r}, not {origin!r}: use another directory"
            )

    def read(self, path: str, *, exact: int | None = None, limit: int = MAX_BUNDLE) -> bytes | None:
        """The cached file at `path`, or None if absent or of an impossible size."""
        try:
            with (self.root / path).open("rb") as f:
                data = f.read(limit + 1)
        except OSError:
            return None
        if len(data) > limit or (exact is not None and len(data) != exact):
            return None
        return data

    def store(self, path: str, data: bytes) -> None:
        """Keep `data` at `path`; a cache that cannot be written is only slower, never wrong."""
        target = self.root / path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._write(target, data)
        except OSError:
            pass

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class CachedSource:
    """`source` read through `cache`: full tiles and bundles once, partial ones every time."""

    def __init__(self, source: LogSource, cache: TileCache) -> None:
        self.name = source.name
        self._source = source
        self._cache = cache
        self._bypass = False
        self._partial: dict[str, bytes] = {}  # partial tiles, fetched once per run
        self.fetched = Fetched()

    def bypass(self) -> None:
        """From now on fetch everything again, and replace what the cache holds."""
        self._bypass = True
        self._partial.clear()

    def checkpoint(self) -> str:
        return self._source.checkpoint()

    def verifier_key(self) -> str | None:
        return self._source.verifier_key()

    def close(self) -> None:
        self._source.close()

    def tile(self, level: int, index: int, width: int) -> bytes:
        if width != TILE_WIDTH:  # read again by the consistency proof: keep it for this run
            path = tile_path(level, index, width)
            if path not in self._partial:
                self._partial[path] = self._count(self._source.tile(level, index, width))
            return self._partial[path]
        path = tile_path(level, index)
        return self._through(path, FULL_TILE, lambda: self._source.tile(level, index, width))

    def entry_bundle(self, index: int, width: int) -> bytes:
        if width != TILE_WIDTH:
            return self._count(self._source.entry_bundle(index, width))
        path = entries_path(index)
        return self._through(path, None, lambda: self._source.entry_bundle(index, width))

    def _through(self, path: str, exact: int | None, fetch: Callable[[], bytes]) -> bytes:
        if not self._bypass:
            cached = self._cache.read(path, exact=exact)
            if cached is not None:
                self.fetched.reused += 1
                return cached
        data = self._count(fetch())
        if (exact is None or len(data) == exact) and len(data) <= MAX_BUNDLE:
            self._cache.store(path, data)
        return data

    def _count(self, data: bytes) -> bytes:
        self.fetched.requests += 1
        self.fetched.bytes += len(data)
        return data
