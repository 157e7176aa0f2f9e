"""The auditor: independent verification of a Glassbox log, remote or local."""

from glassbox.audit._sources import HttpSource, LocalSource, LogSource, open_source
from glassbox.audit._state import AuditState, load_state, save_state
from glassbox.audit._verify import Verified, verify_log
from glassbox.audit._watch import check_checkpoint, require_cosignatures, watch_log

__all__ = [
    "AuditState",
    "HttpSource",
    "LocalSource",
    "LogSource",
    "Verified",
    "check_checkpoint",
    "load_state",
    "open_source",
    "require_cosignatures",
    "save_state",
    "verify_log",
    "watch_log",
]
