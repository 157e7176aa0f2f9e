"""The composition root: a running Glassbox, built from settings in one place.

`Glassbox.open(settings)` is what `glassbox serve`, the CLI commands that need a
node, the tests and the benchmarks all use; the faces (web, CLI) never assemble
the parts themselves. Opening connects to the database (running its migrations),
reads the data directory's keys and builds every part; nothing starts in the
background until `start_background`, and models load on first use.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from pathlib import Path
from types import TracebackType

from glassbox.clients import ClientRegistry
from glassbox.clock import Clock, utc_now
from glassbox.core._keys import load_hold_key, load_pseudonym_key, load_signer
from glassbox.core._services import Services, build_services
from glassbox.gateway import Gateway, PolicyBook, PublishedPolicy
from glassbox.ledger import Ledger
from glassbox.policy import load_policy_dir
from glassbox.report import (
    BAND_BELOW,
    PublishedReports,
    Report,
    ReportSchedule,
    build_report,
)
from glassbox.review import Accounts, HoldBook, KeptResults, Review, Sealer, Webhooks
from glassbox.services import Slots
from glassbox.settings import Settings
from glassbox.store import connect, migrate
from glassbox.tlog.server import LogServer


class Glassbox:
    """Every part of one Glassbox node over one database; close() when done."""

    def __init__(
        self, settings: Settings, *, clock: Clock = utc_now, services: Services | None = None
    ) -> None:
        signer = load_signer(settings)
        pseudonym_key = load_pseudonym_key(settings)
        hold_key = load_hold_key(settings)
        self.settings = settings
        self.clock = clock
        self.engine = connect(settings.database)
        try:
            migrate(self.engine)
        except BaseException:
            self.engine.dispose()
            raise
        self.log = LogServer(
            self.engine,
            signer,
            batch_max=settings.append_batch_max,
            queue_max=settings.append_queue_max,
            checkpoint_interval=settings.checkpoint_interval,
            witnesses=settings.witness_endpoints,
        )
        self.ledger = Ledger(self.log)
        sealer = Sealer(hold_key)
        self.clients = ClientRegistry(self.log, pseudonym_key, sealer=sealer, clock=clock)
        self.accounts = Accounts(
            self.log, pseudonym_key, session_hours=settings.session_hours, clock=clock
        )
        self.policies = PolicyBook(self.log, clock=clock)
        self.reports = PublishedReports(self.log.reader)
        self.kept = KeptResults(
            self.engine,
            sealer,
            retention=timedelta(hours=settings.result_retention_hours),
            clock=clock,
        )
        self.review = Review(
            HoldBook(self.engine, sealer),
            self.ledger,
            self.log,
            deadline=timedelta(hours=settings.hold_deadline_hours),
            result_ttl=timedelta(hours=settings.result_retention_hours),
            webhooks=Webhooks(self.engine, self.clients, base_url=settings.base_url, clock=clock),
            clock=clock,
        )
        self.review.runs_with(lambda *held: self.services.run_held(*held))
        self._services = services
        self._schedule: ReportSchedule | None = None

    @classmethod
    def open(
        cls, settings: Settings, *, clock: Clock = utc_now, services: Services | None = None
    ) -> Glassbox:
        """Open the node `settings` describe; `services` if already built (else on first use)."""
        return cls(settings, clock=clock, services=services)

    @property
    def services(self) -> Services:
        """The governed services (built on first use: a CLI command rarely needs them)."""
        if self._services is None:
            self._services = build_services(self.settings)
        return self._services

    def transcription_slots(self) -> Slots | None:
        """The transcription slots, once the services are built (for metrics)."""
        return None if self._services is None else self._services.transcriber.slots

    @cached_property
    def gateway(self) -> Gateway:
        return Gateway(
            clients=self.clients,
            policies=self.policies,
            ledger=self.ledger,
            review=self.review,
            kept=self.kept,
            services=self.services.registry,
            clock=self.clock,
            rate_limit_per_minute=self.settings.rate_limit_per_minute,
        )

    def publish_policy(self, directory: Path) -> PublishedPolicy:
        """Validate, test and publish the policy in `directory`, under a checkpoint at once."""
        published = self.policies.publish(load_policy_dir(directory))
        self.log.publish()
        return published

    def build_report(
        self, period: str, *, band_below: int = BAND_BELOW, provisional: bool = False
    ) -> Report:
        """Compute `period`'s figures at the latest checkpoint and publish them as an entry
        (a running month only when `provisional`; see `glassbox.report.build_report`)."""
        return build_report(
            self.log, period, band_below=band_below, now=self.clock(), provisional=provisional
        )

    def start_background(self) -> None:
        """Integrate and witness checkpoints, and build monthly reports, in the background."""
        self.log.start_background()
        minutes = self.settings.report_check_minutes
        if minutes:
            self._schedule = ReportSchedule(self.log, minutes * 60, clock=self.clock).start()

    async def maintain(self) -> None:
        """Carry out reviewers' verdicts and deadlines until cancelled (the server's task)."""
        await self.review.run_forever()

    def close(self) -> None:
        if self._schedule is not None:
            self._schedule.stop()
        self.log.close()
        self.engine.dispose()

    def __enter__(self) -> Glassbox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
