"""Running the test cases a policy set ships with, as `glassbox policy publish` does."""

from __future__ import annotations

from dataclasses import dataclass

from glassbox.errors import PolicyError

from ._cases import PolicyCase, parse_cases
from ._engine import PolicySet
from ._model import Decision, Ruling


@dataclass(frozen=True)
class PolicyTestResult:
    """The decision one test case got, and whether it was the one expected."""

    name: str
    expected: str
    got: Decision
    passed: bool


def run_policy_tests(policy: PolicySet) -> list[PolicyTestResult]:
    """Decide every test case in `policy.tests`, in file order; [] when there are none."""
    return [result for _case, result in _run(policy)]


def check_policy(policy: PolicySet) -> None:
    """Raise `PolicyError` unless the policy has test cases and they all pass.

    The message lists every failing case: its name, what it expected and what it got.
    """
    outcomes = _run(policy)
    if not outcomes:
        raise PolicyError(
            f"policy {policy.hash} has no test cases; ship a tests.json beside policy.cedar"
        )
    failures = [_describe(case, result) for case, result in outcomes if not result.passed]
    if failures:
        raise PolicyError(
            f"policy {policy.hash} fails {len(failures)} of {len(outcomes)} test case(s):\n"
            + "\n".join(failures)
        )


def _run(policy: PolicySet) -> list[tuple[PolicyCase, PolicyTestResult]]:
    if policy.tests is None:
        return []
    outcomes = []
    for case in parse_cases(policy.tests, "tests.json"):
        got = policy.decide(case.request)
        passed = (
            got.outcome == case.expect
            and (case.reasons is None or case.reasons == set(got.reasons))
            and (case.reviewers is None or case.reviewers == got.reviewers)
        )
        outcomes.append((case, PolicyTestResult(case.name, case.expect, got, passed)))
    return outcomes


def _describe(case: PolicyCase, result: PolicyTestResult) -> str:
    return f"  {case.name!r}: expected {_summary(case)}, got {_got(result.got)}"


def _summary(case: PolicyCase) -> str:
    text = case.expect
    if case.reviewers is not None:
        text += f" by {case.reviewers} reviewer(s)"
    if case.reasons is not None:
        text += f" ({', '.join(sorted(case.reasons)) or 'no reasons'})"
    return text


def _got(decision: Decision) -> str:
    text = str(decision.outcome)
    if decision.outcome == Ruling.REVIEW:
        text += f" by {decision.reviewers} reviewer(s)"
    return f"{text} ({', '.join(decision.reasons)})"
