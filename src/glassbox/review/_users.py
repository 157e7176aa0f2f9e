"""Reviewer and admin accounts, and console sessions.

Passwords are hashed with Argon2id; session cookies are random and stored only
as SHA-256 hashes; each session carries its own CSRF token. Adding, disabling or
enabling an account and resetting its password are `admin` log entries, written in
the same transaction as the change.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from glassbox.clock import Clock, utc_now
from glassbox.entries import AdminEntry, Change
from glassbox.errors import InputError, NotFound, Unauthorized
from glassbox.store import clients, sessions, users
from glassbox.tlog.server import Companion, LogServer

from ._throttle import LoginThrottle

ROLES = ("reviewer", "admin")
MIN_PASSWORD = 12
_HASHER = PasswordHasher()
# Verifying against this keeps unknown names as slow as wrong passwords.
_DUMMY_HASH = _HASHER.hash("glassbox-dummy-password")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    pseudonym: str
    client_id: int | None
    disabled: bool = False


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    expires_at: datetime


def _user(row: object) -> User:
    return User(
        id=row.id,  # type: ignore[attr-defined]
        name=row.name,  # type: ignore[attr-defined]
        role=row.role,  # type: ignore[attr-defined]
        pseudonym=row.pseudonym,  # type: ignore[attr-defined]
        client_id=row.client_id,  # type: ignore[attr-defined]
        disabled=row.disabled_at is not None,  # type: ignore[attr-defined]
    )


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"passwords need at least {MIN_PASSWORD} characters")
    if len(password) > 1000:
        raise InputError("passwords are at most 1000 characters")
    return _HASHER.hash(password)


class Accounts:
    """Reviewer and admin accounts and their sessions.

    Each method that changes an account takes `by`, the actor its admin entry
    names: an admin's pseudonym, or `glassbox.entries.OPERATOR` for the node's CLI.
    """

    def __init__(
        self,
        log: LogServer,
        pseudonym_key: bytes,
        *,
        session_hours: float = 8,
        clock: Clock = utc_now,
    ) -> None:
        self._log = log
        self._engine = log.engine
        self._key = pseudonym_key
        self._session_hours = session_hours
        self._clock = clock
        self._throttle = LoginThrottle(clock)

    def _record(
        self, by: str, change: Change, user: str, settings: dict[str, object], write: Companion
    ) -> None:
        """Make the change `write` makes, with its admin entry, in one transaction."""
        entry = AdminEntry(
            time=self._clock(), actor=by, change=change, subject=user, settings=settings
        )
        self._log.append([entry.encode()], write)

    def pseudonym(self, name: str) -> str:
        return "r_" + hmac.new(self._key, b"user:" + name.encode(), "sha256").hexdigest()[:24]

    def add(
        self, name: str, *, role: str, password: str, organisation: str | None = None, by: str
    ) -> User:
        if not 1 <= len(name) <= 100 or not name.isprintable():
            raise InputError("user names are 1-100 printable characters")
        if role not in ROLES:
            raise InputError(f"role {role!r} is not one of: {', '.join(ROLES)}")
        password_hash = _check_password(password)
        client_id = None
        with self._engine.connect() as conn:
            if organisation is not None:
                client_id = conn.execute(
                    select(clients.c.id).where(clients.c.name == organisation)
                ).scalar_one_or_none()
                if client_id is None:
                    raise NotFound(f"no client organisation named {organisation!r}")
            taken = conn.execute(select(users.c.id).where(users.c.name == name)).first()
        if taken is not None:
            raise InputError(f"a user named {name!r} already exists")
        row = {
            "name": name,
            "role": role,
            "password_hash": password_hash,
            "pseudonym": self.pseudonym(name),
            "client_id": client_id,
            "created_at": self._clock(),
        }

        def write(conn: Connection, _: int) -> None:
            conn.execute(insert(users).values(**row))

        settings: dict[str, object] = {"role": role, "member": client_id is not None}
        try:
            self._record(by, Change.USER_ADDED, self.pseudonym(name), settings, write)
        except IntegrityError:  # added at the same moment by someone else
            raise InputError(f"a user named {name!r} already exists") from None
        return self.get(name)

    def get(self, name: str) -> User:
        with self._engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).one_or_none()
        if row is None:
            raise NotFound(f"no user named {name!r}")
        return _user(row)

    def all(self) -> list[User]:
        with self._engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.name))]

    def disable(self, name: str, *, enable: bool = False, by: str) -> User:
        """Disable an account (it cannot log in; its sessions end), or enable it again."""
        user = self.get(name)
        if user.disabled != enable:  # already so
            return user

        def write(conn: Connection, _: int) -> None:
            when = None if enable else self._clock()
            conn.execute(update(users).where(users.c.id == user.id).values(disabled_at=when))
            conn.execute(delete(sessions).where(sessions.c.user_id == user.id))

        change = Change.USER_ENABLED if enable else Change.USER_DISABLED
        self._record(by, change, user.pseudonym, {}, write)
        return self.get(name)

    def set_password(self, name: str, password: str, *, by: str) -> None:
        """Set a new password; the account's sessions end."""
        user = self.get(name)
        password_hash = _check_password(password)

        def write(conn: Connection, _: int) -> None:
            conn.execute(
                update(users).where(users.c.id == user.id).values(password_hash=password_hash)
            )
            conn.execute(delete(sessions).where(sessions.c.user_id == user.id))

        self._record(by, Change.PASSWORD_RESET, user.pseudonym, {}, write)

    def login(self, name: str, password: str, *, address: str | None = None) -> tuple[str, Session]:
        """Check the password; return a new session's cookie value and the session.

        Repeated failures for `name`, or from `address`, make the next attempts wait
        (`TooManyAttempts`, before the password is even checked).
        """
        self._throttle.check(name, address)
        with self._engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).one_or_none()
        stored = row.password_hash if row is not None else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            self._throttle.failed(name, address)
            raise Unauthorized("wrong user name or password") from None
        if row is None:
            self._throttle.failed(name, address)
            raise Unauthorized("wrong user name or password")
        self._throttle.succeeded(name, address)
        if row.disabled_at is not None:
            raise Unauthorized("this account is disabled; ask an admin")
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        session = Session(
            _user(row), secrets.token_urlsafe(32), now + timedelta(hours=self._session_hours)
        )
        with self._engine.begin() as conn:
            conn.execute(
                insert(sessions).values(
                    id=_token_id(token),
                    user_id=row.id,
                    csrf=session.csrf,
                    created_at=now,
                    expires_at=session.expires_at,
                )
            )
        return token, session

    def session(self, token: str | None) -> Session | None:
        """The live session for a cookie value, or None (unknown or expired)."""
        if not token:
            return None
        with self._engine.connect() as conn:
            row = conn.execute(
                select(sessions.c.csrf, sessions.c.expires_at, users)
                .join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.id == _token_id(token))
            ).one_or_none()
        if row is None or row.disabled_at is not None:
            return None
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        if expires <= datetime.now(UTC):
            self.logout(token)
            return None
        return Session(_user(row), row.csrf, expires)

    def logout(self, token: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id == _token_id(token)))
