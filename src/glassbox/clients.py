"""Client organisations and their API keys.

Names never leave this module towards the log: entries carry the client's
pseudonym, an HMAC of its name under a key kept in the data directory.
Keys are `gbk_<id>_<secret>`; only SHA-256 of the secret is stored. A key may have
a webhook: a URL told when its held requests are decided, and a signing secret
(`whsec_...`, shown once) kept sealed with the node's hold key.

Every change (registering, changing, suspending a client; creating or revoking a
key, setting or removing its webhook) is an `admin` log entry naming who made it,
written in the same transaction as the change itself, so the log has the entry
exactly when the change happened.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from sqlalchemy import Connection, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from glassbox.clock import Clock, utc_now
from glassbox.entries import AdminEntry, Category, Change
from glassbox.errors import ConfigError, InputError, InvalidApiKey, NotFound
from glassbox.store import api_keys, clients
from glassbox.tlog.server import Companion, LogServer

CATEGORIES = tuple(category.value for category in Category)

KEY_PREFIX = "gbk_"
WEBHOOK_PREFIX = "whsec_"
MAX_WEBHOOK_URL = 2000
_PURPOSE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_NAME = re.compile(r"^[^\x00-\x1f]{1,200}$")


MAX_RATE = 1_000_000  # requests a minute, the most a client may be allowed
MAX_PURPOSES = 32


@dataclass(frozen=True)
class Client:
    id: int
    name: str
    pseudonym: str
    category: str
    purposes: tuple[str, ...]
    daily_audio_seconds: int
    requests_per_minute: int | None = None  # None: the server's default
    suspended: bool = False
    key_id: str | None = None  # the API key it was authenticated with, if it was

    def registration(self) -> dict[str, object]:
        """What an admin entry records of it: no name, only what the public may see."""
        return _registration(
            self.category, self.purposes, self.daily_audio_seconds, self.requests_per_minute
        )


def _registration(
    category: str, purposes: Iterable[str], daily_audio_seconds: int, rate: int | None
) -> dict[str, object]:
    return {
        "category": category,
        "purposes": sorted(set(purposes)),
        "daily_audio_seconds": daily_audio_seconds,
        "requests_per_minute": rate,
    }


class Sealing(Protocol):
    """What keeps webhook secrets at rest: `glassbox.review.Sealer`, given by the core."""

    def seal(self, data: bytes, aad: str) -> bytes: ...
    def open(self, blob: bytes, aad: str) -> bytes: ...


@dataclass(frozen=True)
class Webhook:
    """A key's webhook: where its decided holds are posted, and the secret that signs them."""

    url: str
    secret: str = field(repr=False)


