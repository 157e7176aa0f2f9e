"""Human review: reviewer accounts and sessions, held requests, verdicts and their rules."""

from glassbox.review._holds import MAX_REASON, VERDICTS, Hold, HoldBook, Verdict
from glassbox.review._sealed import Sealer
from glassbox.review._users import MIN_PASSWORD, ROLES, Accounts, Session, User

__all__ = [
    "MAX_REASON",
    "MIN_PASSWORD",
    "ROLES",
    "VERDICTS",
    "Accounts",
    "Hold",
    "HoldBook",
    "Sealer",
    "Session",
    "User",
    "Verdict",
]
