"""OpenAI-compatible audio routes, models, and receipts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from glassbox.clients import Client
from glassbox.errors import GlassboxError, InputError, PayloadTooLarge
from glassbox.gateway import Gateway, Transcription, TranscriptionForm, receipt_with_proof

router = APIRouter(tags=["openai"])
FORM_OVERHEAD = 1024 * 1024  # room for the other multipart fields


def _gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


async def _authenticate(request: Request) -> Client:
    clients = _gateway(request).clients
    return await run_in_threadpool(clients.authenticate, request.headers.get("authorization"))


async def _read_form(request: Request, max_bytes: int) -> TranscriptionForm | GlassboxError:
    """Parse the multipart form; errors are returned, not raised, so they get logged."""
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
        data = await upload.read() if upload is not None else None

        def text(name: str) -> str | None:
            value = form.get(name)
            return value if isinstance(value, str) else None

        grans = [g for g in form.getlist("timestamp_granularities[]") if isinstance(g, str)]
        grans += [g for g in form.getlist("timestamp_granularities") if isinstance(g, str)]
        return TranscriptionForm(
            upload=data,
            model=text("model"),
            language=text("language"),
            prompt=text("prompt"),
            response_format=text("response_format"),
            temperature=text("temperature"),
            granularities=grans,
            purpose=text("purpose"),
        )
    finally:
        await form.close()


async def _speech(request: Request, service: Transcription) -> Response:
    client = await _authenticate(request)
    call = _gateway(request).start(client, service.action, str(request.base_url))
    form = await _read_form(request, request.app.state.settings.max_upload_bytes)
    reply = await service.handle(call, form, request.headers.get("glassbox-purpose"))
    return Response(reply.body, reply.status, reply.headers, media_type=reply.media_type)


@router.post("/v1/audio/transcriptions")
async def transcriptions(request: Request) -> Response:
    return await _speech(request, request.app.state.transcription)


@router.post("/v1/audio/translations")
async def translations(request: Request) -> Response:
    """Speech in any language to English text (needs a multilingual Whisper model)."""
    return await _speech(request, request.app.state.speech_translation)


@router.get("/v1/models")
async def models(request: Request) -> JSONResponse:
    await _authenticate(request)
    names = request.app.state.transcriber.model_names()
    data = [{"id": n, "object": "model", "created": 0, "owned_by": "glassbox"} for n in names]
    return JSONResponse({"object": "list", "data": data})


@router.get("/v1/receipts/{index}")
async def receipts(request: Request, index: int) -> JSONResponse:
    client = await _authenticate(request)
    if index < 0:
        raise InputError("index must be >= 0")
    return JSONResponse(await receipt_with_proof(_gateway(request).node, client, index))


@router.get("/v1/holds/{hold_id}")
async def hold_status(request: Request, hold_id: str) -> Response:
    """A held request's state; once served, the service's normal result with its receipt."""
    client = await _authenticate(request)
    review = request.app.state.review
    reply = await run_in_threadpool(review.client_view, client.id, hold_id, str(request.base_url))
    return Response(reply.body, reply.status, reply.headers, media_type=reply.media_type)
