"""The OpenAPI document, true to what the server answers.

A route names the errors it can raise, as classes (`responses=errors(Style.OPENAI,
NotFound)`), and this module turns them into the statuses, codes and body shapes the
one error handler renders (`_errors.py`). A governed route adds what the gateway
may answer (`governed`): a hold, a policy refusal, a rate limit. The document then
drops the 422 FastAPI adds to every route with parameters, because a request that
fails validation is answered 400 `invalid_request` in the route's own shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI, Header
from pydantic import BaseModel, Field

from glassbox.errors import (
    GlassboxError,
    InputError,
    InvalidApiKey,
    Overloaded,
    RateLimited,
    StorageError,
    TooManyAttempts,
    Unauthorized,
)
from glassbox.web._render import HELD_STATUS, INDEX_HEADER, RECEIPT_HEADER, Style
from glassbox.web._schemas import PURPOSE_PATTERN, Hold, HoldDecided, Reason, Receipt

Responses = dict[int | str, dict[str, Any]]

BEARER = "bearer"  # the security scheme: Authorization: Bearer gbk_... (or gbo_...)
_RETRIED = (Overloaded, RateLimited, TooManyAttempts)


class OpenAIErrorDetail(BaseModel):
    message: str = Field(description="a sentence for a person")
    type: str = Field(description="the same as `code`")
    code: str = Field(description="stable: programs branch on it")
    param: str | None
    reasons: list[Reason] | None = Field(
        default=None, description="the policy's reasons (policy_denied)"
    )
    hold: Hold | None = Field(default=None, description="the hold (held_for_review)")


class OpenAIError(BaseModel):
    """An error on a `/v1` or log route, in the shape OpenAI's clients display."""

    error: OpenAIErrorDetail
    glassbox_receipt: Receipt | None = Field(
        default=None, description="when the request was logged"
    )


class LibreTranslateError(BaseModel):
    """An error on a LibreTranslate route, in the shape its clients display."""

    error: str = Field(description="a sentence for a person")
    code: str = Field(description="stable: programs branch on it")
    reasons: list[Reason] | None = Field(
        default=None, description="the policy's reasons (policy_denied)"
    )
    hold: Hold | None = Field(default=None, description="the hold (held_for_review)")
    glassbox_receipt: Receipt | None = Field(
        default=None, description="when the request was logged"
    )


