"""Where an auditor reads a log from: the C2SP tlog-tiles wire format, over HTTP.

A local data directory is read through the log server's own adapter
(`glassbox.core.open_source` picks one or the other); it offers the same methods.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import httpx

from glassbox.errors import FetchError, NotFound
from glassbox.tlog import entries_path, tile_path


class LogSource(Protocol):
    """The read side of a tiled log, as an auditor sees it."""

    name: str

    def checkpoint(self) -> str: ...
    def tile(self, level: int, index: int, width: int) -> bytes: ...
    def entry_bundle(self, index: int, width: int) -> bytes: ...
    def verifier_key(self) -> str | None: ...
    def close(self) -> None: ...


@runtime_checkable
class BulkSource(Protocol):
    """A source that can also serve many entry bundles at once (an optional extension)."""

    def bundles(self, size: int, start: int, end: int) -> list[tuple[list[bytes], bytes]]:
        """Entry bundles [start, end) of the tree of `size`, decoded, each with its level-0
        tile: what `entry_bundle` and `tile(0, ...)` serve for each, in fewer round trips."""
        ...


class HttpSource:
    """A log published over HTTP at `base` (e.g. http://host:8080/log).

    `transport` replaces httpx's own (tests count or fake requests there).
    """

    def __init__(
        self, base: str, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.name = base.rstrip("/")
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, transport=transport)

    def _get(self, path: str) -> bytes:
        url = f"{self.name}/{path}"
        try:
            resp = self._client.get(url)
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot fetch {url}: {exc.__class__.__name__}: {exc}") from None
        if resp.status_code == 404:
            raise NotFound(f"{url} answered 404")
        if resp.status_code != 200:
            raise FetchError(f"{url} answered HTTP {resp.status_code}")
        return resp.content

    def checkpoint(self) -> str:
        return self._get("checkpoint").decode("utf-8", errors="replace")

    def tile(self, level: int, index: int, width: int) -> bytes:
        return self._get(tile_path(level, index, width))

    def entry_bundle(self, index: int, width: int) -> bytes:
        return self._get(entries_path(index, width))

    def verifier_key(self) -> str | None:
        return None  # a remote log's key must come from the auditor, never from the log

    def close(self) -> None:
        self._client.close()
