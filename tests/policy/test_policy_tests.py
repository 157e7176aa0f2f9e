"""A policy set's own test cases: run them, and refuse the policy unless they all pass."""

from __future__ import annotations

import json

import pytest

from glassbox.errors import PolicyError
from glassbox.policy import PolicySet, check_policy, run_policy_tests

from ._support import PERMIT_ALL

REVIEWED_MILITARY = """
@id("registered") @description("A registered purpose.")
permit (principal, action, resource) when { principal.purposes.contains(context.purpose) };

@id("military-review") @description("Military requests are reviewed.") @review("2")
permit (principal, action, resource) when { principal.category == "military" };
"""


def request(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "client": "newsroom",
        "category": "media",
        "purposes": ["journalism"],
        "daily_audio_seconds": 3600,
        "action": "transcribe",
        "purpose": "journalism",
        "audio_seconds": 60,
    }
    fields.update(changes)
    return fields


CASES = [
    {"name": "journalism", "request": request(), "expect": "allow", "reasons": ["registered"]},
    {
        "name": "military",
        "request": request(category="military"),
        "expect": "review",
        "reviewers": 2,
        "reasons": ["military-review"],
    },
    {"name": "marketing", "request": request(purpose="marketing"), "expect": "deny"},
]


def test_every_case_is_run_in_file_order() -> None:
    results = run_policy_tests(PolicySet.from_text(REVIEWED_MILITARY, json.dumps(CASES)))
    assert [(r.name, r.expected, r.got.outcome, r.passed) for r in results] == [
        ("journalism", "allow", "allow", True),
        ("military", "review", "review", True),
        ("marketing", "deny", "deny", True),
    ]
    assert results[2].got.reasons == ("default-deny",)


def test_a_policy_whose_cases_pass_is_accepted() -> None:
    check_policy(PolicySet.from_text(REVIEWED_MILITARY, json.dumps(CASES)))


def test_no_tests_means_no_results_and_is_refused() -> None:
    policy = PolicySet.from_text(REVIEWED_MILITARY)
    assert run_policy_tests(policy) == []
    with pytest.raises(PolicyError, match="no test cases"):
        check_policy(policy)
    with pytest.raises(PolicyError, match="no test cases"):
        check_policy(PolicySet.from_text(REVIEWED_MILITARY, "[]"))


def test_every_failing_case_is_reported_with_what_it_expected_and_got() -> None:
    cases = [
        *CASES,
        {"name": "wrong outcome", "request": request(category="military"), "expect": "allow"},
        {
            "name": "wrong reasons",
            "request": request(),
            "expect": "allow",
            "reasons": ["something-else"],
        },
        {
            "name": "wrong reviewers",
            "request": request(category="military"),
            "expect": "review",
            "reviewers": 3,
        },
    ]
    policy = PolicySet.from_text(REVIEWED_MILITARY, json.dumps(cases))
    assert [r.passed for r in run_policy_tests(policy)] == [True] * 3 + [False] * 3
    with pytest.raises(PolicyError) as caught:
        check_policy(policy)
    message = caught.value.message
    assert "fails 3 of 6" in message
    assert "'wrong outcome': expected allow, got review by 2 reviewer(s) (military-review)" in (
        message
    )
    assert "'wrong reasons': expected allow (something-else), got allow (registered)" in message
    assert "'wrong reviewers': expected review by 3 reviewer(s)" in message
    assert "'journalism'" not in message


def test_reasons_are_compared_as_a_set() -> None:
    text = PERMIT_ALL + REVIEWED_MILITARY.replace('@review("2")', "")
    cases = [
        {
            "name": "both",
            "request": request(category="military"),
            "expect": "allow",
            "reasons": ["military-review", "anything", "registered"],
        }
    ]
    check_policy(PolicySet.from_text(text, json.dumps(cases)))
