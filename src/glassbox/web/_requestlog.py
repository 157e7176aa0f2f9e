"""One JSON line per HTTP request, for operators: never content, never keys or tokens.

Each line has the time, method, route (the route's pattern, such as
`/download_file/{token}/{filename}`, never the path itself, which may carry a
secret), status and duration; for a governed request also its request id, the
client's pseudonym, the outcome and the log index, as its log entry has them.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from glassbox.gateway import Outcome

STATE_KEY = "glassbox_request"


def remember(scope_state: Any, outcome: Outcome) -> None:
    """Note a governed request's outcome (from `request.state`) for its log line."""
    receipt = getattr(outcome, "receipt", None)
    if receipt is None:
        return
    entry = json.loads(receipt.entry)
    setattr(
        scope_state,
        STATE_KEY,
        {
            "request_id": entry.get("request"),
            "client": entry.get("client"),
            "action": entry.get("action"),
            "outcome": entry.get("outcome"),
            "log_index": receipt.index,
        },
    )


class RequestLog:
    """ASGI middleware: as each request ends, its record goes to `observe` (the metrics)
    and, if `write`, as a line to `stream` (standard output)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        write: bool = True,
        stream: IO[str] | None = None,
        observe: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.app = app
        self._write_lines = write
        self._stream = stream
        self._observe = observe
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._write(scope, status, time.perf_counter() - started)

    def _write(self, scope: Scope, status: int, seconds: float) -> None:
        route = scope.get("route")
        record: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": scope.get("method"),
            "route": getattr(route, "path", None) or "(no route)",
            "status": status,
            "ms": round(seconds * 1000, 1),
        }
        noted = scope.get("state", {}).get(STATE_KEY)
        if noted:
            record.update(noted)
        if self._observe is not None:
            self._observe(record)
        if not self._write_lines:
            return
        line = json.dumps(record, separators=(",", ":")) + "\n"
        stream = self._stream or sys.stdout
        with self._lock:
            stream.write(line)
            stream.flush()
