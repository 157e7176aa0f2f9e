"""The hosted log of one process: its sequencer, integrator, reader and witnessing.

Every log append in Glassbox goes through `LogServer.append` (or its async form),
that is through the one sequencer: it assigns consecutive indices and returns once
the entries are committed, and only then may a receipt naming them be sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from glassbox.tlog import Signer, WitnessEndpoint
from glassbox.tlog.server._integrator import Integrator
from glassbox.tlog.server._reader import LogReader
from glassbox.tlog.server._sequencer import Companion, Sequencer
from glassbox.tlog.server._witnessing import WitnessSubmitter


class LogServer:
    """Sequencing, integration, reads and witnessing over one database; close() when done.

    The sequencer's writer thread starts on the first append; integration and
    witnessing run in the background only after `start_background`.
    """

    def __init__(
        self,
        engine: Engine,
        signer: Signer,
        *,
        batch_max: int = 4096,
        queue_max: int = 200_000,
        checkpoint_interval: float = 0.5,
        witnesses: Sequence[WitnessEndpoint] = (),
    ) -> None:
        self.engine = engine
        self.signer = signer
        self.reader = LogReader(engine)
        self.integrator = Integrator(engine, signer)
        self._batch_max = batch_max
        self._queue_max = queue_max
        self._interval = checkpoint_interval
        self._witnesses = tuple(witnesses)
        self._sequencer: Sequencer | None = None
        self._witnessing: WitnessSubmitter | None = None

    @property
    def origin(self) -> str:
        return self.signer.name

    @property
    def sequencer(self) -> Sequencer:
        if self._sequencer is None:
            self._sequencer = Sequencer(
                self.engine,
                batch_max=self._batch_max,
                queue_max=self._queue_max,
                written=self.integrator.written,
            )
        return self._sequencer

    def append(self, entries: Sequence[bytes], companion: Companion | None = None) -> int:
        """Append `entries` in order, with `companion`'s records; return the first index."""
        if not entries:
            raise ValueError("nothing to append")
        return self.sequencer.append(entries, companion)[0]

    async def append_async(
        self, entries: Sequence[bytes], companion: Companion | None = None
    ) -> int:
        """`append` for a coroutine: the event loop goes on serving while the entries commit."""
        if not entries:
            raise ValueError("nothing to append")
        return (await self.sequencer.append_async(entries, companion))[0]

    def publish(self) -> str:
        """Integrate everything appended so far and return the signed checkpoint note."""
        return self.integrator.integrate_all() or self.reader.checkpoint()

    def start_background(self) -> None:
        """Integrate every `checkpoint_interval` seconds, and submit to witnesses if any."""
        self.integrator.start(self._interval)
        if self._witnesses:
            self._witnessing = WitnessSubmitter(self.engine, self._witnesses)
            self._witnessing.start_threads(self._interval)

    def close(self) -> None:
        """Finish queued appends, stop the background work (the engine stays open)."""
        if self._sequencer is not None:
            self._sequencer.close()
        self.integrator.stop()
        if self._witnessing is not None:
            self._witnessing.stop()
