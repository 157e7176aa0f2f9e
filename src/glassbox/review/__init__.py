"""Human review: reviewer accounts and sessions, held requests, verdicts and their rules.

`HoldBook` keeps held requests and the rules of review in the database; `Review`
is the flow around them (holding, verdicts, exactly-once execution, expiry);
`Accounts` are the reviewers and their console sessions; `Webhooks` tells a key's
URL when its held requests are decided.
"""

from glassbox.review._flow import HeldResult, HoldStatus, Review, Runner, RunResult
from glassbox.review._holds import ENDED, MAX_REASON, VERDICTS, Hold, HoldBook, HoldQuery, Vote
from glassbox.review._kept import Kept, KeptResults
from glassbox.review._sealed import Sealer
from glassbox.review._users import MIN_PASSWORD, ROLES, Accounts, Session, User
from glassbox.review._webhooks import Delivery, Webhooks, sign

__all__ = [
    "ENDED",
    "MAX_REASON",
    "MIN_PASSWORD",
    "ROLES",
    "VERDICTS",
    "Accounts",
    "Delivery",
    "HeldResult",
    "Hold",
    "HoldBook",
    "HoldQuery",
    "HoldStatus",
    "Kept",
    "KeptResults",
    "Review",
    "RunResult",
    "Runner",
    "Sealer",
    "Session",
    "User",
    "Vote",
    "Webhooks",
    "sign",
]
