"""The auditor: independent verification of a Glassbox log, remote or local."""

from glassbox.audit._cache import CachedSource, Fetched, TileCache, cache_beside
from glassbox.audit._cosigned import Quorum, require_cosignatures
from glassbox.audit._keys import log_verifier, witness_verifier
from glassbox.audit._lookup import Included, LoggedEntry, Search, entry_at, find_entries
from glassbox.audit._receipt import ReceiptCheck, parse_receipt, verify_receipt
from glassbox.audit._sources import BulkSource, HttpSource, LogSource
from glassbox.audit._state import AuditState, load_state, save_state
from glassbox.audit._verify import Verified, verify_log
from glassbox.audit._watch import check_checkpoint, watch_log

__all__ = [
    "AuditState",
    "BulkSource",
    "CachedSource",
    "Fetched",
    "HttpSource",
    "Included",
    "LogSource",
    "LoggedEntry",
    "Quorum",
    "ReceiptCheck",
    "Search",
    "TileCache",
    "Verified",
    "cache_beside",
    "check_checkpoint",
    "entry_at",
    "find_entries",
    "load_state",
    "log_verifier",
    "parse_receipt",
    "require_cosignatures",
    "save_state",
    "verify_log",
    "verify_receipt",
    "watch_log",
    "witness_verifier",
]
