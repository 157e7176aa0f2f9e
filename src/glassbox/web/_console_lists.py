"""The queue and the history: filtered, paged lists of holds.

Both pages read the same filters from the query string (action, client, category,
dates, and on the history the outcome and "my verdicts"); a filter that does not
parse is reported on the page and ignored, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from glassbox.clients import Client
from glassbox.entries import Action, Category
from glassbox.review import ENDED, Hold, HoldQuery, Session

PAGE = 25
FILTERS = ("action", "client", "category", "status", "from", "to", "mine")


@dataclass(frozen=True)
class HoldList:
    """One page of a hold list, with what the filter form and the page links need."""

    holds: list[Hold]
    total: int
    page: int
    pages: int
    filters: dict[str, str]
    problems: list[str] = field(default_factory=list)

    def link(self, path: str, page: int) -> str:
        """`path` with this list's filters, at `page`."""
        wanted = {k: v for k, v in self.filters.items() if v}
        return f"{path}?{urlencode({**wanted, 'page': page})}"

    @property
    def filtered(self) -> bool:
        return any(self.filters.values())


def _day(value: str, name: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not 1970 <= day.year <= 9000:
        problems.append(f"the {name} date must be written YYYY-MM-DD, not {value[:20]!r}")
        return None
    return day


def hold_query(
    params: QueryParams, *, decided: bool, session: Session, clients: list[Client]
) -> tuple[HoldQuery, dict[str, str], list[str], int]:
    """The query, the filters as given (to refill the form), problems, and the page."""
    filters = {name: params.get(name, "")[:80] for name in FILTERS}
    problems: list[str] = []

    def choice(name: str, allowed: tuple[str, ...]) -> str:
        value = filters[name]
        if value and value not in allowed:
            problems.append(f"there is no {name} {value!r}")
            filters[name] = ""
            return ""
        return value

    action = choice("action", tuple(Action))
    category = choice("category", tuple(Category))
    status = choice("status", ENDED) if decided else ""
    client_id = None
    if filters["client"]:
        ids = {str(c.id): c.id for c in clients}
        client_id = ids.get(filters["client"])
        if client_id is None:
            problems.append("there is no such client")
            filters["client"] = ""
    since = _day(filters["from"], "from", problems)
    until = _day(filters["to"], "to", problems)
    for name, day in (("from", since), ("to", until)):
        if day is None:
            filters[name] = ""
    mine = decided and filters["mine"] == "1"
    if not mine:
        filters["mine"] = ""
    page = params.get("page", "1")
    number = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 7 else 1
    query = HoldQuery(
        decided=decided,
        status=status,
        action=action,
        category=category,
        client_id=client_id,
        since=_start(since),
        until=_start(until + timedelta(days=1)) if until else None,
        reviewer=session.user.id if mine else None,
    )
    return query, filters, problems, max(number, 1)


def _start(day: date | None) -> datetime | None:
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)
