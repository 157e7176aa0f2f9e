"""Cedar policy sets: parsed and validated once, then asked to decide each request.

A policy set is refused when it is loaded unless it parses, validates against
the shipped schema, and every policy carries a unique @id and a @description.
Deciding never raises: anything that goes wrong denies (fail closed).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cedarpy

from glassbox.errors import PolicyError

from ._cases import parse_cases
from ._model import (
    ACTIONS,
    CATEGORIES,
    DEFAULT_DENY,
    POLICY_ERROR,
    RESERVED_IDS,
    SERVICES,
    Decision,
    PolicyRequest,
    Ruling,
)
from ._resources import schema_text

_log = logging.getLogger(__name__)

_ANNOTATIONS = ("id", "description", "review", "redact")
_REVIEWERS = re.compile(r"[1-9][0-9]{0,5}")
_CONTEXT_COUNTS = ("audio_seconds", "characters", "volume_audio_seconds_24h", "requests_24h")

_DEFAULT_DENY = Decision(
    Ruling.DENY,
    0,
    (DEFAULT_DENY,),
    (
        "Nothing in the acceptable-use policy permits this request. Check that the purpose "
        "you declared is one your organisation registered.",
    ),
)
_POLICY_ERROR = Decision(
    Ruling.DENY,
    0,
    (POLICY_ERROR,),
    (
        "This request could not be checked against the acceptable-use policy, so it was "
        "refused. If this keeps happening, contact the operator of this service.",
    ),
)


@dataclass(frozen=True)
class _Rule:
    """What the engine needs to know about one policy besides its Cedar meaning."""

    id: str
    description: str
    effect: str
    position: int
    reviewers: int = 0
    redact_output: bool = False


class PolicySet:
    """A parsed and validated Cedar policy set, with the test cases shipped beside it.

    Build one with `PolicySet.from_text` or `load_policy_dir`.
    """

    __slots__ = ("_handle", "_hash", "_rules", "_tests", "_text")

    def __init__(
        self, text: str, tests: str | None, handle: cedarpy.PolicySet, rules: dict[str, _Rule]
    ) -> None:
        self._text = text
        self._tests = tests
        self._hash = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
        self._handle = handle
        self._rules = rules

    @classmethod
    def from_text(cls, text: str, tests: str | None = None) -> PolicySet:
        """Parse and validate Cedar policy text and its optional JSON test cases.

        Raises `PolicyError` naming the policy and what is wrong with it.
        """
        return _compile(text, tests, policy_file="policy.cedar", tests_file="tests.json")

    @property
    def text(self) -> str:
        """The full policy text, as published."""
        return self._text

    @property
    def hash(self) -> str:
        """The policy set's name in the log: "sha256:<hex>" of the UTF-8 policy text."""
        return self._hash

    @property
    def tests(self) -> str | None:
        """The JSON test cases shipped with the policy, if any."""
        return self._tests

    def __repr__(self) -> str:
        return f"PolicySet(hash={self._hash!r}, policies={len(self._rules)})"

    def decide(self, request: PolicyRequest) -> Decision:
        """Decide `request`: deny beats review beats allow. Never raises; errors deny."""
        try:
            return self._decide(request)
        except Exception as exc:
            _log.warning("policy %s: request could not be evaluated: %s", self._hash, exc)
            return _POLICY_ERROR

    def _decide(self, request: PolicyRequest) -> Decision:
        query, entities = _encode(request)
        result = cedarpy.is_authorized(query, self._handle, entities, _schema())
        if result.diagnostics.errors:
            _log.warning(
                "policy %s: evaluation failed: %s",
                self._hash,
                "; ".join(result.diagnostics.errors),
            )
            return _POLICY_ERROR
        matched = sorted(
            (self._rules[policy_id] for policy_id in result.diagnostics.reasons),
            key=lambda rule: rule.position,
        )
        if result.decision is cedarpy.Decision.Deny:
            forbids = [rule for rule in matched if rule.effect == "forbid"]
            return _decision(Ruling.DENY, 0, forbids) if forbids else _DEFAULT_DENY
        if result.decision is not cedarpy.Decision.Allow or not matched:
            return _POLICY_ERROR
        redact = any(rule.redact_output for rule in matched)
        held = [rule for rule in matched if rule.reviewers]
        if held:
            return _decision(Ruling.REVIEW, max(rule.reviewers for rule in held), held, redact)
        return _decision(Ruling.ALLOW, 0, matched, redact)


def load_policy_dir(path: Path) -> PolicySet:
    """Load `<path>/policy.cedar` and, if present, `<path>/tests.json`.

    Raises `PolicyError` naming the file when it is missing, unreadable or invalid.
    """
    policy_file = path / "policy.cedar"
    tests_file = path / "tests.json"
    text = _read(policy_file)
    tests = _read(tests_file) if tests_file.exists() else None
    return _compile(text, tests, policy_file=str(policy_file), tests_file=str(tests_file))


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{file}: no such file") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{file}: not UTF-8 text") from None
    except OSError as exc:
        raise PolicyError(f"{file}: cannot be read: {exc.strerror}") from None


