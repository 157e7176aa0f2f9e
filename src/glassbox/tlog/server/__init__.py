"""The hosted log: sequencing, integration and reads over the Glassbox store.

Unlike the pure `glassbox.tlog` core, this part does I/O; auditors never need it
except to read a local data directory.
"""

from glassbox.tlog.server._integrator import Integrator
from glassbox.tlog.server._reader import MAX_ENTRIES_PER_READ, LogReader
from glassbox.tlog.server._sequencer import Sequencer, check_entries, write_entries
from glassbox.tlog.server._witnessing import WitnessSubmitter, parse_witnesses

__all__ = [
    "MAX_ENTRIES_PER_READ",
    "Integrator",
    "LogReader",
    "Sequencer",
    "WitnessSubmitter",
    "check_entries",
    "parse_witnesses",
    "write_entries",
]
