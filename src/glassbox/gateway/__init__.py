"""The gateway: the one governed request path, for every service.

`Gateway.handle` takes a request for any registered service through
authenticate -> purpose -> prepare -> decide -> deny | hold | serve -> log, and
returns a domain outcome (`Served`, `Refused`, `Held`, `Failed`) carrying the
client's receipt; the web layer renders it. `PolicyBook` holds the policy in force.
"""

from glassbox.gateway._gateway import Fields, Gateway
from glassbox.gateway._outcomes import (
    Delta,
    Done,
    Failed,
    Held,
    Interrupted,
    Outcome,
    Reason,
    Refused,
    Served,
    Streaming,
)
from glassbox.gateway._policies import PolicyBook, Published, PublishedPolicy
from glassbox.review import HeldResult, HoldStatus

__all__ = [
    "Delta",
    "Done",
    "Failed",
    "Fields",
    "Gateway",
    "Held",
    "HeldResult",
    "HoldStatus",
    "Interrupted",
    "Outcome",
    "PolicyBook",
    "Published",
    "PublishedPolicy",
    "Reason",
    "Refused",
    "Served",
    "Streaming",
]
