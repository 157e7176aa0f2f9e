"""Operator-only routes, authorised by the operator token (stored hashed)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from glassbox.errors import InputError, Unauthorized
from glassbox.web._node import glassbox
from glassbox.web._openapi import errors, keyed
from glassbox.web._render import Style
from glassbox.web._schemas import Appended

router = APIRouter(prefix="/v1/operator", tags=["operator"])
MAX_ENTRIES_PER_APPEND = 1000


class AppendRequest(BaseModel):
    entries: list[str] = Field(min_length=1, max_length=MAX_ENTRIES_PER_APPEND)


def require_operator(request: Request) -> None:
    expected = glassbox(request).settings.operator_token_sha256
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not expected or scheme.lower() != "bearer" or not token:
        raise Unauthorized("an operator token is required (Authorization: Bearer gbo_...)")
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    if not hmac.compare_digest(digest, expected):
        raise Unauthorized("the operator token is not valid")


@router.post(
    "/log/entries",
    response_model=Appended,
    responses=errors(Style.OPENAI, Unauthorized),
    openapi_extra=keyed(),
)
async def append_entries(request: Request, body: AppendRequest) -> JSONResponse:
    """Append raw entries (base64) to the log; answers once they are durable."""
    require_operator(request)
    try:
        entries = [base64.b64decode(e, validate=True) for e in body.entries]
    except (binascii.Error, ValueError):
        raise InputError("entries must be base64 strings") from None
    first = await glassbox(request).log.append_async(entries)
    return JSONResponse({"indices": list(range(first, first + len(entries)))})
