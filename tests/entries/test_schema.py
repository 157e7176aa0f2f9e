"""The entry format's version 1 bytes: known answers, pinned, because auditors verify old logs.

The expected strings below were produced by the code that wrote version 1 entries before
the entry schema had its own module; they must never change.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from glassbox.entries import (
    Action,
    Category,
    DecisionEntry,
    Outcome,
    PolicyEntry,
    Receipt,
    ReviewEntry,
    Verdict,
    canonical,
    rfc3339,
)

T = datetime(2026, 11, 29, 1, 50, 0, 123456, tzinfo=UTC)
TS = "2026-11-29T01:50:00.123Z"
A, B, C, D = ("sha256:" + ch * 64 for ch in "abcd")


def test_a_served_decision() -> None:
    entry = DecisionEntry(
        time=T,
        request="req_0123",
        client="c_abc",
        category=Category.COMMERCIAL,
        action=Action.TRANSCRIBE,
        purpose="accessibility",
        outcome=Outcome.SERVED,
        policy=A,
        reasons=("registered-purpose",),
        input=B,
        output=C,
        audio_seconds=3.14159,
        details={"model": "tiny.en"},
    )
    assert entry.encode().decode() == (
        '{"action":"transcribe","audio_seconds":3.142,"category":"commercial","client":"c_abc",'
        f'"input":"{B}","kind":"decision","model":"tiny.en","outcome":"served",'
        f'"output":"{C}","policy":"{A}","purpose":"accessibility",'
        f'"reasons":["registered-purpose"],"request":"req_0123","time":"{TS}","v":1}}'
    )


def test_a_held_decision() -> None:
    entry = DecisionEntry(
        time=T,
        request="req_0124",
        client="c_abc",
        category=Category.MILITARY,
        action=Action.TRANSLATE,
        purpose="accessibility",
        outcome=Outcome.HELD,
        policy=A,
        reasons=("high-risk-category-review",),
        input=B,
        characters=42,
        reviewers=2,
    )
    assert entry.encode().decode() == (
        '{"action":"translate","category":"military","characters":42,"client":"c_abc",'
        f'"input":"{B}","kind":"decision","outcome":"held","policy":"{A}",'
        '"purpose":"accessibility","reasons":["high-risk-category-review"],'
        f'"request":"req_0124","reviewers":2,"time":"{TS}","v":1}}'
    )


def test_a_failed_decision_with_no_policy_keeps_empty_reasons() -> None:
    entry = DecisionEntry(
        time=T,
        request="req_0125",
        client="c_abc",
        category=Category.COMMERCIAL,
        action=Action.TRANSCRIBE,
        purpose=None,
        outcome=Outcome.FAILED,
        policy=None,
        error="invalid_request",
        audio_seconds=0.0,
        characters=0,
    )
    assert entry.encode().decode() == (
        '{"action":"transcribe","category":"commercial","client":"c_abc",'
        '"error":"invalid_request","kind":"decision","outcome":"failed","reasons":[],'
        f'"request":"req_0125","time":"{TS}","v":1}}'
    )


def test_the_final_entry_of_a_hold_names_it() -> None:
    entry = DecisionEntry(
        time=T,
        request="req_0124",
        hold=7,
        client="c_abc",
        category=Category.MILITARY,
        action=Action.TRANSLATE,
        purpose="accessibility",
        outcome=Outcome.EXPIRED,
        policy=A,
        reasons=("high-risk-category-review",),
    )
    assert entry.encode().decode() == (
        '{"action":"translate","category":"military","client":"c_abc","hold":7,'
        f'"kind":"decision","outcome":"expired","policy":"{A}","purpose":"accessibility",'
        f'"reasons":["high-risk-category-review"],"request":"req_0124","time":"{TS}","v":1}}'
    )


def test_a_review_entry() -> None:
    entry = ReviewEntry(
        time=T,
        request="req_0124",
        hold=7,
        verdict=Verdict.APPROVE,
        reviewer="r_def",
        reason=D,
        reviewers_required=2,
    )
    assert entry.encode().decode() == (
        f'{{"hold":7,"kind":"review","reason":"{D}","request":"req_0124","reviewer":"r_def",'
        f'"reviewers_required":2,"time":"{TS}","v":1,"verdict":"approve"}}'
    )


def test_a_policy_entry_without_tests() -> None:
    entry = PolicyEntry(time=T, policy=A, text="permit(principal, action, resource);\n", tests=None)
    assert entry.encode().decode() == (
        f'{{"kind":"policy","policy":"{A}","text":"permit(principal, action, resource);\\n",'
        f'"time":"{TS}","v":1}}'
    )


def test_the_vocabularies_are_the_strings_the_log_carries() -> None:
    assert [o.value for o in Outcome] == ["served", "denied", "held", "failed", "expired"]
    assert [v.value for v in Verdict] == ["approve", "deny"]
    assert Outcome.SERVED == "served" and json.dumps(Action.REDACT) == '"redact"'


_texts = st.text(st.characters(codec="utf-8"), max_size=30)


@given(
    request=_texts,
    purpose=st.none() | _texts,
    outcome=st.sampled_from(Outcome),
    reasons=st.lists(_texts, max_size=4),
    seconds=st.none() | st.floats(0, 86_400, allow_nan=False),
    characters=st.none() | st.integers(0, 1_000_000),
)
def test_any_decision_encodes_as_canonical_json_of_its_fields(
    request: str,
    purpose: str | None,
    outcome: Outcome,
    reasons: list[str],
    seconds: float | None,
    characters: int | None,
) -> None:
    entry = DecisionEntry(
        time=T,
        request=request,
        client="c_x",
        category=Category.NGO,
        action=Action.DETECT,
        purpose=purpose,
        outcome=outcome,
        policy=None,
        reasons=tuple(reasons),
        audio_seconds=seconds,
        characters=characters,
    )
    data = entry.encode()
    obj = json.loads(data)
    assert canonical(obj) == data  # already canonical: re-encoding changes nothing
    assert obj["outcome"] == outcome.value and obj["reasons"] == reasons
    assert obj["time"] == rfc3339(T) and obj["v"] == 1
    assert None not in obj.values()  # absent, never null
    assert ("purpose" in obj) == (purpose is not None)
    assert ("audio_seconds" in obj) == bool(seconds)
    assert ("characters" in obj) == bool(characters)


def test_a_receipt_names_the_leaf_hash_of_its_entry() -> None:
    import base64
    import hashlib

    receipt = Receipt("example.test/log", 3, b'{"v":1}', {"input": "c2FsdA=="}).to_json()
    leaf = hashlib.sha256(b"\x00" + b'{"v":1}').digest()
    assert receipt == {
        "origin": "example.test/log",
        "index": 3,
        "leaf_hash": base64.b64encode(leaf).decode(),
        "entry": '{"v":1}',
        "salts": {"input": "c2FsdA=="},
    }
