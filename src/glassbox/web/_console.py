"""The reviewer console: sign in, the queue of held requests, a hold's page, the log.

Server-rendered HTML without script. Every route looks the session up itself and
answers 303 to the login page without one; every POST form is checked for its
CSRF token before anything else happens (see `_console_auth`). Errors render as
HTML pages with the error's status; expected refusals (a reviewer's own
organisation, a second vote, a missing reason) re-render the form with the message.
"""

from __future__ import annotations

import base64
import functools
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from glassbox.clock import utc_now
from glassbox.entries import Action, Category, Change, Kind, Outcome, Verdict
from glassbox.errors import (
    Conflict,
    Forbidden,
    GlassboxError,
    InputError,
    NotFound,
    TooManyAttempts,
    Unauthorized,
)
from glassbox.review import ENDED, Review, Session
from glassbox.web._console_auth import (
    HOME,
    LOGIN,
    LOGIN_COOKIE,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    accounts,
    clear_login_cookie,
    clear_session_cookie,
    current_session,
    login_token,
    read_form,
    safe_next,
    same_token,
    set_login_cookie,
    set_session_cookie,
    to_login,
)
from glassbox.web._console_lists import PAGE, HoldList, hold_query
from glassbox.web._console_views import (
    EntryView,
    audio_type,
    checkpoint_of,
    decode_entry,
    held_content,
    page,
    request_settings,
)
from glassbox.web._node import glassbox

_log = logging.getLogger(__name__)
LOG_PAGE = 50
LOG_SCAN = 5000  # entries a filtered log page looks through at most
LOG_FILTERS = ("kind", "result", "action", "category", "client")
LOG_CHOICES = {
    "kind": [str(k) for k in Kind],
    "result": [*map(str, Outcome), *map(str, Verdict), *map(str, Change)],
    "action": [str(a) for a in Action],
    "category": [str(c) for c in Category],
}
CSRF_REFUSED = (
    "this form was not sent from your current console session (its CSRF token is missing "
    "or wrong); nothing was recorded. Go back, reload the page and try again"
)
RECORDED = {
    "approve": "Your approval is recorded in the log.",
    "deny": "Your denial is recorded in the log; the request will not run.",
}


class SignInFirst(Exception):
    """Raised by a console route that needs a session when there is none: the route
    answers 303 to the login page, coming back here afterwards."""


class ConsoleRoute(APIRoute):
    """Adds the security headers to every response and renders errors as HTML pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInFirst:
                response = to_login(request)
            except GlassboxError as exc:
                if exc.status >= 500:
                    _log.error("%s: %s", exc.code, exc.message)
                session = getattr(request.state, "session", None)
                response = page(request, "error.html", session, exc.status, error=exc.message)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return console_handler


router = APIRouter(prefix=HOME, route_class=ConsoleRoute, include_in_schema=False)


def static_files() -> StaticFiles:
    """The console's stylesheet and icon, to mount at /console/static."""
    return StaticFiles(directory=Path(__file__).with_name("static"))


async def signed_in(request: Request) -> Session | None:
    session = await current_session(request)
    request.state.session = session  # for error pages
    return session


def _review(request: Request) -> Review:
    return glassbox(request).review


def text(form: FormData, name: str) -> str:
    """A form field's text; empty when it is missing or a file."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


# -- signing in and out -----------------------------------------------------------------


def _login_page(
    request: Request, target: str, status: int = 200, *, name: str = "", **context: Any
) -> Response:
    token = login_token(request)
    response = page(
        request, "login.html", None, status, next=target, token=token, name=name, **context
    )
    set_login_cookie(request, response, token)
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    target = safe_next(request.query_params.get("next"))
    if await signed_in(request) is not None:
        return RedirectResponse(target, 303)
    signed_out = "signed_out" in request.query_params
    return _login_page(request, target, message="You are signed out." if signed_out else None)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    target, name = safe_next(text(form, "next")), text(form, "name")
    if not same_token(request.cookies.get(LOGIN_COOKIE), form, "token"):
        error = "this sign-in form has expired or was not sent from this site; please try again"
        return _login_page(request, target, 403, name=name, error=error)
    address = request.client.host if request.client else None
    try:
        token, session = await run_in_threadpool(
            functools.partial(accounts(request).login, address=address),
            name,
            text(form, "password"),
        )
    except Unauthorized as exc:
        return _login_page(request, target, exc.status, name=name, error=exc.message)
    except TooManyAttempts as exc:
        page = _login_page(request, target, exc.status, name=name, error=exc.message)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = RedirectResponse(target, 303)
    seconds = int((session.expires_at - utc_now()).total_seconds())
    set_session_cookie(request, response, token, seconds)
    clear_login_cookie(request, response)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    session = await signed_in(request)
    if session is not None:
        if not same_token(session.csrf, await read_form(request)):
            raise Forbidden(CSRF_REFUSED)
        await run_in_threadpool(accounts(request).logout, request.cookies[SESSION_COOKIE])
    response = RedirectResponse(f"{LOGIN}?signed_out=1", 303)
    clear_session_cookie(request, response)
    return response


# -- holds -------------------------------------------------------------------------------


async def _hold_list(request: Request, session: Session, *, decided: bool) -> Response:
    node = glassbox(request)
    everyone = await run_in_threadpool(node.clients.all)
    query, filters, problems, number = hold_query(
        request.query_params, decided=decided, session=session, clients=everyone
    )
    holds, total = await run_in_threadpool(
        functools.partial(_review(request).book.find, offset=(number - 1) * PAGE, limit=PAGE),
        query,
    )
    listed = HoldList(holds, total, number, max(1, -(-total // PAGE)), filters, problems)
    return page(
        request,
        "history.html" if decided else "queue.html",
        session,
        listed=listed,
        holds=holds,
        clients={c.id: c for c in everyone},
        choices={"action": list(Action), "category": list(Category), "status": list(ENDED)},
        now=utc_now(),
    )


@router.get("")
async def queue(request: Request) -> Response:
    session = await signed_in(request)
    if session is None:
        return to_login(request)
    return await _hold_list(request, session, decided=False)


@router.get("/history")
async def history(request: Request) -> Response:
    """Decided holds, newest first, with their verdicts; "mine" keeps the reviewer's own."""
    session = await signed_in(request)
    if session is None:
        return to_login(request)
    return await _hold_list(request, session, decided=True)


