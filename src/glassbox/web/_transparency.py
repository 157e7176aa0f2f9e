"""Public transparency reports: /transparency, a page per period, and its JSON and CSV.

Everything comes from the log's `report` entries (see `glassbox.report`); the pages
are server-rendered HTML with SVG charts and no script, and each names the
checkpoint its figures were computed at and the report entry's log index.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool

from glassbox.entries import canonical
from glassbox.errors import GlassboxError, NotFound
from glassbox.report import (
    MEASURE_LABELS,
    MEASURES,
    PublishedReports,
    Report,
    dimension_chart,
    duration,
    month_name,
    outcome_chart,
    report_csv,
    report_document,
    shown,
)
from glassbox.web._node import glassbox

HOME = "/transparency"
STYLESHEET = "transparency.css"
_NAME = re.compile(r"([0-9]{4}-[0-9]{2})(\.json|\.csv)?")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",  # a period's report is replaced when it is rebuilt
}
DIMENSIONS = (
    ("category", "client category", "Client category"),
    ("action", "service action", "Service action"),
    ("purpose", "declared purpose", "Declared purpose"),
)

router = APIRouter(prefix=HOME, include_in_schema=False)
home_router = APIRouter(include_in_schema=False)


@home_router.get("/")
async def landing(request: Request) -> HTMLResponse:
    """What this server is, and where its public records, API docs and console are."""
    node = glassbox(request)
    size = await run_in_threadpool(lambda: node.log.reader.size())
    return _page(
        "landing.html", origin=node.settings.origin, base_url=node.settings.base_url, size=size
    )


@functools.cache
def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("glassbox.web", "templates/transparency"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(shown=shown, duration=duration, month=month_name)
    env.globals.update(measures=MEASURES, labels=MEASURE_LABELS, dimensions=DIMENSIONS)
    return env


def _page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _templates().get_template(template).render(home=HOME, **context)
    return HTMLResponse(html, status, headers=HEADERS)


def _published(request: Request) -> PublishedReports:
    """The node's index of report entries."""
    return glassbox(request).reports


@router.get("")
async def index(request: Request) -> Response:
    periods = await run_in_threadpool(_published(request).periods)
    return _page("index.html", periods=periods)


@router.get("/static/" + STYLESHEET)
async def stylesheet() -> Response:
    css = resources.files("glassbox.web").joinpath("templates/transparency", STYLESHEET)
    return Response(
        css.read_text(encoding="utf-8"),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/{name}")
async def report(request: Request, name: str) -> Response:
    found = _NAME.fullmatch(name)
    if found is None:
        return _page("missing.html", 404, message=f"There is no page {name!r} here.")
    period, suffix = found[1], found[2]
    published = _published(request)
    try:
        chosen = await run_in_threadpool(published.latest, period)
        figures = await run_in_threadpool(published.figures, chosen)
    except NotFound as exc:
        if suffix:
            raise
        return _page("missing.html", 404, message=exc.message + ".")
    if suffix == ".json":
        body = canonical(report_document(chosen, figures))
        return Response(body, media_type="application/json", headers=HEADERS)
    if suffix == ".csv":
        filename = f"glassbox-transparency-{period}.csv"
        headers = {**HEADERS, "Content-Disposition": f'inline; filename="{filename}"'}
        return Response(
            report_csv(chosen, figures), media_type="text/csv; charset=utf-8", headers=headers
        )
    return _page("period.html", **_period_context(request, chosen, figures))


def _period_context(request: Request, chosen: Report, figures: dict[str, Any]) -> dict[str, Any]:
    base = glassbox(request).settings.base_url
    try:
        key = glassbox(request).log.signer.verifier_key()
    except (AttributeError, GlassboxError):
        key = None
    charts = {
        dim: [
            dimension_chart(figures, dim, f"Requests received by {label}", "received"),
            dimension_chart(figures, dim, f"Requests denied by {label}", "denied"),
        ]
        for dim, label, _ in DIMENSIONS
    }
    return {
        "report": chosen,
        "figures": figures,
        "outcomes": outcome_chart(figures),
        "charts": charts,
        "log_url": f"{base}/log",
        "verifier_key": key,
    }
