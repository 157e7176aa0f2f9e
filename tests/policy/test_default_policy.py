"""The shipped default policy: it passes its own tests, and some lines never move."""

from __future__ import annotations

import functools
import json

from hypothesis import given
from hypothesis import strategies as st

from glassbox.policy import (
    ACTIONS,
    CATEGORIES,
    PolicyRequest,
    PolicySet,
    check_policy,
    default_policy_dir,
    load_policy_dir,
    run_policy_tests,
)

FORBIDDEN = ("surveillance", "targeting", "weapons", "persecution")
PURPOSES = ("journalism", "healthcare", "research", "interpreting", *FORBIDDEN)


@functools.cache
def default_policy() -> PolicySet:
    return load_policy_dir(default_policy_dir())


def test_the_default_policy_passes_its_own_tests() -> None:
    check_policy(default_policy())


def test_its_tests_cover_every_policy_every_outcome_and_every_action() -> None:
    policy = default_policy()
    assert policy.tests is not None
    requests = [case["request"] for case in json.loads(policy.tests)]
    results = run_policy_tests(policy)
    reasons = {reason for result in results for reason in result.got.reasons}
    assert {
        "registered-purpose",
        "bulk-volume-review",
        "high-risk-category-review",
        "default-deny",
        *(f"no-{purpose}" for purpose in FORBIDDEN),
    } <= reasons
    assert {result.got.outcome for result in results} == {"allow", "review", "deny"}
    assert {request["action"] for request in requests} == set(ACTIONS)


def test_every_policy_explains_itself_to_the_client() -> None:
    for result in run_policy_tests(default_policy()):
        assert len(result.got.descriptions) == len(result.got.reasons)
        for description in result.got.descriptions:
            assert description.endswith(".")
            assert len(description) > 40


counts = st.integers(min_value=0, max_value=10**9)
requests = st.builds(
    PolicyRequest,
    client=st.text(max_size=20),
    category=st.sampled_from(CATEGORIES),
    purposes=st.lists(st.sampled_from(PURPOSES) | st.text(max_size=12), max_size=5).map(tuple),
    daily_audio_seconds=counts,
    action=st.sampled_from(ACTIONS),
    purpose=st.sampled_from(PURPOSES) | st.text(max_size=12),
    audio_seconds=counts,
    characters=counts,
    volume_audio_seconds_24h=counts,
    requests_24h=counts,
)


@given(requests, st.sampled_from(FORBIDDEN))
def test_a_forbidden_purpose_is_always_denied(request: PolicyRequest, purpose: str) -> None:
    # Even when registered, and even from the clients whose requests are reviewed.
    for registered in (request.purposes, (*request.purposes, purpose)):
        decision = default_policy().decide(
            PolicyRequest(**{**vars(request), "purposes": registered, "purpose": purpose})
        )
        assert decision.outcome == "deny"
        assert decision.reasons == (f"no-{purpose}",)


@given(requests)
def test_the_outcome_is_always_one_of_three_and_consistent(request: PolicyRequest) -> None:
    decision = default_policy().decide(request)
    assert decision.outcome in ("allow", "review", "deny")
    assert len(decision.reasons) == len(decision.descriptions) >= 1
    assert (decision.reviewers > 0) == (decision.outcome == "review")
    if request.purpose not in request.purposes:
        assert decision.outcome == "deny"


@given(
    st.one_of(st.text(), st.sampled_from(CATEGORIES)),
    st.one_of(st.text(), st.sampled_from(ACTIONS)),
    st.integers(),
    st.integers(),
)
def test_no_request_makes_decide_raise(
    category: str, action: str, audio_seconds: int, volume: int
) -> None:
    request = PolicyRequest(
        client="c",
        category=category,
        purposes=("journalism",),
        daily_audio_seconds=3600,
        action=action,
        purpose="journalism",
        audio_seconds=audio_seconds,
        volume_audio_seconds_24h=volume,
    )
    assert default_policy().decide(request).outcome in ("allow", "review", "deny")
