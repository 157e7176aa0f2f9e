"""The test cases a policy set ships with (`tests.json`), read strictly.

The file is a JSON list of cases::

    {"name": "...", "request": {<PolicyRequest fields>}, "expect": "allow" | "review" | "deny",
     "reasons": [<policy ids>], "reviewers": <n>}

`reasons` (compared as a set) and `reviewers` are optional. Unknown keys are
refused, so a misspelt expectation cannot silently pass.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from glassbox.errors import PolicyError

from ._model import OUTCOMES, PolicyRequest

_CASE_KEYS = {"name", "request", "expect", "reasons", "reviewers"}
_FIELDS = {field.name: field for field in dataclasses.fields(PolicyRequest)}
_TEXT_FIELDS = {"client", "category", "action", "purpose", "language"}
_REQUIRED = {name for name, field in _FIELDS.items() if field.default is dataclasses.MISSING}


@dataclass(frozen=True)
class PolicyCase:
    """One test case: a request and the decision it must get."""

    name: str
    request: PolicyRequest
    expect: str
    reasons: frozenset[str] | None = None
    reviewers: int | None = None


def parse_cases(text: str, source: str) -> list[PolicyCase]:
    """Parse the test file `text`; raise `PolicyError` naming `source` and the case if malformed."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PolicyError(f"{source}: not valid JSON: {exc}") from None
    if not isinstance(document, list):
        raise PolicyError(f"{source}: must be a JSON list of test cases")
    cases: list[PolicyCase] = []
    for number, item in enumerate(document, start=1):
        label = f"{source}: case {number}"
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            label = f"{source}: case {item['name']!r}"
        case = _parse_case(item, label)
        if any(seen.name == case.name for seen in cases):
            raise PolicyError(f"{label}: the name is used by an earlier case")
        cases.append(case)
    return cases


def _parse_case(item: object, label: str) -> PolicyCase:
    if not isinstance(item, dict):
        raise PolicyError(f"{label}: must be a JSON object")
    unknown = sorted(set(item) - _CASE_KEYS)
    if unknown:
        raise PolicyError(f"{label}: unknown key(s) {', '.join(unknown)}")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise PolicyError(f"{label}: needs a non-empty string 'name'")
    expect = item.get("expect")
    if expect not in OUTCOMES:
        raise PolicyError(f"{label}: 'expect' must be one of {', '.join(OUTCOMES)}")
    reasons = item.get("reasons")
    if reasons is not None and not _is_list_of_strings(reasons):
        raise PolicyError(f"{label}: 'reasons' must be a list of policy ids")
    reviewers = item.get("reviewers")
    if reviewers is not None and not _is_integer(reviewers):
        raise PolicyError(f"{label}: 'reviewers' must be a whole number")
    return PolicyCase(
        name=name,
        request=_parse_request(item.get("request"), label),
        expect=str(expect),
        reasons=None if reasons is None else frozenset(reasons),
        reviewers=reviewers,
    )


def _parse_request(raw: object, label: str) -> PolicyRequest:
    if not isinstance(raw, dict):
        raise PolicyError(f"{label}: 'request' must be a JSON object")
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise PolicyError(f"{label}: unknown request field(s) {', '.join(unknown)}")
    missing = sorted(_REQUIRED - set(raw))
    if missing:
        raise PolicyError(f"{label}: request lacks {', '.join(missing)}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "purposes":
            if not _is_list_of_strings(value):
                raise PolicyError(f"{label}: request 'purposes' must be a list of strings")
            values[key] = tuple(value)
        elif key in _TEXT_FIELDS:
            if not isinstance(value, str):
                raise PolicyError(f"{label}: request {key!r} must be a string")
            values[key] = value
        else:
            if not _is_integer(value):
                raise PolicyError(f"{label}: request {key!r} must be a whole number")
            values[key] = value
    return PolicyRequest(**values)


def _is_list_of_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_integer(value: object) -> bool:
    # bool is an int in Python, but true is not a number of seconds.
    return isinstance(value, int) and not isinstance(value, bool)
