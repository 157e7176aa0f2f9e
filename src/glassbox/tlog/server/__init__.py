"""The hosted log: sequencing, integration, witnessing and reads over the Glassbox store.

Unlike the pure `glassbox.tlog` core, this part does I/O. `LogServer` holds the
parts of one process; every append goes through its sequencer.
"""

from glassbox.tlog.server._integrator import Integrator
from glassbox.tlog.server._local import LocalLog
from glassbox.tlog.server._log import LogServer
from glassbox.tlog.server._reader import MAX_ENTRIES_PER_READ, LogReader
from glassbox.tlog.server._sequencer import Companion, Sequencer, check_entries
from glassbox.tlog.server._witnessing import WitnessSubmitter

__all__ = [
    "MAX_ENTRIES_PER_READ",
    "Companion",
    "Integrator",
    "LocalLog",
    "LogReader",
    "LogServer",
    "Sequencer",
    "WitnessSubmitter",
    "check_entries",
]
