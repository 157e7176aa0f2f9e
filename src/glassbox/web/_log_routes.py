"""The public log API: C2SP tlog-tiles plus JSON proofs and entries."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from glassbox.errors import FormatError, InputError
from glassbox.tlog import TILE_WIDTH, parse_tile_path
from glassbox.web._node import glassbox

IMMUTABLE = "public, max-age=31536000, immutable"
FRESH = "no-cache"
_MAX = 2**63 - 1

router = APIRouter(prefix="/log", tags=["log"])


def _b64(items: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in items]


@router.get("/checkpoint")
async def checkpoint(request: Request) -> Response:
    note = await run_in_threadpool(glassbox(request).log.reader.checkpoint)
    return Response(note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": FRESH})


@router.get("/tile/{path:path}")
async def tile(request: Request, path: str) -> Response:
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


@router.get("/proof/inclusion")
async def inclusion(
    request: Request,
    index: int = Query(ge=0, le=_MAX),
    size: int | None = Query(default=None, ge=1, le=_MAX),
) -> JSONResponse:
    size, proof = await run_in_threadpool(glassbox(request).log.reader.inclusion_proof, index, size)
    return JSONResponse({"index": index, "size": size, "proof": _b64(proof)})


@router.get("/proof/consistency")
async def consistency(
    request: Request,
    from_: int = Query(alias="from", ge=0, le=_MAX),
    to: int | None = Query(default=None, ge=1, le=_MAX),
) -> JSONResponse:
    size, proof = await run_in_threadpool(glassbox(request).log.reader.consistency_proof, from_, to)
    return JSONResponse({"from": from_, "to": size, "proof": _b64(proof)})


@router.get("/entries")
async def entries(
    request: Request,
    start: int = Query(ge=0, le=_MAX),
    end: int = Query(ge=1, le=_MAX),
) -> JSONResponse:
    if end <= start:
        raise InputError("end must be greater than start")
    data = await run_in_threadpool(glassbox(request).log.reader.entries, start, end)
    return JSONResponse({"start": start, "entries": _b64(data)})
