"""The public log API: C2SP tlog-tiles plus JSON proofs and entries."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from glassbox.errors import FormatError, InputError, NotFound
from glassbox.tlog import TILE_WIDTH, parse_tile_path
from glassbox.web._node import glassbox
from glassbox.web._openapi import errors
from glassbox.web._render import Style
from glassbox.web._schemas import ConsistencyProof, Entries, InclusionProof

IMMUTABLE = "public, max-age=31536000, immutable"
FRESH = "no-cache"
_MAX = 2**63 - 1

router = APIRouter(prefix="/log", tags=["log"], responses=errors(Style.OPENAI, NotFound))


def _bytes(media_type: str, description: str) -> dict[int | str, Any]:
    schema = {"type": "string", "format": "binary"}
    return {200: {"description": description, "content": {media_type: {"schema": schema}}}}


def _b64(items: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in items]


@router.get(
    "/checkpoint",
    response_class=Response,
    responses=_bytes("text/plain; charset=utf-8", "the latest signed checkpoint (a note)"),
)
async def checkpoint(request: Request) -> Response:
    note = await run_in_threadpool(glassbox(request).log.reader.checkpoint)
    return Response(note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": FRESH})


@router.get(
    "/tile/{path:path}",
    response_class=Response,
    responses=_bytes("application/octet-stream", "a tile or entry bundle (C2SP tlog-tiles)"),
)
async def tile(
    request: Request,
    # No pattern: a path parameter holds no '/' in OpenAPI, and a tile path has several.
    path: str = Path(
        description="C2SP tlog-tiles: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`, e.g. `0/x001/234`"
    ),
) -> Response:
    try:
        where = parse_tile_path("tile/" + path)
    except FormatError as exc:
        raise InputError(f"bad tile path: {exc.message}") from None
    reader = glassbox(request).log.reader
    if where.level is None:
        data = await run_in_threadpool(reader.entry_bundle, where.index, where.width)
    else:
        data = await run_in_threadpool(reader.tile, where.level, where.index, where.width)
    cache = IMMUTABLE if where.width == TILE_WIDTH else FRESH
    return Response(data, media_type="application/octet-stream", headers={"Cache-Control": cache})


@router.get("/proof/inclusion", response_model=InclusionProof)
async def inclusion(
    request: Request,
    index: int = Query(ge=0, le=_MAX),
    size: int | None = Query(default=None, ge=1, le=_MAX),
) -> JSONResponse:
    size, proof = await run_in_threadpool(glassbox(request).log.reader.inclusion_proof, index, size)
    return JSONResponse({"index": index, "size": size, "proof": _b64(proof)})


@router.get("/proof/consistency", response_model=ConsistencyProof)
async def consistency(
    request: Request,
    from_: int = Query(alias="from", ge=0, le=_MAX),
    to: int | None = Query(default=None, ge=1, le=_MAX),
) -> JSONResponse:
    size, proof = await run_in_threadpool(glassbox(request).log.reader.consistency_proof, from_, to)
    return JSONResponse({"from": from_, "to": size, "proof": _b64(proof)})


@router.get("/entries", response_model=Entries)
async def entries(
    request: Request,
    start: int = Query(ge=0, le=_MAX),
    end: int = Query(ge=1, le=_MAX),
) -> JSONResponse:
    if end <= start:
        raise InputError("end must be greater than start")
    data = await run_in_threadpool(glassbox(request).log.reader.entries, start, end)
    return JSONResponse({"start": start, "entries": _b64(data)})
