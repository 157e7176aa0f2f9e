"""LibreTranslate-compatible `/translate`, `/translate_file`, `/detect`, `/languages` and
its settings, and `/v1/redact`."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from glassbox.entries import Action
from glassbox.errors import (
    GlassboxError,
    Gone,
    InputError,
    NotFound,
    PayloadTooLarge,
    UnreadableFile,
)
from glassbox.services.text import FILE_FORMATS, MAX_FILE_BYTES
from glassbox.web._node import glassbox
from glassbox.web._openapi import RECEIPT_HEADERS, body, errors, governed, keyed
from glassbox.web._render import Style, prefers_async, render
from glassbox.web._requestlog import remember
from glassbox.web._schemas import (
    Detected,
    DetectRequest,
    FrontendSettings,
    Language,
    Redacted,
    RedactRequest,
    Status,
    Translated,
    TranslatedFile,
    TranslateFileForm,
    TranslateRequest,
)

router = APIRouter(tags=["text"])
_FIELDS = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
_LT = Style.LIBRETRANSLATE


def _logged(model: Any) -> dict[int | str, Any]:
    return {200: {"model": model, "headers": RECEIPT_HEADERS}}


BODY_OVERHEAD = 64 * 1024
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


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


async def _read_file(request: Request) -> dict[str, Any] | GlassboxError:
    """`/translate_file`'s multipart form: one `file` and LibreTranslate's text fields."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return InputError("send the document as multipart/form-data with a 'file' field")
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_FILE_BYTES + BODY_OVERHEAD:
        return PayloadTooLarge(f"the request is {length} bytes; files are at most {MAX_FILE_BYTES}")
    try:
        form = await request.form(max_files=1, max_fields=16, max_part_size=MAX_FILE_BYTES + 1)
    except HTTPException as exc:
        return InputError(f"the form is malformed: {exc.detail}")
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return InputError("the request has no 'file' field: send the document as 'file'")
        data = await upload.read(MAX_FILE_BYTES + 1)
        fields: dict[str, Any] = {"file": data, "filename": upload.filename or "document.txt"}
        for name in ("source", "target", "api_key", "purpose"):
            value = form.get(name)
            if isinstance(value, str):
                fields[name] = value
        return fields
    finally:
        await form.close()


async def _serve(
    request: Request, action: Action, style: Style, *, files: bool = False
) -> Response:
    node = glassbox(request)
    fields = await (_read_file(request) if files else _read(request, node.settings.max_text_chars))
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
    remember(request.state, outcome)
    respond_async = prefers_async(request.headers.get("prefer"))
    return render(outcome, node.settings.base_url, style, respond_async=respond_async)


@router.post(
    "/translate",
    responses={**_logged(Translated), **governed(_LT, PayloadTooLarge)},
    openapi_extra={
        **keyed(purpose=True, key_field=True),
        **body(*_FIELDS, schema=TranslateRequest),
    },
)
async def translate(request: Request) -> Response:
    return await _serve(request, Action.TRANSLATE, Style.LIBRETRANSLATE)


@router.post(
    "/translate_file",
    responses={**_logged(TranslatedFile), **governed(_LT, PayloadTooLarge, UnreadableFile)},
    openapi_extra={
        **keyed(purpose=True, key_field=True),
        **body("multipart/form-data", schema=TranslateFileForm),
    },
)
async def translate_file(request: Request) -> Response:
    """LibreTranslate's file translation: the answer links to the translated file."""
    return await _serve(request, Action.TRANSLATE, Style.LIBRETRANSLATE, files=True)


@router.get(
    "/download_file/{token}/{filename}",
    response_class=Response,
    responses={
        200: {
            "description": "the translated file",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in sorted(set(FILE_FORMATS.values()))
            },
        },
        **errors(_LT, NotFound, Gone),
    },
)
async def download_file(request: Request, token: str, filename: str) -> Response:
    """A translated file, by the link `/translate_file` answered with (public: the link
    is the secret, for `result_retention_hours`)."""
    if not _TOKEN.fullmatch(token):
        raise NotFound("there is no such file: the link is wrong")
    kept = await run_in_threadpool(glassbox(request).kept.fetch, token)
    disposition = f"attachment; filename*=UTF-8''{quote(kept.filename, safe='')}"
    return Response(
        kept.body,
        media_type=kept.media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


@router.post(
    "/detect",
    responses={**_logged(list[Detected] | list[list[Detected]]), **governed(_LT, PayloadTooLarge)},
    openapi_extra={**keyed(purpose=True, key_field=True), **body(*_FIELDS, schema=DetectRequest)},
)
async def detect(request: Request) -> Response:
    return await _serve(request, Action.DETECT, Style.LIBRETRANSLATE)


@router.post(
    "/v1/redact",
    responses={**_logged(Redacted), **governed(Style.OPENAI, PayloadTooLarge)},
    openapi_extra={**keyed(purpose=True), **body("application/json", schema=RedactRequest)},
)
async def redact(request: Request) -> Response:
    return await _serve(request, Action.REDACT, Style.OPENAI)


@router.get("/languages", response_model=list[Language], responses=errors(_LT))
async def languages(request: Request) -> JSONResponse:
    """The translation engine's languages, in LibreTranslate's shape (public, no content)."""
    translator = glassbox(request).services.translator
    langs = [] if translator is None else await run_in_threadpool(translator.languages)
    return JSONResponse(
        [{"code": lang.code, "name": lang.name, "targets": list(lang.targets)} for lang in langs]
    )


@router.get("/frontend/settings", response_model=FrontendSettings, responses=errors(_LT))
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
            "filesTranslation": translator is not None,
            "supportedFilesFormat": sorted(FILE_FORMATS) if translator is not None else [],
            "language": {
                "source": {"code": source, "name": names.get(source, "")},
                "target": {"code": target, "name": names.get(target, "")},
            },
        }
    )


@router.get("/health", response_model=Status)
async def health() -> JSONResponse:
    """LibreTranslate's liveness check (public)."""
    return JSONResponse({"status": "ok"})
