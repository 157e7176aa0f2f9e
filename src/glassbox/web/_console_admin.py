"""Administration in the console, for the `admin` role: clients, their keys, console users.

Every page checks the session and its role itself (a reviewer gets 403); every POST
checks the session's CSRF token before anything else. Changes that take something
away (suspending a client, revoking a key, disabling an account) are confirmed on a
page of their own first. Each change is an `admin` log entry naming the admin's
pseudonym (see `glassbox.clients` and `glassbox.review.Accounts`); a new key is
shown once, on a page that is never cached.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from glassbox.clients import Client
from glassbox.entries import Category
from glassbox.errors import Forbidden, InputError, NotFound
from glassbox.review import MIN_PASSWORD, ROLES, Session
from glassbox.web._console import CSRF_REFUSED, ConsoleRoute, SignInFirst, signed_in, text
from glassbox.web._console_auth import HOME, read_form, same_token
from glassbox.web._console_views import page
from glassbox.web._node import glassbox

ADMIN = f"{HOME}/admin"
router = APIRouter(prefix=ADMIN, route_class=ConsoleRoute, include_in_schema=False)


async def _admin(request: Request) -> Session:
    """The admin's session; SignInFirst without one, Forbidden for anyone but an admin."""
    session = await signed_in(request)
    if session is None:
        raise SignInFirst
    if session.user.role != "admin":
        raise Forbidden("administration needs the admin role; ask an admin for it")
    return session


async def _admin_form(request: Request) -> tuple[Session, FormData]:
    """The admin's session and the form they sent, its CSRF token checked."""
    session = await _admin(request)
    form = await read_form(request)
    if not same_token(session.csrf, form):
        raise Forbidden(CSRF_REFUSED)
    return session, form


def _number(
    form: FormData, name: str, label: str, kind: type[int] | type[float], empty: Any = None
) -> Any:
    """The field as a number; `empty` when it is left empty."""
    value = text(form, name).strip()
    if not value:
        return empty
    try:
        return kind(value)
    except ValueError:
        raise InputError(f"{label} must be a number, not {value[:20]!r}") from None


def _purposes(form: FormData) -> list[str]:
    return [p for p in text(form, "purposes").replace(",", " ").split() if p]


def _confirm(
    request: Request, session: Session, form: FormData, *, question: str, back: str
) -> Response | None:
    """The confirmation page, unless the form says it was confirmed."""
    if text(form, "confirm") == "yes":
        return None
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf", "confirm")}
    return page(
        request,
        "confirm.html",
        session,
        question=question,
        action=request.url.path,
        fields=fields,
        back=back,
    )


