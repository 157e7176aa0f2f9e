"""Prometheus metrics at `/metrics`: requests, latency, queues and the log, never content.

Counters and the latency histogram are fed by the request-log middleware as each
request ends; gauges (log size, integration lag, witnesses' cosigned sizes,
transcription slots) are read from the node when scraped. One registry per app, so
several apps in one process (tests) do not share counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool

from glassbox.core import Glassbox
from glassbox.web._node import glassbox
from glassbox.web._operator import require_operator

router = APIRouter(include_in_schema=False)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._http = Counter(
            "glassbox_http_requests",
            "HTTP requests answered, by route pattern and status.",
            ["route", "status"],
            registry=self.registry,
        )
        self._seconds = Histogram(
            "glassbox_http_request_duration_seconds",
            "Time to answer, by route pattern.",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=self.registry,
        )
        self._governed = Counter(
            "glassbox_governed_requests",
            "Governed requests logged, by action and outcome.",
            ["action", "outcome"],
            registry=self.registry,
        )
        self._node: Glassbox | None = None
        self.registry.register(_NodeGauges(self))

    def attach(self, node: Glassbox) -> None:
        """Read the gauges from `node` from now on."""
        self._node = node

    @property
    def node(self) -> Glassbox | None:
        return self._node

    def observe(self, record: dict[str, Any]) -> None:
        """Count a finished request (its request-log record)."""
        self._http.labels(record["route"], str(record["status"])).inc()
        self._seconds.labels(record["route"]).observe(record["ms"] / 1000)
        if record.get("outcome"):
            self._governed.labels(record.get("action") or "", record["outcome"]).inc()


class _NodeGauges(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        node = self._metrics.node
        if node is None:
            return
        size, sequenced = node.log.reader.size(), node.log.reader.sequenced()
        yield _gauge("glassbox_log_size", "Entries under the latest signed checkpoint.", size)
        yield _gauge("glassbox_log_sequenced", "Entries durable in the log.", sequenced)
        yield _gauge(
            "glassbox_log_integration_lag",
            "Entries durable but not yet under a checkpoint.",
            max(0, sequenced - size),
        )
        yield from _witnesses(node, size)
        slots = node.transcription_slots()
        if slots is not None:
            yield _gauge("glassbox_transcription_slots", "Transcription slots.", slots.size)
            yield _gauge("glassbox_transcription_slots_busy", "Slots in use.", slots.busy())
            yield _gauge("glassbox_transcription_queue", "Requests waiting.", slots.waiting())


def _witnesses(node: Glassbox, size: int) -> Iterator[GaugeMetricFamily]:
    """Per configured witness: the size it last cosigned, how far behind that is, and when."""
    witnesses = node.settings.witness_endpoints
    if not witnesses:
        return
    cosigned = node.log.reader.cosigned()
    names = ["witness"]
    sizes = GaugeMetricFamily(
        "glassbox_witness_cosigned_size", "Largest tree size the witness cosigned.", labels=names
    )
    behind = GaugeMetricFamily(
        "glassbox_witness_lag",
        "Entries under the latest checkpoint that the witness has not cosigned yet.",
        labels=names,
    )
    when = GaugeMetricFamily(
        "glassbox_witness_last_cosigned_timestamp_seconds",
        "When its latest cosignature was stored (0: never).",
        labels=names,
    )
    for witness in witnesses:
        done, at = cosigned.get(witness.key, (0, None))
        label = [witness.verifier.name]
        sizes.add_metric(label, done)
        behind.add_metric(label, max(0, size - done))
        when.add_metric(label, 0 if at is None else _aware(at).timestamp())
    yield from (sizes, behind, when)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """The metrics, for the operator token (or anyone, with setting metrics_public)."""
    node = glassbox(request)
    if not node.settings.metrics_public:
        require_operator(request)
    found: Metrics = request.app.state.metrics
    body = await run_in_threadpool(generate_latest, found.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
