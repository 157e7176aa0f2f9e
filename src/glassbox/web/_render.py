"""Turning the gateway's outcomes into HTTP: statuses, receipt headers, and body shapes.

Two shapes of error body, by route: OpenAI's (`{"error": {"message", "type",
"code", "param"}}`) for `/v1/...`, LibreTranslate's (`{"error": "<message>"}`)
for its routes. Every logged answer carries the receipt, in the body
(`glassbox_receipt`) and in the `Glassbox-Log-Index` and `Glassbox-Receipt` headers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from enum import Enum
from typing import Any, assert_never
from urllib.parse import quote

from fastapi.responses import Response, StreamingResponse

from glassbox.entries import Receipt, rfc3339
from glassbox.errors import RetryLater
from glassbox.gateway import (
    Delta,
    Done,
    Failed,
    Held,
    HeldResult,
    HoldStatus,
    Interrupted,
    Outcome,
    Reason,
    Refused,
    Served,
    Streaming,
)

RECEIPT_HEADER = "Glassbox-Receipt"
INDEX_HEADER = "Glassbox-Log-Index"
JSON = "application/json"


class Style(Enum):
    """Which clients a route speaks to, and so how its errors look."""

    OPENAI = "openai"
    LIBRETRANSLATE = "libretranslate"


def receipt_headers(base_url: str, index: int) -> dict[str, str]:
    return {INDEX_HEADER: str(index), RECEIPT_HEADER: f"{base_url.rstrip('/')}/v1/receipts/{index}"}


def error_body(style: Style, code: str, message: str, **more: Any) -> dict[str, Any]:
    """An error in the shape the route's clients know."""
    if style is Style.LIBRETRANSLATE:
        return {"error": message, "code": code, **more}
    return {"error": {"message": message, "type": code, "code": code, "param": None, **more}}


def _json(status: int, body: dict[str, Any], headers: dict[str, str]) -> Response:
    return Response(json.dumps(body).encode(), status, headers, media_type=JSON)


def _reasons(reasons: tuple[Reason, ...]) -> list[dict[str, str]]:
    return [{"id": r.id, "description": r.description} for r in reasons]


def with_receipt(body: bytes, media_type: str, document: Any, receipt: Receipt) -> bytes:
    """A result's body, with the receipt added when it is a JSON object."""
    if media_type.startswith(JSON) and isinstance(document, dict):
        return json.dumps({**document, "glassbox_receipt": receipt.to_json()}).encode()
    return body


# A held request answers with this status unless the client asked to be answered
# asynchronously: standard clients raise on it instead of mistaking the hold for a result
# (423: the result is locked until reviewers decide). Clients are told not to retry it.
HELD_STATUS = 423


def prefers_async(prefer: str | None) -> bool:
    """Whether a `Prefer` header (RFC 7240) asks for `respond-async`."""
    if not prefer:
        return False
    tokens = (part.split(";")[0].split("=")[0].strip().lower() for part in prefer.split(","))
    return "respond-async" in tokens