_BODIES: dict[Style, type[BaseModel]] = {
    Style.OPENAI: OpenAIError,
    Style.LIBRETRANSLATE: LibreTranslateError,
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
_LOCATION = {"description": "the hold's URL", "schema": {"type": "string"}}
RECEIPT_HEADERS = {
    INDEX_HEADER: {
        "description": "the log index of the request's entry",
        "schema": {"type": "integer"},
    },
    RECEIPT_HEADER: {"description": "the receipt's URL", "schema": {"type": "string"}},
}


def _statuses(style: Style, error: type[GlassboxError]) -> tuple[int, ...]:
    """Every status `error` is answered with on a route of `style` (see `status_of`)."""
    if style is Style.LIBRETRANSLATE and issubclass(error, Unauthorized):
        return (400, 403)  # LibreTranslate's: no key 400, a wrong one 403
    return (error.status,)


def _add(
    out: Responses, status: int, code: str, style: Style, headers: dict[str, Any] | None = None
) -> None:
    response = out.setdefault(status, {"model": _BODIES[style], "codes": []})
    if code not in response["codes"]:
        response["codes"].append(code)
    if headers:
        response.setdefault("headers", {}).update(headers)


def _finish(out: Responses) -> Responses:
    for response in out.values():
        codes = response.pop("codes", None)
        if codes:
            response["description"] = "error: " + ", ".join(f"`{c}`" for c in codes)
    return dict(sorted(out.items(), key=lambda item: str(item[0])))


def _collect(style: Style, raised: Iterable[type[GlassboxError]]) -> Responses:
    out: Responses = {}
    every: tuple[type[GlassboxError], ...] = (InputError, StorageError, *raised)
    for error in every:
        headers = _RETRY_AFTER if issubclass(error, _RETRIED) else None
        for status in _statuses(style, error):
            _add(out, status, error.code, style, headers)
    return out


def errors(style: Style, *raised: type[GlassboxError]) -> Responses:
    """The `responses=` of a route that raises `raised`, and may fail validation (400)
    or the database (503), with its style's error body."""
    return _finish(_collect(style, raised))


def governed(style: Style, *raised: type[GlassboxError]) -> Responses:
    """The `responses=` of a governed route: the gateway's outcomes (a hold, a refusal,
    a rate limit, a bad key) and the errors its service raises. Every answer but a bad
    key and a rate limit is logged, and carries its receipt."""
    out = _collect(style, (InvalidApiKey, RateLimited, Overloaded, *raised))
    _add(out, 403, "policy_denied", style)
    _add(out, HELD_STATUS, "held_for_review", style, {"Location": _LOCATION})
    for status, response in out.items():
        if status not in (401, 429):
            response.setdefault("headers", {}).update(RECEIPT_HEADERS)
    out[202] = {
        "model": Hold,
        "description": "held for review, to a request sent with `Prefer: respond-async`",
        "headers": {**RECEIPT_HEADERS, "Location": _LOCATION},
    }
    return _finish(out)


def keyed(*, purpose: bool = False, key_field: bool = False) -> dict[str, Any]:
    """`openapi_extra` for a route that takes a client key (with `key_field` it may come
    as the body's `api_key` instead, as LibreTranslate's clients send it), and for a
    governed one its `Glassbox-Purpose` and `Prefer` headers."""
    extra: dict[str, Any] = {"security": [{BEARER: []}, *([{}] if key_field else [])]}
    if purpose:
        extra["parameters"] = [
            {
                "name": "Glassbox-Purpose",
                "in": "header",
                "required": False,
                "description": "the declared purpose (a `purpose` field wins; empty: none)",
                "schema": {"type": "string", "pattern": PURPOSE_PATTERN},
            },
            {
                "name": "Prefer",
                "in": "header",
                "required": False,
                "description": "`respond-async`: answer a hold with 202 (RFC 7240)",
                "schema": {"type": "string"},
            },
        ]
    return extra


def body(*media_types: str, schema: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its body itself: `schema`, as `media_types`."""
    shape = schema.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = shape.pop("$defs", {})
    if defs:
        raise ValueError(f"{schema.__name__} must be flat to be inlined; it nests {sorted(defs)}")
    content = {media: {"schema": shape} for media in media_types}
    return {"requestBody": {"required": True, "content": content}}


def install_openapi(app: FastAPI) -> None:
    """Build the document once, without FastAPI's 422s (validation errors are 400s), with
    the webhook notice Glassbox sends (OpenAPI 3.1 `webhooks`)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    @app.webhooks.post(
        "hold.decided",
        summary="A held request was decided",
        responses={200: {"description": "any 2xx delivers the notice; its body is ignored"}},
    )
    def hold_decided(
        body: HoldDecided,
        glassbox_webhook_id: str = Header(description="the notice's id, to deduplicate on"),
        glassbox_webhook_timestamp: str = Header(description="unix seconds when sent"),
        glassbox_webhook_signature: str = Header(
            description='v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>: verify it'
        ),
    ) -> None:
        """Posted to a key's webhook URL when one of its held requests ends (served,
        denied, expired or failed); retried with backoff until a 2xx, for 24 hours. It
        names no content: fetch the hold's `url` with the key."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = build()
        for operation in _operations(doc):
            operation.get("responses", {}).pop("422", None)
        schemas = doc.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        doc.setdefault("components", {}).setdefault("securitySchemes", {})[BEARER] = {
            "type": "http",
            "scheme": "bearer",
            "description": "a client key (gbk_...) or, on operator routes, the operator token",
        }
        app.openapi_schema = doc
        return doc

    app.openapi = document  # type: ignore[method-assign]


def _operations(doc: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for section in ("paths", "webhooks"):
        for path in doc.get(section, {}).values():
            yield from path.values()
