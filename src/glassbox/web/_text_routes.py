"""LibreTranslate-compatible `/translate`, `/detect`, `/languages`, and `/v1/redact`."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from glassbox.errors import GlassboxError, InputError, PayloadTooLarge
from glassbox.gateway import Gateway, TextServices

router = APIRouter(tags=["text"])
BODY_OVERHEAD = 64 * 1024


async def _read(request: Request) -> dict[str, Any] | GlassboxError:
    """The request's fields from JSON or a form; errors are returned so they get logged."""
    max_chars: int = request.app.state.settings.max_text_chars
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_chars * 4 + BODY_OVERHEAD:
        return PayloadTooLarge(
            f"the request is {length} bytes; texts are at most {max_chars} characters"
        )
    ctype = request.headers.get("content-type", "")
    try:
        if ctype.startswith("application/json"):
            body = await request.body()
            if len(body) > max_chars * 4 + BODY_OVERHEAD:
                return PayloadTooLarge(f"texts are at most {max_chars} characters")
            data = json.loads(body)
            if not isinstance(data, dict):
                return InputError("the JSON body must be an object")
            return data
        form = await request.form(max_files=0, max_fields=64, max_part_size=max_chars * 4 + 1024)
        out: dict[str, Any] = {}
        for key in form:
            values = [v for v in form.getlist(key) if isinstance(v, str)]
            out[key] = values if len(values) > 1 else (values[0] if values else None)
        await form.close()
        return out
    except ValueError:
        return InputError("the body is not valid JSON")
    except HTTPException as exc:
        return InputError(f"the form is malformed: {exc.detail}")


async def _serve(request: Request, action: str, style: str) -> Response:
    gateway: Gateway = request.app.state.gateway
    fields = await _read(request)
    key = fields.pop("api_key", None) if isinstance(fields, dict) else None
    header = request.headers.get("authorization")
    if not header and isinstance(key, str) and key:
        header = f"Bearer {key}"
    client = await run_in_threadpool(gateway.clients.authenticate, header)
    call = gateway.start(client, action, str(request.base_url))
    call.error_style = style
    text: TextServices = request.app.state.text
    reply = await text.handle(call, fields, request.headers.get("glassbox-purpose"))
    return Response(reply.body, reply.status, reply.headers, media_type=reply.media_type)


@router.post("/translate")
async def translate(request: Request) -> Response:
    return await _serve(request, "translate", "libretranslate")


@router.post("/detect")
async def detect(request: Request) -> Response:
    return await _serve(request, "detect", "libretranslate")


@router.post("/v1/redact")
async def redact(request: Request) -> Response:
    return await _serve(request, "redact", "openai")


@router.get("/languages")
async def languages(request: Request) -> JSONResponse:
    """The translation engine's languages, in LibreTranslate's shape (public, no content)."""
    translator = request.app.state.translator
    langs = [] if translator is None else await run_in_threadpool(translator.languages)
    return JSONResponse(
        [{"code": lang.code, "name": lang.name, "targets": list(lang.targets)} for lang in langs]
    )
