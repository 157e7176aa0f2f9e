"""LibreTranslate-compatible `/translate`, `/detect`, `/languages`, and `/v1/redact`."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from glassbox.entries import Action
from glassbox.errors import GlassboxError, InputError, PayloadTooLarge
from glassbox.web._node import glassbox
from glassbox.web._render import Style, prefers_async, render

router = APIRouter(tags=["text"])
BODY_OVERHEAD = 64 * 1024


async def _read(request: Request, max_chars: int) -> dict[str, Any] | GlassboxError:
    """The request's fields from JSON or a form; errors are returned so they get logged."""
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


async def _serve(request: Request, action: Action, style: Style) -> Response:
    node = glassbox(request)
    fields = await _read(request, node.settings.max_text_chars)
    # LibreTranslate clients send the key as the `api_key` field.
    key = fields.pop("api_key", None) if isinstance(fields, dict) else None
    credentials = request.headers.get("authorization")
    if not credentials and isinstance(key, str) and key:
        credentials = f"Bearer {key}"
        request.state.key_sent = True  # a wrong key is a 403 to LibreTranslate's clients

    async def read() -> dict[str, Any] | GlassboxError:
        return fields

    outcome = await node.gateway.handle(
        action, credentials, read, request.headers.get("glassbox-purpose")
    )
    respond_async = prefers_async(request.headers.get("prefer"))
    return render(outcome, node.settings.base_url, style, respond_async=respond_async)


@router.post("/translate")
async def translate(request: Request) -> Response:
    return await _serve(request, Action.TRANSLATE, Style.LIBRETRANSLATE)


@router.post("/detect")
async def detect(request: Request) -> Response:
    return await _serve(request, Action.DETECT, Style.LIBRETRANSLATE)


@router.post("/v1/redact")
async def redact(request: Request) -> Response:
    return await _serve(request, Action.REDACT, Style.OPENAI)


@router.get("/languages")
async def languages(request: Request) -> JSONResponse:
    """The translation engine's languages, in LibreTranslate's shape (public, no content)."""
    translator = glassbox(request).services.translator
    langs = [] if translator is None else await run_in_threadpool(translator.languages)
    return JSONResponse(
        [{"code": lang.code, "name": lang.name, "targets": list(lang.targets)} for lang in langs]
    )


@router.get("/frontend/settings")
async def frontend_settings(request: Request) -> JSONResponse:
    """What LibreTranslate's web page and clients read before they translate (public)."""
    node = glassbox(request)
    translator = node.services.translator
    langs = [] if translator is None else await run_in_threadpool(translator.languages)
    codes = [lang.code for lang in langs]
    source = "en" if "en" in codes else (codes[0] if codes else "")
    targets = next((lang.targets for lang in langs if lang.code == source), ())
    target = "es" if "es" in targets else (targets[0] if targets else "")
    names = {lang.code: lang.name for lang in langs}
    return JSONResponse(
        {
            "apiKeys": True,
            "keyRequired": True,
            "charLimit": node.settings.max_text_chars,
            "frontendTimeout": 500,
            "suggestions": False,
            "filesTranslation": False,
            "supportedFilesFormat": [],
            "language": {
                "source": {"code": source, "name": names.get(source, "")},
                "target": {"code": target, "name": names.get(target, "")},
            },
        }
    )


@router.get("/health")
async def health() -> JSONResponse:
    """LibreTranslate's liveness check (public)."""
    return JSONResponse({"status": "ok"})