def _done(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={quote(message)}", 303)


DONE = {
    "added": "The client is registered.",
    "changed": "The registration is changed.",
    "suspended": "The client is suspended: its keys are refused.",
    "resumed": "The client is active again.",
    "revoked": "The key is revoked.",
    "webhook-removed": "The webhook is removed: no more notices are sent for that key.",
    "user-added": "The account is created.",
    "disabled": "The account is disabled and its sessions ended.",
    "enabled": "The account is enabled.",
    "password": "The new password is set and the account's sessions ended.",
}


def _message(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


# -- clients -----------------------------------------------------------------------------


async def _client(request: Request, client_id: int) -> Client:
    found = await run_in_threadpool(glassbox(request).clients.by_ids, [client_id])
    if client_id not in found:
        raise NotFound(f"no client with id {client_id}")
    return found[client_id]


async def _clients_page(
    request: Request, session: Session, status: int = 200, **context: Any
) -> Response:
    clients = await run_in_threadpool(glassbox(request).clients.all)
    context.setdefault("form", {})
    return page(
        request,
        "admin_clients.html",
        session,
        status,
        clients=clients,
        categories=list(Category),
        message=_message(request),
        **context,
    )


@router.get("")
async def home(request: Request) -> Response:
    return RedirectResponse(f"{ADMIN}/clients", 303)


@router.get("/clients")
async def clients_page(request: Request) -> Response:
    session = await _admin(request)
    return await _clients_page(request, session)


@router.post("/clients")
async def add_client(request: Request) -> Response:
    session, form = await _admin_form(request)
    try:
        client = await run_in_threadpool(
            functools.partial(
                glassbox(request).clients.add,
                text(form, "name").strip(),
                category=text(form, "category"),
                purposes=_purposes(form),
                daily_audio_hours=_number(form, "hours", "audio hours a day", float, 8.0),
                requests_per_minute=_number(form, "rate", "requests a minute", int),
                by=session.user.pseudonym,
            )
        )
    except InputError as exc:
        return await _clients_page(request, session, exc.status, error=exc.message, form=form)
    return _done(f"{ADMIN}/clients/{client.id}", "added")


async def _client_page(
    request: Request, session: Session, client: Client, status: int = 200, **context: Any
) -> Response:
    keys = await run_in_threadpool(glassbox(request).clients.keys, client.name)
    context.setdefault("message", _message(request))
    return page(
        request,
        "admin_client.html",
        session,
        status,
        client=client,
        keys=keys,
        categories=list(Category),
        **context,
    )


@router.get("/clients/{client_id}")
async def client_page(request: Request, client_id: int) -> Response:
    session = await _admin(request)
    return await _client_page(request, session, await _client(request, client_id))


@router.post("/clients/{client_id}")
async def change_client(request: Request, client_id: int) -> Response:
    session, form = await _admin_form(request)
    client = await _client(request, client_id)
    try:
        rate = _number(form, "rate", "requests a minute", int)
        await run_in_threadpool(
            functools.partial(
                glassbox(request).clients.change,
                client.name,
                category=text(form, "category") or None,
                purposes=_purposes(form),
                daily_audio_hours=_number(form, "hours", "audio hours a day", float),
                requests_per_minute=rate,
                default_rate=rate is None,
                by=session.user.pseudonym,
            )
        )
    except InputError as exc:
        return await _client_page(request, session, client, exc.status, error=exc.message)
    return _done(f"{ADMIN}/clients/{client_id}", "changed")


@router.post("/clients/{client_id}/suspend")
async def suspend_client(request: Request, client_id: int) -> Response:
    session, form = await _admin_form(request)
    client = await _client(request, client_id)
    resume = text(form, "resume") == "yes"
    here = f"{ADMIN}/clients/{client_id}"
    if not resume:
        question = (
            f"Suspend {client.name}? Its keys are refused at once, until it is resumed; "
            "the change is an entry in the log."
        )
        asked = _confirm(request, session, form, question=question, back=here)
        if asked is not None:
            return asked
    await run_in_threadpool(
        functools.partial(
            glassbox(request).clients.suspend,
            client.name,
            resume=resume,
            by=session.user.pseudonym,
        )
    )
    return _done(here, "resumed" if resume else "suspended")


@router.post("/clients/{client_id}/keys")
async def create_key(request: Request, client_id: int) -> Response:
    session, _ = await _admin_form(request)
    client = await _client(request, client_id)
    key_id, key = await run_in_threadpool(
        functools.partial(
            glassbox(request).clients.create_key, client.name, by=session.user.pseudonym
        )
    )
    # Rendered here, never redirected to: the key exists on this one page only.
    return page(request, "admin_key.html", session, client=client, key_id=key_id, key=key)


@router.post("/clients/{client_id}/keys/{key_id}/revoke")
async def revoke_key(request: Request, client_id: int, key_id: str) -> Response:
    session, form = await _admin_form(request)
    client = await _client(request, client_id)
    here = f"{ADMIN}/clients/{client_id}"
    await _active_key(request, client, key_id)
    question = f"Revoke key {key_id} of {client.name}? Requests with it are refused at once."
    asked = _confirm(request, session, form, question=question, back=here)
    if asked is not None:
        return asked
    await run_in_threadpool(
        functools.partial(glassbox(request).clients.revoke, key_id, by=session.user.pseudonym)
    )
    return _done(here, "revoked")


async def _active_key(request: Request, client: Client, key_id: str) -> None:
    keys = await run_in_threadpool(glassbox(request).clients.keys, client.name)
    if key_id not in {k.id for k in keys if k.revoked_at is None}:
        raise NotFound(f"{client.name} has no active key {key_id!r}")


@router.post("/clients/{client_id}/keys/{key_id}/webhook")
async def webhook(request: Request, client_id: int, key_id: str) -> Response:
    """Set a key's webhook (its signing secret is shown once, here), or remove it."""
    session, form = await _admin_form(request)
    client = await _client(request, client_id)
    await _active_key(request, client, key_id)
    registry = glassbox(request).clients
    if text(form, "remove") == "yes":
        await run_in_threadpool(
            functools.partial(registry.remove_webhook, key_id, by=session.user.pseudonym)
        )
        return _done(f"{ADMIN}/clients/{client_id}", "webhook-removed")
    url = text(form, "url").strip()
    try:
        secret = await run_in_threadpool(
            functools.partial(registry.set_webhook, key_id, url, by=session.user.pseudonym)
        )
    except InputError as exc:
        return await _client_page(request, session, client, exc.status, error=exc.message)
    return page(
        request,
        "admin_webhook.html",
        session,
        client=client,
        key_id=key_id,
        url=url,
        secret=secret,
    )


# -- console users -----------------------------------------------------------------------


async def _users_page(
    request: Request, session: Session, status: int = 200, **context: Any
) -> Response:
    node = glassbox(request)
    users = await run_in_threadpool(node.accounts.all)
    clients = await run_in_threadpool(node.clients.all)
    context.setdefault("form", {})
    context.setdefault("message", _message(request))
    return page(
        request,
        "admin_users.html",
        session,
        status,
        users=users,
        clients={c.id: c for c in clients},
        roles=ROLES,
        min_password=MIN_PASSWORD,
        **context,
    )


@router.get("/users")
async def users_page(request: Request) -> Response:
    session = await _admin(request)
    return await _users_page(request, session)


@router.post("/users")
async def add_user(request: Request) -> Response:
    session, form = await _admin_form(request)
    organisation = text(form, "organisation") or None
    try:
        await run_in_threadpool(
            functools.partial(
                glassbox(request).accounts.add,
                text(form, "name").strip(),
                role=text(form, "role"),
                password=text(form, "password"),
                organisation=organisation,
                by=session.user.pseudonym,
            )
        )
    except (InputError, NotFound) as exc:
        shown = {k: v for k, v in form.items() if k != "password"}
        return await _users_page(request, session, exc.status, error=exc.message, form=shown)
    return _done(f"{ADMIN}/users", "user-added")


@router.post("/users/disable")
async def disable_user(request: Request) -> Response:
    session, form = await _admin_form(request)
    name, enable = text(form, "name"), text(form, "enable") == "yes"
    here = f"{ADMIN}/users"
    if name == session.user.name and not enable:
        return await _users_page(request, session, 400, error="you cannot disable your own account")
    if not enable:
        question = f"Disable {name}? They are signed out at once and cannot sign in again."
        asked = _confirm(request, session, form, question=question, back=here)
        if asked is not None:
            return asked
    accounts = glassbox(request).accounts
    await run_in_threadpool(
        functools.partial(accounts.disable, name, enable=enable, by=session.user.pseudonym)
    )
    return _done(here, "enabled" if enable else "disabled")


@router.post("/users/password")
async def reset_password(request: Request) -> Response:
    session, form = await _admin_form(request)
    name = text(form, "name")
    try:
        await run_in_threadpool(
            functools.partial(
                glassbox(request).accounts.set_password,
                name,
                text(form, "password"),
                by=session.user.pseudonym,
            )
        )
    except InputError as exc:
        return await _users_page(request, session, exc.status, error=f"{name}: {exc.message}")
    return _done(f"{ADMIN}/users", "password")
