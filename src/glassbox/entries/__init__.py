"""The log entry format: one place owns every kind of entry Glassbox writes.

Entries are UTF-8 JSON canonicalised by RFC 8785 (JCS), format version 1, and never
hold content: only salted SHA-256 commitments of it. The salts go to the client in
its receipt, so the client, and nobody else, can later open a commitment to the
exact bytes it sent or received. See docs/log-format.md.
"""

from glassbox.entries._commit import Commitments, commitment, new_salt, result_content
from glassbox.entries._json import ENTRY_VERSION, canonical, rfc3339
from glassbox.entries._kinds import Action, Category, Change, Kind, Outcome, Verdict
from glassbox.entries._receipt import Receipt
from glassbox.entries._schema import (
    OPERATOR,
    AdminEntry,
    DecisionEntry,
    PolicyEntry,
    ReportEntry,
    ReviewEntry,
    figures_sha256,
)

__all__ = [
    "ENTRY_VERSION",
    "OPERATOR",
    "Action",
    "AdminEntry",
    "Category",
    "Change",
    "Commitments",
    "DecisionEntry",
    "Kind",
    "Outcome",
    "PolicyEntry",
    "Receipt",
    "ReportEntry",
    "ReviewEntry",
    "Verdict",
    "canonical",
    "commitment",
    "figures_sha256",
    "new_salt",
    "result_content",
    "rfc3339",
]