def render(
    outcome: Outcome, base_url: str, style: Style, *, respond_async: bool = False
) -> Response:
    """The response for a governed request's outcome. A held request is a 202 with the
    hold for a client that asked to be answered asynchronously (`respond_async`), and
    otherwise an error naming the hold, so that no client takes it for a result."""
    if isinstance(outcome, Streaming):
        return StreamingResponse(
            _events(outcome),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    receipt = outcome.receipt
    headers = receipt_headers(base_url, receipt.index)
    match outcome:
        case Served(result=result, kept=str(token)):  # fetched by a link, as LibreTranslate does
            name = quote(result.filename or "file", safe="")
            link = f"{base_url.rstrip('/')}/download_file/{token}/{name}"
            body = {"translatedFileUrl": link, "glassbox_receipt": receipt.to_json()}
            return _json(200, body, headers)
        case Served(result=result):
            served = with_receipt(result.body, result.media_type, result.document, receipt)
            return Response(served, 200, headers, media_type=result.media_type)
        case Refused():
            error = error_body(
                style, "policy_denied", outcome.message, reasons=_reasons(outcome.reasons)
            )
            return _json(403, {**error, "glassbox_receipt": receipt.to_json()}, headers)
        case Failed(error=exc):
            if isinstance(exc, RetryLater):
                headers["Retry-After"] = str(exc.retry_after)
            error = error_body(style, exc.code, exc.message)
            return _json(exc.status, {**error, "glassbox_receipt": receipt.to_json()}, headers)
        case Held():
            url = f"{base_url.rstrip('/')}/v1/holds/{outcome.hold_id}"
            expires = rfc3339(outcome.deadline)
            hold = {
                "id": outcome.hold_id,
                "object": "glassbox.hold",
                "status": "pending",
                "reviewers_required": outcome.reviewers_required,
                "approvals": 0,
                "expires_at": expires,
                "reasons": _reasons(outcome.reasons),
            }
            headers["Location"] = url
            if respond_async:
                headers["Preference-Applied"] = "respond-async"
                return _json(202, {**hold, "glassbox_receipt": receipt.to_json()}, headers)
            people = "reviewer" if outcome.reviewers_required == 1 else "reviewers"
            message = (
                f"the request is held for human review: {outcome.reviewers_required} {people} "
                f"must approve it before {expires}. Its result will be at {url} (ask with "
                "your key); send 'Prefer: respond-async' to be answered 202 with the hold"
            )
            headers["x-should-retry"] = "false"  # a retry would be held again, anew
            error = error_body(style, "held_for_review", message, hold={**hold, "url": url})
            return _json(HELD_STATUS, {**error, "glassbox_receipt": receipt.to_json()}, headers)
        case unknown:
            assert_never(unknown)


def _sse(event: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(event, ensure_ascii=False).encode() + b"\n\n"


async def _events(streaming: Streaming) -> AsyncIterator[bytes]:
    """Server-sent events as OpenAI streams a transcription: `transcript.text.delta` for each
    piece, then `transcript.text.done` with the whole text, usage and the receipt (sent only
    once the entry is durable). A stream that breaks off ends with an error event."""
    async for event in streaming.events:
        match event:
            case Delta(text=text):
                yield _sse({"type": "transcript.text.delta", "delta": text})
            case Done(receipt=receipt, result=result):
                document = result.document if isinstance(result.document, dict) else {}
                text = document.get("text", result.body.decode("utf-8").rstrip("\n"))
                done: dict[str, Any] = {"type": "transcript.text.done", "text": text}
                if "usage" in document:
                    done["usage"] = document["usage"]
                done["glassbox_receipt"] = receipt.to_json()
                yield _sse(done)
            case Interrupted(receipt=receipt, error=error):
                body = error_body(Style.OPENAI, error.code, error.message)
                yield _sse({**body, "glassbox_receipt": receipt.to_json()})
            case unknown:
                assert_never(unknown)


def render_hold(view: HoldStatus | HeldResult, base_url: str) -> Response:
    """A client's look at its hold: the status, or once served the result with its receipt."""
    if isinstance(view, HeldResult):
        document = json.loads(view.body) if view.media_type.startswith(JSON) else None
        result = with_receipt(view.body, view.media_type, document, view.receipt)
        headers = receipt_headers(base_url, view.receipt.index)
        return Response(result, 200, headers, media_type=view.media_type)
    status = {
        "id": view.id,
        "object": "glassbox.hold",
        "status": view.status,
        "reviewers_required": view.reviewers_required,
        "approvals": view.approvals,
        "expires_at": rfc3339(view.deadline),
        "log_index": view.log_index,
        "final_log_index": view.final_index,
    }
    return _json(200, status, {"Retry-After": "5"} if view.waiting else {})
