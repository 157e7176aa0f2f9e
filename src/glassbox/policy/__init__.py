"""The acceptable-use policy engine: Cedar policies decide allow, review or deny.

A policy set is Cedar text validated against the schema shipped here
(`schema_text()`; no namespace: `Client`, `Service`, `Action::"transcribe"`).
For each request the engine builds the principal `Client::"<pseudonym>"`
with the client's registered category, purposes and daily audio volume, the
action `Action::"<action>"`, the resource `Service::"<service>"` (speech,
translation, detection or redaction) and a context holding the declared
purpose and the request's size and recent volume.

Deny beats review beats allow: a matching forbid, or no matching permit,
denies; a matching permit annotated `@review("n")` holds the request for n
reviewers; otherwise the request is allowed. Any error denies.

Every policy carries `@id("...")` (unique; the reason recorded in the log)
and `@description("...")` (shown to the client it refuses or holds). A
permit may also carry `@review("<n>")` and `@redact("output")`. Any other
annotation is refused, so that a misspelt `@review` cannot silently allow.

Nothing here does I/O except `load_policy_dir` (and reading the packaged
schema once).
"""

from ._engine import PolicySet, load_policy_dir
from ._model import ACTIONS, CATEGORIES, POLICY_ERROR, Decision, PolicyRequest, Ruling
from ._resources import default_policy_dir, schema_text
from ._testing import PolicyTestResult, check_policy, run_policy_tests

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "POLICY_ERROR",
    "Decision",
    "PolicyRequest",
    "PolicySet",
    "PolicyTestResult",
    "Ruling",
    "check_policy",
    "default_policy_dir",
    "load_policy_dir",
    "run_policy_tests",
    "schema_text",
]
