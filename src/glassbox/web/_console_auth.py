"""Console sessions: cookies, CSRF tokens, safe redirects and security headers.

The session cookie is random, HttpOnly, SameSite=Strict, scoped to /console and
Secure over https; the server keeps only its hash (`glassbox.review.Accounts`).
Every POST form carries a CSRF token that must match, compared in constant time:
the session's own token once signed in, and for the login form a double-submit
token (a random value set both as a cookie scoped to /console/login and as a
hidden field), so a forged cross-site login is refused even by a browser that
ignores SameSite.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qsl, quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from glassbox.errors import InputError, PayloadTooLarge
from glassbox.review import Accounts, Session
from glassbox.web._node import glassbox

HOME = "/console"
LOGIN = "/console/login"
SESSION_COOKIE = "glassbox_session"
LOGIN_COOKIE = "glassbox_login"
MAX_FORM_BYTES = 64 * 1024
MAX_FIELDS = 16
FORM_TYPE = "application/x-www-form-urlencoded"

# No inline script or style anywhere; media and styles come from this origin only.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; media-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def accounts(request: Request) -> Accounts:
    found: Accounts = glassbox(request).accounts
    return found


async def current_session(request: Request) -> Session | None:
    """The signed-in session for this request, or None (no cookie, unknown or expired)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return await run_in_threadpool(accounts(request).session, token)


def safe_next(value: str | None) -> str:
    """`value` if it is a path inside the console, else the queue: never an open redirect."""
    if not value or len(value) > 2000 or not value.isprintable() or "\\" in value:
        return HOME
    parts = urlsplit(value)
    inside = parts.path == HOME or parts.path.startswith(HOME + "/")
    if parts.scheme or parts.netloc or not inside or ".." in parts.path.split("/"):
        return HOME
    return value


def to_login(request: Request) -> RedirectResponse:
    """303 to the login page, coming back here (for a GET) once signed in."""
    here = request.url.path
    if request.method == "GET" and request.url.query:
        here += "?" + request.url.query
    target = LOGIN if here == HOME else f"{LOGIN}?next={quote(here, safe='/')}"
    return RedirectResponse(target, 303)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, token: str, seconds: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max(seconds, 1),
        path=HOME,
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=HOME, secure=_secure(request), httponly=True, samesite="strict"
    )


def login_token(request: Request) -> str:
    """The login form's double-submit token: the browser's current one, or a new one."""
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)


def set_login_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE, token, path=LOGIN, secure=_secure(request), httponly=True, samesite="strict"
    )


def clear_login_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        LOGIN_COOKIE, path=LOGIN, secure=_secure(request), httponly=True, samesite="strict"
    )


def same_token(expected: str | None, form: FormData, field: str = "csrf") -> bool:
    """Whether the form's `field` equals `expected`, compared in constant time."""
    given = form.get(field)
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


async def read_form(request: Request) -> FormData:
    """A small urlencoded form (console forms never upload files), read with a size limit."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PayloadTooLarge(f"console forms are at most {MAX_FORM_BYTES} bytes")
    if not body:
        return FormData()
    if not request.headers.get("content-type", "").startswith(FORM_TYPE):
        raise InputError(f"console forms are sent as {FORM_TYPE}")
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise InputError("the form is malformed") from None
    return FormData([(name, value) for name, value in pairs])
