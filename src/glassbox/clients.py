"""Client organisations and their API keys.

Names never leave this module towards the log: entries carry the client's
pseudonym, an HMAC of its name under a key kept in the data directory.
Keys are `gbk_<id>_<secret>`; only SHA-256 of the secret is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from glassbox.entries import Category
from glassbox.errors import InputError, InvalidApiKey, NotFound
from glassbox.store import api_keys, clients

CATEGORIES = tuple(category.value for category in Category)

KEY_PREFIX = "gbk_"
_PURPOSE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_NAME = re.compile(r"^[^\x00-\x1f]{1,200}$")


MAX_RATE = 1_000_000  # requests a minute, the most a client may be allowed


@dataclass(frozen=True)
class Client:
    id: int
    name: str
    pseudonym: str
    category: str
    purposes: tuple[str, ...]
    daily_audio_seconds: int
    requests_per_minute: int | None = None  # None: the server's default


def _client(row: object) -> Client:
    return Client(
        id=row.id,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        pseudonym=row.pseudonym,  # type: ignore[attr-defined]
        category=row.category,  # type: ignore[attr-defined]
        purposes=tuple(json.loads(row.purposes)),  # type: ignore[attr-defined]
        daily_audio_seconds=row.daily_audio_seconds,  # type: ignore[attr-defined]
        requests_per_minute=row.requests_per_minute,  # type: ignore[attr-defined]
    )


def check_purpose(purpose: str) -> str:
    if not _PURPOSE.match(purpose):
        raise InputError(
            f"purpose {purpose!r} is not valid: use 1-64 lowercase letters, digits, '-' or '_'"
        )
    return purpose


class ClientRegistry:
    """Registration, keys and authentication of client organisations."""

    def __init__(self, engine: Engine, pseudonym_key: bytes) -> None:
        self._engine = engine
        self._pseudonym_key = pseudonym_key

    def pseudonym(self, name: str) -> str:
        digest = hmac.new(self._pseudonym_key, name.encode(), hashlib.sha256).hexdigest()
        return "c_" + digest[:24]

    def add(
        self,
        name: str,
        *,
        category: str,
        purposes: list[str],
        daily_audio_hours: float,
        requests_per_minute: int | None = None,
    ) -> Client:
        if not _NAME.match(name):
            raise InputError("client name must be 1-200 printable characters")
        if category not in CATEGORIES:
            raise InputError(f"category {category!r} is not one of: {', '.join(CATEGORIES)}")
        if not purposes:
            raise InputError("register at least one purpose (--purpose)")
        for p in purposes:
            check_purpose(p)
        if not 0 < daily_audio_hours <= 24 * 365:
            raise InputError("daily audio hours must be a positive number")
        if requests_per_minute is not None and not 1 <= requests_per_minute <= MAX_RATE:
            raise InputError(f"requests per minute must be 1..{MAX_RATE}")
        row = {
            "name": name,
            "pseudonym": self.pseudonym(name),
            "category": category,
            "purposes": json.dumps(sorted(set(purposes))),
            "daily_audio_seconds": round(daily_audio_hours * 3600),
            "requests_per_minute": requests_per_minute,
            "created_at": datetime.now(UTC),
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(clients).values(**row))
        except IntegrityError:
            raise InputError(f"a client named {name!r} already exists") from None
        return self.get(name)

    def get(self, name: str) -> Client:
        with self._engine.connect() as conn:
            row = conn.execute(select(clients).where(clients.c.name == name)).one_or_none()
        if row is None:
            raise NotFound(f"no client named {name!r}")
        return _client(row)

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

    def create_key(self, name: str) -> tuple[str, str]:
        """Create an API key for client `name`; return (key id, full key). Shown once."""
        client = self.get(name)
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        with self._engine.begin() as conn:
            conn.execute(
                insert(api_keys).values(
                    id=key_id,
                    client_id=client.id,
                    secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
                    created_at=datetime.now(UTC),
                )
            )
        return key_id, f"{KEY_PREFIX}{key_id}_{secret}"

    def revoke(self, key_id: str) -> None:
        with self._engine.begin() as conn:
            done = conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
        if done.rowcount != 1:
            raise NotFound(f"no active key with id {key_id!r}")

    def keys(self, name: str) -> list[tuple[str, datetime, datetime | None]]:
        client = self.get(name)
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(api_keys.c.id, api_keys.c.created_at, api_keys.c.revoked_at)
                .where(api_keys.c.client_id == client.id)
                .order_by(api_keys.c.created_at)
            ).all()
        return [(r.id, r.created_at, r.revoked_at) for r in rows]

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
        return _client(row)