@functools.cache
def _schema() -> cedarpy.Schema:
    return cedarpy.Schema.from_str(schema_text())


def _compile(text: str, tests: str | None, *, policy_file: str, tests_file: str) -> PolicySet:
    try:
        handle = cedarpy.PolicySet.from_str(text)
        document = json.loads(cedarpy.policies_to_json_str(text))
    except ValueError as exc:
        raise PolicyError(f"{policy_file}: does not parse: {exc}") from None
    for template in document.get("templates", {}).values():
        name = (template.get("annotations") or {}).get("id")
        raise PolicyError(
            f"{policy_file}: policy {name!r} is a template (it uses ?principal or ?resource); "
            "templates are not supported"
        )
    rules = _rules(document.get("staticPolicies", {}), policy_file)
    validation = cedarpy.validate_policies(text, _schema())
    if not validation.validation_passed:
        problems = [
            f"policy {rules[error.policy_id].id!r}: {error.error}"
            if error.policy_id in rules
            else error.error
            for error in validation.errors
        ]
        raise PolicyError(
            f"{policy_file}: does not validate against the schema: {'; '.join(problems)}"
        )
    if tests is not None:
        parse_cases(tests, tests_file)
    return PolicySet(text, tests, handle, rules)


def _rules(policies: dict[str, Any], policy_file: str) -> dict[str, _Rule]:
    """Read and check the annotations of each policy, keyed by Cedar's own policy id."""
    rules: dict[str, _Rule] = {}
    seen: set[str] = set()
    # Cedar numbers policies policy0, policy1, ... in the order they appear.
    for position, cedar_id in enumerate(sorted(policies, key=lambda key: (len(key), key))):
        policy = policies[cedar_id]
        raw_annotations: dict[str, str | None] = policy.get("annotations") or {}
        annotations = {key: value or "" for key, value in raw_annotations.items()}
        policy_id = annotations.get("id", "")
        if not policy_id:
            raise PolicyError(
                f"{policy_file}: policy #{position + 1} has no @id; every policy needs "
                'a unique @id("...")'
            )
        where = f"{policy_file}: policy {policy_id!r}"
        if policy_id in seen:
            raise PolicyError(f"{where}: @id is used by more than one policy")
        if policy_id in RESERVED_IDS:
            raise PolicyError(f"{where}: this @id is reserved for decisions the engine makes")
        seen.add(policy_id)
        unknown = sorted(set(annotations) - set(_ANNOTATIONS))
        if unknown:
            raise PolicyError(
                f"{where}: unknown annotation(s) {', '.join('@' + key for key in unknown)}; "
                f"known are {', '.join('@' + key for key in _ANNOTATIONS)}"
            )
        description = annotations.get("description", "").strip()
        if not description:
            raise PolicyError(f'{where}: needs a @description("...") to show to clients')
        effect = str(policy.get("effect"))
        review = annotations.get("review")
        if review is not None:
            if not _REVIEWERS.fullmatch(review):
                raise PolicyError(
                    f'{where}: @review("{review}") must be a positive whole number of '
                    'reviewers, such as @review("2")'
                )
            if effect != "permit":
                raise PolicyError(f"{where}: @review only applies to permit policies")
        redact = annotations.get("redact")
        if redact is not None and redact != "output":
            raise PolicyError(f'{where}: @redact("{redact}") is not known; use @redact("output")')
        rules[cedar_id] = _Rule(
            id=policy_id,
            description=description,
            effect=effect,
            position=position,
            reviewers=int(review) if review is not None else 0,
            redact_output=redact is not None,
        )
    return rules


def _encode(request: PolicyRequest) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Build the Cedar request and entities; raise ValueError for anything out of range."""
    if request.action not in ACTIONS:
        raise ValueError(f"unknown action {request.action!r}")
    if request.category not in CATEGORIES:
        raise ValueError(f"unknown category {request.category!r}")
    for name in ("daily_audio_seconds", *_CONTEXT_COUNTS):
        value = getattr(request, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative whole number, not {value!r}")
    if not all(isinstance(v, str) for v in (request.purpose, request.client, request.language)):
        raise ValueError("client, purpose and language must be strings")
    client = {"type": "Client", "id": request.client}
    service = {"type": "Service", "id": SERVICES[request.action]}
    query: dict[str, Any] = {
        "principal": client,
        "action": {"type": "Action", "id": request.action},
        "resource": service,
        "context": {
            name: getattr(request, name) for name in ("purpose", "language", *_CONTEXT_COUNTS)
        },
    }
    entities: list[dict[str, Any]] = [
        {
            "uid": client,
            "attrs": {
                "category": request.category,
                "purposes": list(request.purposes),
                "daily_audio_seconds": request.daily_audio_seconds,
            },
            "parents": [],
        },
        {"uid": service, "attrs": {}, "parents": []},
    ]
    return query, entities


def _decision(
    outcome: Ruling, reviewers: int, rules: list[_Rule], redact: bool = False
) -> Decision:
    return Decision(
        outcome,
        reviewers,
        tuple(rule.id for rule in rules),
        tuple(rule.description for rule in rules),
        redact_output=redact,
    )
