"""The auditor: independent verification of a Glassbox log, remote or local."""

from glassbox.audit._sources import HttpSource, LocalSource, LogSource, open_source
from glassbox.audit._state import AuditState, load_state, save_state
from glassbox.audit._verify import Verified, verify_log

__all__ = [
    "AuditState",
    "HttpSource",
    "LocalSource",
    "LogSource",
    "Verified",
    "load_state",
    "open_source",
    "save_state",
    "verify_log",
]