def check_webhook_url(url: str) -> str:
    """`url` if it can be a webhook's: http(s), a host, no credentials, at most 2000 characters."""
    if len(url) > MAX_WEBHOOK_URL:
        raise InputError(f"a webhook URL is at most {MAX_WEBHOOK_URL} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise InputError(f"webhook URL {url!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"webhook URL {url!r} must be http:// or https:// with a host")
    if parts.username is not None or parts.password is not None:
        raise InputError("a webhook URL may not carry credentials: deliveries are signed")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise InputError("a webhook URL may not contain spaces or control characters")
    return url


def _webhook_aad(key_id: str) -> str:
    return f"webhook:{key_id}"


def _inserting(table: Table, row: dict[str, object]) -> Companion:
    def write(conn: Connection, _: int) -> None:
        conn.execute(insert(table).values(**row))

    return write


@dataclass(frozen=True)
class ApiKey:
    """A key as listed: its id, dates and webhook URL (the secret itself is never kept)."""

    id: str
    created_at: datetime
    revoked_at: datetime | None
    webhook_url: str | None = None


def _client(row: object) -> Client:
    return Client(
        id=row.id,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        pseudonym=row.pseudonym,  # type: ignore[attr-defined]
        category=row.category,  # type: ignore[attr-defined]
        purposes=tuple(json.loads(row.purposes)),  # type: ignore[attr-defined]
        daily_audio_seconds=row.daily_audio_seconds,  # type: ignore[attr-defined]
        requests_per_minute=row.requests_per_minute,  # type: ignore[attr-defined]
        suspended=row.suspended_at is not None,  # type: ignore[attr-defined]
    )


def check_purpose(purpose: str) -> str:
    if not _PURPOSE.match(purpose):
        raise InputError(
            f"purpose {purpose!r} is not valid: use 1-64 lowercase letters, digits, '-' or '_'"
        )
    return purpose


def _check_registration(
    category: str, purposes: list[str], daily_audio_hours: float, requests_per_minute: int | None
) -> None:
    if category not in CATEGORIES:
        raise InputError(f"category {category!r} is not one of: {', '.join(CATEGORIES)}")
    if not purposes:
        raise InputError("register at least one purpose (--purpose)")
    if len(set(purposes)) > MAX_PURPOSES:
        raise InputError(f"register at most {MAX_PURPOSES} purposes")
    for p in purposes:
        check_purpose(p)
    if not 0 < daily_audio_hours <= 24 * 365:
        raise InputError("daily audio hours must be a positive number")
    if requests_per_minute is not None and not 1 <= requests_per_minute <= MAX_RATE:
        raise InputError(f"requests per minute must be 1..{MAX_RATE}")


class ClientRegistry:
    """Registration, keys and authentication of client organisations.

    Each method that changes something takes `by`, the actor its admin entry names:
    an admin's pseudonym, or `glassbox.entries.OPERATOR` for the node's own CLI.
    Webhooks need `sealer`, which keeps their secrets encrypted at rest.
    """

    def __init__(
        self,
        log: LogServer,
        pseudonym_key: bytes,
        *,
        sealer: Sealing | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._log = log
        self._engine = log.engine
        self._pseudonym_key = pseudonym_key
        self._sealer = sealer
        self._clock = clock

    def pseudonym(self, name: str) -> str:
        digest = hmac.new(self._pseudonym_key, name.encode(), hashlib.sha256).hexdigest()
        return "c_" + digest[:24]

    def _record(
        self, by: str, change: Change, subject: str, settings: dict[str, object], write: Companion
    ) -> datetime:
        """Make the change `write` makes, with its admin entry, in one transaction."""
        now = self._clock()
        entry = AdminEntry(time=now, actor=by, change=change, subject=subject, settings=settings)
        self._log.append([entry.encode()], write)
        return now

    def add(
        self,
        name: str,
        *,
        category: str,
        purposes: list[str],
        daily_audio_hours: float,
        requests_per_minute: int | None = None,
        by: str,
    ) -> Client:
        if not _NAME.match(name):
            raise InputError("client name must be 1-200 printable characters")
        _check_registration(category, purposes, daily_audio_hours, requests_per_minute)
        if self._find(name) is not None:
            raise InputError(f"a client named {name!r} already exists")
        seconds = round(daily_audio_hours * 3600)
        row = {
            "name": name,
            "pseudonym": self.pseudonym(name),
            "category": category,
            "purposes": json.dumps(sorted(set(purposes))),
            "daily_audio_seconds": seconds,
            "requests_per_minute": requests_per_minute,
            "created_at": self._clock(),
        }
        settings = _registration(category, purposes, seconds, requests_per_minute)
        try:
            self._record(
                by, Change.CLIENT_ADDED, self.pseudonym(name), settings, _inserting(clients, row)
            )
        except IntegrityError:  # added at the same moment by someone else
            raise InputError(f"a client named {name!r} already exists") from None
        return self.get(name)

    def change(
        self,
        name: str,
        *,
        category: str | None = None,
        purposes: list[str] | None = None,
        daily_audio_hours: float | None = None,
        requests_per_minute: int | None = None,
        default_rate: bool = False,
        by: str,
    ) -> Client:
        """Change a client's registration; what is None stays (`default_rate`: the setting's)."""
        old = self.get(name)
        new_category = old.category if category is None else category
        new_purposes = list(old.purposes) if purposes is None else purposes
        hours = old.daily_audio_seconds / 3600 if daily_audio_hours is None else daily_audio_hours
        rate = None if default_rate else (requests_per_minute or old.requests_per_minute)
        _check_registration(new_category, new_purposes, hours, rate)
        settings = _registration(new_category, new_purposes, round(hours * 3600), rate)
        if settings == old.registration():
            return old
        values = {**settings, "purposes": json.dumps(settings["purposes"])}
        self._record(
            by,
            Change.CLIENT_CHANGED,
            old.pseudonym,
            settings,
            lambda conn, _: self._update(conn, old.id, values),
        )
        return self.get(name)

    def suspend(self, name: str, *, resume: bool = False, by: str) -> Client:
        """Suspend a client (its keys are refused until resumed), or resume it."""
        client = self.get(name)
        if client.suspended != resume:  # already so
            return client
        change = Change.CLIENT_RESUMED if resume else Change.CLIENT_SUSPENDED
        self._record(
            by,
            change,
            client.pseudonym,
            {},
            lambda conn, _: self._update(
                conn, client.id, {"suspended_at": None if resume else self._clock()}
            ),
        )
        return self.get(name)

    @staticmethod
    def _update(conn: Connection, client_id: int, values: dict[str, object]) -> None:
        conn.execute(update(clients).where(clients.c.id == client_id).values(**values))

    def _find(self, name: str) -> Client | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(clients).where(clients.c.name == name)).one_or_none()
        return None if row is None else _client(row)

    def get(self, name: str) -> Client:
        client = self._find(name)
        if client is None:
            raise NotFound(f"no client named {name!r}")
        return client

    def by_ids(self, ids: Iterable[int]) -> dict[int, Client]:
        """The clients with these ids, by id (for the console's lists)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self._engine.connect() as conn:
            rows = conn.execute(select(clients).where(clients.c.id.in_(wanted)))
            return {row.id: _client(row) for row in rows}

    def all(self) -> list[Client]:
        with self._engine.connect() as conn:
            return [_client(r) for r in conn.execute(select(clients).order_by(clients.c.name))]

    def create_key(self, name: str, *, by: str) -> tuple[str, str]:
        """Create an API key for client `name`; return (key id, full key). Shown once."""
        client = self.get(name)
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        row = {
            "id": key_id,
            "client_id": client.id,
            "secret_sha256": hashlib.sha256(secret.encode()).hexdigest(),
            "created_at": self._clock(),
        }
        self._record(by, Change.KEY_CREATED, client.pseudonym, {}, _inserting(api_keys, row))
        return key_id, f"{KEY_PREFIX}{key_id}_{secret}"

    def _owner(self, key_id: str, *, with_webhook: bool = False) -> str:
        """The pseudonym of the client whose active key (with a webhook, if asked)
        `key_id` is; NotFound if there is none."""
        cond = [api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None)]
        if with_webhook:
            cond = [api_keys.c.id == key_id, api_keys.c.webhook_url.is_not(None)]
        with self._engine.connect() as conn:
            pseudonym = conn.execute(
                select(clients.c.pseudonym)
                .join(api_keys, api_keys.c.client_id == clients.c.id)
                .where(*cond)
            ).scalar_one_or_none()
        if pseudonym is None:
            if with_webhook:
                raise NotFound(f"key {key_id!r} has no webhook")
            raise NotFound(f"no active key with id {key_id!r}")
        return str(pseudonym)

    def revoke(self, key_id: str, *, by: str) -> None:
        pseudonym = self._owner(key_id)

        def write(conn: Connection, _: int) -> None:
            done = conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=self._clock())
            )
            if done.rowcount != 1:  # revoked at the same moment by someone else
                raise NotFound(f"no active key with id {key_id!r}")

        self._record(by, Change.KEY_REVOKED, pseudonym, {}, write)

    def _sealing(self) -> Sealing:
        if self._sealer is None:
            raise ConfigError("this client registry was built without the hold key for webhooks")
        return self._sealer

    def set_webhook(self, key_id: str, url: str, *, by: str) -> str:
        """Set (or replace) active key `key_id`'s webhook; return its new secret, shown once.

        Its admin entry names the client, never the URL or the secret.
        """
        check_webhook_url(url)
        pseudonym = self._owner(key_id)
        secret = WEBHOOK_PREFIX + secrets.token_urlsafe(32)
        sealed = self._sealing().seal(secret.encode(), _webhook_aad(key_id))

        def write(conn: Connection, _: int) -> None:
            done = conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(webhook_url=url, webhook_secret=sealed)
            )
            if done.rowcount != 1:  # revoked at the same moment
                raise NotFound(f"no active key with id {key_id!r}")

        self._record(by, Change.WEBHOOK_SET, pseudonym, {}, write)
        return secret

    def remove_webhook(self, key_id: str, *, by: str) -> None:
        """Remove key `key_id`'s webhook: no more deliveries, pending ones included."""
        pseudonym = self._owner(key_id, with_webhook=True)

        def write(conn: Connection, _: int) -> None:
            done = conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.webhook_url.is_not(None))
                .values(webhook_url=None, webhook_secret=None)
            )
            if done.rowcount != 1:  # removed at the same moment by someone else
                raise NotFound(f"key {key_id!r} has no webhook")

        self._record(by, Change.WEBHOOK_REMOVED, pseudonym, {}, write)

    def webhook(self, key_id: str) -> Webhook | None:
        """Active key `key_id`'s webhook with its secret opened (for signing), or None."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(api_keys.c.webhook_url, api_keys.c.webhook_secret).where(
                    api_keys.c.id == key_id,
                    api_keys.c.revoked_at.is_(None),
                    api_keys.c.webhook_url.is_not(None),
                )
            ).one_or_none()
        if row is None or row.webhook_secret is None:
            return None
        secret = self._sealing().open(bytes(row.webhook_secret), _webhook_aad(key_id))
        return Webhook(str(row.webhook_url), secret.decode())

    def keys(self, name: str) -> list[ApiKey]:
        """Client `name`'s keys, oldest first (ids and dates; the secrets are not kept)."""
        client = self.get(name)
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(
                    api_keys.c.id,
                    api_keys.c.created_at,
                    api_keys.c.revoked_at,
                    api_keys.c.webhook_url,
                )
                .where(api_keys.c.client_id == client.id)
                .order_by(api_keys.c.created_at)
            ).all()
        return [ApiKey(r.id, r.created_at, r.revoked_at, r.webhook_url) for r in rows]

    def authenticate(self, authorization: str | None) -> Client:
        """The client behind an `Authorization: Bearer gbk_...` header, or InvalidApiKey."""
        scheme, _, key = (authorization or "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise InvalidApiKey(
                "You didn't provide an API key. Send it as 'Authorization: Bearer gbk_...'."
            )
        return self.authenticate_key(key)

    def authenticate_key(self, key: str) -> Client:
        parts = key.split("_", 2)
        if len(parts) != 3 or parts[0] + "_" != KEY_PREFIX:
            raise InvalidApiKey("Incorrect API key provided.")
        key_id, secret = parts[1], parts[2]
        with self._engine.connect() as conn:
            row = conn.execute(
                select(api_keys.c.secret_sha256, api_keys.c.revoked_at, clients)
                .join(clients, clients.c.id == api_keys.c.client_id)
                .where(api_keys.c.id == key_id)
            ).one_or_none()
        digest = hashlib.sha256(secret.encode()).hexdigest()
        if row is None or not hmac.compare_digest(digest, row.secret_sha256):
            raise InvalidApiKey("Incorrect API key provided.")
        if row.revoked_at is not None:
            raise InvalidApiKey("This API key has been revoked.")
        if row.suspended_at is not None:
            raise InvalidApiKey("This API key's organisation is suspended; ask the operator.")
        return replace(_client(row), key_id=key_id)
