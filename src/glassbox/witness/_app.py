"""The witness's HTTP interface: C2SP tlog-witness `POST /add-checkpoint`, in plain text."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response
from starlette.exceptions import HTTPException

from glassbox.errors import GlassboxError, PayloadTooLarge
from glassbox.witness._request import MAX_BODY_BYTES
from glassbox.witness._witness import OldSizeMismatch, Witness

SIZE_MEDIA_TYPE = "text/x.tlog.size"

_log = logging.getLogger(__name__)


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"request body is larger than {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"request body is larger than {MAX_BODY_BYTES} bytes")
    return bytes(body)


def create_witness_app(witness: Witness) -> FastAPI:
    """The witness as an ASGI app; `witness` does the work in a worker thread."""
    app = FastAPI(title="Glassbox witness", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> PlainTextResponse:
        body = await _body(request)
        lines = await run_in_threadpool(witness.add_checkpoint, body)
        return PlainTextResponse(lines)

    @app.get("/")
    async def about() -> PlainTextResponse:
        logs = "".join(f"log {origin}\n" for origin in witness.origins)
        return PlainTextResponse(f"witness {witness.cosigner.verifier_key()}\n{logs}")

    @app.get("/healthz")
    async def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok\n")

    @app.exception_handler(OldSizeMismatch)
    async def _old_size(_req: Request, exc: OldSizeMismatch) -> Response:
        # Exactly this media type, with no charset parameter: clients compare it whole.
        return Response(f"{exc.size}\n", 409, headers={"Content-Type": SIZE_MEDIA_TYPE})

    @app.exception_handler(GlassboxError)
    async def _refused(_req: Request, exc: GlassboxError) -> PlainTextResponse:
        if exc.status >= 500:
            _log.error("%s: %s", exc.code, exc.message)
        return PlainTextResponse(f"{exc.message}\n", exc.status)

    @app.exception_handler(HTTPException)
    async def _http(_req: Request, exc: HTTPException) -> PlainTextResponse:
        return PlainTextResponse(f"{exc.detail}\n", exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_req: Request, exc: Exception) -> PlainTextResponse:
        _log.exception("unexpected error")
        return PlainTextResponse("internal error\n", 500)

    return app
