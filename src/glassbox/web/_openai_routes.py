"""OpenAI-compatible audio routes, models, receipts and holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from glassbox.core import Glassbox
from glassbox.entries import Action
from glassbox.errors import (
    GlassboxError,
    Gone,
    InputError,
    InvalidApiKey,
    NotFound,
    Overloaded,
    PayloadTooLarge,
    UnsupportedMedia,
)
from glassbox.web._node import glassbox
from glassbox.web._openapi import RECEIPT_HEADERS, body, errors, governed, keyed
from glassbox.web._render import Style, prefers_async, render, render_hold
from glassbox.web._requestlog import remember
from glassbox.web._schemas import (
    HoldStatus,
    Model,
    ModelList,
    ReceiptWithProof,
    SpeechForm,
    Transcription,
    TranscriptionForm,
)

router = APIRouter(tags=["openai"])
FORM_OVERHEAD = 1024 * 1024  # room for the other multipart fields
_TEXT_FIELDS = (
    "model",
    "language",
    "prompt",
    "response_format",
    "temperature",
    "purpose",
    "stream",
)


async def _read_form(request: Request, max_bytes: int) -> dict[str, Any] | GlassboxError:
    """The multipart form's fields; errors are returned, not raised, so they get logged."""
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        return InputError(
            f"expected multipart/form-data with a 'file' field, got {ctype or 'no content type'}"
        )
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        return InputError("a Content-Length header is required for uploads")
    if int(length) > max_bytes + FORM_OVERHEAD:
        return PayloadTooLarge(f"the request is {length} bytes; the file limit is {max_bytes}")
    try:
        form = await request.form(max_files=1, max_fields=32, max_part_size=FORM_OVERHEAD)
    except HTTPException as exc:
        return InputError(f"the multipart body is malformed: {exc.detail}")
    try:
        upload = form.get("file")
        if upload is not None and not isinstance(upload, UploadFile):
            return InputError("the 'file' field must be a file upload, not text")
        fields: dict[str, Any] = {"file": await upload.read() if upload is not None else None}
        for name in _TEXT_FIELDS:
            value = form.get(name)
            if isinstance(value, str):
                fields[name] = value
        fields["timestamp_granularities"] = [
            g
            for key in ("timestamp_granularities[]", "timestamp_granularities")
            for g in form.getlist(key)
            if isinstance(g, str)
        ]
        return fields
    finally:
        await form.close()


async def _speech(request: Request, action: Action) -> Response:
    node = glassbox(request)
    max_bytes = node.settings.max_upload_bytes
    outcome = await node.gateway.handle(
        action,
        request.headers.get("authorization"),
        lambda: _read_form(request, max_bytes),
        request.headers.get("glassbox-purpose"),
    )
    remember(request.state, outcome)
    return render(
        outcome,
        node.settings.base_url,
        Style.OPENAI,
        respond_async=prefers_async(request.headers.get("prefer")),
    )


_TEXT = {"schema": {"type": "string"}}
_SPEECH_ERRORS = governed(Style.OPENAI, PayloadTooLarge, UnsupportedMedia)


def _transcript(*, stream: bool) -> dict[int | str, Any]:
    """The 200 of a speech route: the transcript in its `response_format`."""
    content = {"text/plain": _TEXT, "text/vtt": _TEXT}  # text and srt; vtt
    if stream:
        content["text/event-stream"] = _TEXT  # transcript.text.delta, then .done events
    return {
        200: {
            "model": Transcription,
            "description": "the transcript, as `response_format` asked",
            "headers": RECEIPT_HEADERS,
            "content": content,
        }
    }


@router.post(
    "/v1/audio/transcriptions",
    responses={**_transcript(stream=True), **_SPEECH_ERRORS},
    openapi_extra={
        **keyed(purpose=True),
        **body("multipart/form-data", schema=TranscriptionForm),
    },
)
async def transcriptions(request: Request) -> Response:
    return await _speech(request, Action.TRANSCRIBE)


@router.post(
    "/v1/audio/translations",
    responses={**_transcript(stream=False), **_SPEECH_ERRORS},
    openapi_extra={**keyed(purpose=True), **body("multipart/form-data", schema=SpeechForm)},
)
async def translations(request: Request) -> Response:
    """Speech in any language to English text (needs a multilingual Whisper model)."""
    return await _speech(request, Action.TRANSLATE_SPEECH)


def _model(node: Glassbox, name: str) -> dict[str, Any]:
    info = node.services.transcriber.describe(name)
    return {
        "id": info.id,
        "object": "model",
        "created": 0,
        "owned_by": "glassbox",
        "model": info.model,
        "multilingual": info.multilingual,
        "languages": list(info.languages),
        "translates": info.translates,
        "size_bytes": info.size_bytes,
        "sha256": info.sha256,
    }


@router.get(
    "/v1/models",
    response_model=ModelList,
    responses=errors(Style.OPENAI, InvalidApiKey),
    openapi_extra=keyed(),
)
async def models(request: Request) -> JSONResponse:
    """Every model name a request may use (aliases too), in OpenAI's list shape."""
    node = glassbox(request)
    await node.gateway.authenticate(request.headers.get("authorization"))
    names = node.services.transcriber.model_names()
    data = [await run_in_threadpool(_model, node, name) for name in names]
    return JSONResponse({"object": "list", "data": data})


@router.get(
    "/v1/models/{model_id:path}",
    response_model=Model,
    responses=errors(Style.OPENAI, InvalidApiKey, NotFound),
    openapi_extra=keyed(),
)
async def model(request: Request, model_id: str) -> JSONResponse:
    node = glassbox(request)
    await node.gateway.authenticate(request.headers.get("authorization"))
    try:
        return JSONResponse(await run_in_threadpool(_model, node, model_id))
    except InputError:
        raise NotFound(f"there is no model {model_id!r}; see GET /v1/models") from None


@router.get(
    "/v1/receipts/{index}",
    response_model=ReceiptWithProof,
    responses=errors(Style.OPENAI, InvalidApiKey, NotFound, Overloaded),
    openapi_extra=keyed(),
)
async def receipts(
    request: Request,
    # Documented, and checked once the caller is known (a bad key is a 401 first).
    index: int = Path(json_schema_extra={"minimum": 0, "maximum": 2**63 - 1}),
) -> JSONResponse:
    node = glassbox(request)
    client = await node.gateway.authenticate(request.headers.get("authorization"))
    if not 0 <= index < 2**63:  # beyond any log (and the database's integers)
        raise InputError("index must be a log index from 0 to 2^63 - 1")
    return JSONResponse(await node.ledger.receipt_with_proof(client.id, index))


@router.get(
    "/v1/holds/{hold_id}",
    responses={
        200: {
            "description": "the hold's state; once served, the service's result instead",
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            HoldStatus.model_json_schema(),
                            {"type": "object", "description": "the served result"},
                        ]
                    }
                },
                "text/plain": _TEXT,
                "text/vtt": _TEXT,
            },
        },
        **errors(Style.OPENAI, InvalidApiKey, NotFound, Gone),
    },
    openapi_extra=keyed(),
)
async def hold_status(request: Request, hold_id: str) -> Response:
    """A held request's state; once served, the service's normal result with its receipt."""
    node = glassbox(request)
    client = await node.gateway.authenticate(request.headers.get("authorization"))
    view = await run_in_threadpool(node.review.client_view, client.id, hold_id)
    return render_hold(view, node.settings.base_url)