async def _hold_page(
    request: Request, session: Session, hold_id: str, status: int = 200, **context: Any
) -> Response:
    node = glassbox(request)
    book = _review(request).book
    hold = await run_in_threadpool(book.get, hold_id)
    audio, content = None, None
    if hold.has_payload:
        try:
            data = await run_in_threadpool(book.payload, hold_id)
        except NotFound:
            data = None  # the hold ended meanwhile
        if data is not None:
            content = held_content(hold.action, hold.params, data)
            if content.kind == "audio":
                audio = {"bytes": len(data), "format": audio_type(data)[1]}
    now = utc_now()
    client = (await run_in_threadpool(node.clients.by_ids, [hold.client_id])).get(hold.client_id)
    usage = await run_in_threadpool(node.ledger.usage_24h, hold.client_id, now)
    mine = next((v for v in hold.verdicts if v.pseudonym == session.user.pseudonym), None)
    context.setdefault("reason", "")
    context.setdefault("reason_invalid", False)
    settings = request_settings(
        {k: v for k, v in hold.params.items() if k not in ("texts", "list", "file")}
    )
    return page(
        request,
        "hold.html",
        session,
        status,
        hold=hold,
        audio=audio,
        content=content,
        client=client,
        usage=usage,
        mine=mine,
        settings=settings,
        now=now,
        **context,
    )


@router.get("/holds/{hold_id}")
async def hold(request: Request, hold_id: str) -> Response:
    session = await signed_in(request)
    if session is None:
        return to_login(request)
    message = RECORDED.get(request.query_params.get("recorded", ""))
    return await _hold_page(request, session, hold_id, message=message)


@router.post("/holds/{hold_id}")
async def decide(request: Request, hold_id: str) -> Response:
    session = await signed_in(request)
    if session is None:
        return to_login(request)
    form = await read_form(request)
    if not same_token(session.csrf, form):
        raise Forbidden(CSRF_REFUSED)
    verdict, reason = text(form, "verdict"), text(form, "reason")
    try:
        await run_in_threadpool(_review(request).decide, session.user, hold_id, verdict, reason)
    except (InputError, Forbidden, Conflict) as exc:
        return await _hold_page(
            request,
            session,
            hold_id,
            exc.status,
            error=exc.message,
            reason=reason,
            reason_invalid=isinstance(exc, InputError),
        )
    return RedirectResponse(f"{HOME}/holds/{quote(hold_id)}?recorded={verdict}", 303)


@router.get("/holds/{hold_id}/audio")
async def audio(request: Request, hold_id: str) -> Response:
    """The held upload as sent, for the reviewer's player; never cached."""
    if await signed_in(request) is None:
        return to_login(request)
    data = await run_in_threadpool(_review(request).book.payload, hold_id)
    media_type, _ = audio_type(data)
    return Response(data, media_type=media_type, headers={"Content-Disposition": "inline"})


# -- the log -----------------------------------------------------------------------------


@router.get("/log")
async def log(request: Request) -> Response:
    session = await signed_in(request)
    if session is None:
        return to_login(request)
    reader = glassbox(request).log.reader
    try:
        note = await run_in_threadpool(reader.checkpoint)
    except NotFound:
        return page(request, "log.html", session, checkpoint=None)
    checkpoint = checkpoint_of(note)
    wanted = request.query_params.get("end", "")
    digits = wanted.isascii() and wanted.isdigit()
    end = min(int(wanted), checkpoint.size) if digits else checkpoint.size
    filters = {name: request.query_params.get(name, "")[:80] for name in LOG_FILTERS}
    shown, start, missing = await run_in_threadpool(_scan, reader, end, filters)
    return page(
        request,
        "log.html",
        session,
        checkpoint=checkpoint,
        root=base64.b64encode(checkpoint.root).decode(),
        note=note,
        start=start,
        end=end,
        missing=missing,
        entries=shown,
        filters=filters,
        choices=LOG_CHOICES,
        query="".join(f"&{k}={quote(v)}" for k, v in filters.items() if v),
    )


class _Entries(Protocol):
    def entries(self, start: int, end: int) -> list[bytes]: ...


def _scan(reader: _Entries, end: int, filters: dict[str, str]) -> tuple[list[EntryView], int, int]:
    """Up to a page of entries before `end` that match `filters`, newest first, looking at
    no more than `LOG_SCAN` entries; with where the scan stopped and how many were missing."""
    shown: list[EntryView] = []
    start, missing = end, 0
    while start > 0 and len(shown) < LOG_PAGE and end - start < LOG_SCAN:
        chunk_start = max(0, start - LOG_PAGE)
        data = reader.entries(chunk_start, start)
        missing += start - chunk_start - len(data)
        views = [decode_entry(chunk_start + i, d) for i, d in enumerate(data)][::-1]
        for view in views:
            if len(shown) == LOG_PAGE:
                start = view.index + 1
                return shown, start, missing
            if view.matches(filters):
                shown.append(view)
        start = chunk_start
    return shown, start, missing
