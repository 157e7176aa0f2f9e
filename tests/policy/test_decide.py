"""How a policy set decides: deny beats review beats allow, and every error denies."""

from __future__ import annotations

import pytest

from glassbox.policy import ACTIONS, Decision, PolicySet

from ._support import PERMIT_ALL, make_request

REVIEW_BY_THREE = """
@id("three-eyes")
@description("Held for three reviewers.")
@review("3")
permit (principal, action, resource);
"""

FORBID_TRANSCRIBE = """
@id("no-transcripts")
@description("Transcription is switched off.")
forbid (principal, action == Action::"transcribe", resource);
"""


def decide(text: str, **changes: object) -> Decision:
    return PolicySet.from_text(text).decide(make_request(**changes))


def test_a_matching_permit_allows_and_names_itself() -> None:
    assert decide(PERMIT_ALL) == Decision(
        "allow", 0, ("anything",), ("Everything is permitted.",), redact_output=False
    )


def test_allow_lists_every_matching_permit_in_file_order() -> None:
    text = """
    @id("b-journalism") @description("Journalism is fine.")
    permit (principal, action, resource) when { context.purpose == "journalism" };
    @id("a-media") @description("Media organisations are fine.")
    permit (principal, action, resource) when { principal.category == "media" };
    @id("c-never") @description("Never matches.")
    permit (principal, action, resource) when { context.purpose == "other" };
    """
    decision = decide(text)
    assert decision.outcome == "allow"
    assert decision.reasons == ("b-journalism", "a-media")
    assert decision.descriptions == ("Journalism is fine.", "Media organisations are fine.")


def test_a_permit_with_review_holds_the_request_for_that_many_reviewers() -> None:
    decision = decide(REVIEW_BY_THREE)
    assert decision == Decision("review", 3, ("three-eyes",), ("Held for three reviewers.",))


def test_review_beats_allow_and_names_only_the_review_permits() -> None:
    decision = decide(PERMIT_ALL + REVIEW_BY_THREE)
    assert decision.outcome == "review"
    assert decision.reasons == ("three-eyes",)


def test_the_most_demanding_review_sets_the_number_of_reviewers() -> None:
    text = (
        REVIEW_BY_THREE
        + """
    @id("two-eyes") @description("Held for two reviewers.") @review("2")
    permit (principal, action, resource);
    """
    )
    decision = decide(text)
    assert decision.outcome == "review"
    assert decision.reviewers == 3
    assert decision.reasons == ("three-eyes", "two-eyes")
    assert decision.descriptions == ("Held for three reviewers.", "Held for two reviewers.")


def test_a_review_that_does_not_match_changes_nothing() -> None:
    text = PERMIT_ALL + REVIEW_BY_THREE.replace(";", ' when { context.purpose == "x" };')
    assert decide(text).outcome == "allow"


def test_deny_beats_review_and_allow() -> None:
    decision = decide(PERMIT_ALL + REVIEW_BY_THREE + FORBID_TRANSCRIBE)
    assert decision == Decision("deny", 0, ("no-transcripts",), ("Transcription is switched off.",))


def test_a_forbid_that_does_not_match_changes_nothing() -> None:
    assert decide(PERMIT_ALL + FORBID_TRANSCRIBE, action="translate").outcome == "allow"


def test_nothing_permitted_is_denied_by_default() -> None:
    decision = decide(PERMIT_ALL.replace(";", ' when { context.purpose == "x" };'))
    assert decision.outcome == "deny"
    assert decision.reasons == ("default-deny",)
    assert len(decision.descriptions) == 1
    assert "purpose" in decision.descriptions[0]


@pytest.mark.parametrize("text", ["", "// nothing but a comment\n"])
def test_an_empty_policy_set_denies_everything(text: str) -> None:
    policy = PolicySet.from_text(text)
    for action in ACTIONS:
        decision = policy.decide(make_request(action=action))
        assert (decision.outcome, decision.reasons) == ("deny", ("default-deny",))


def test_redact_output_is_reported_when_a_matching_permit_asks_for_it() -> None:
    redacting = """
    @id("redacted") @description("Allowed, with names taken out.") @redact("output")
    permit (principal, action, resource) when { context.purpose == "journalism" };
    """
    assert decide(PERMIT_ALL + redacting).redact_output is True
    assert decide(PERMIT_ALL + redacting, purpose="accessibility").redact_output is False
    assert decide(REVIEW_BY_THREE + redacting).redact_output is True
    assert decide(redacting + FORBID_TRANSCRIBE).redact_output is False


@pytest.mark.parametrize(
    ("action", "service"),
    [
        ("transcribe", "speech"),
        ("translate_speech", "speech"),
        ("translate", "translation"),
        ("detect", "detection"),
        ("redact", "redaction"),
    ],
)
def test_principal_action_and_resource_are_named_as_documented(action: str, service: str) -> None:
    text = f"""
    @id("exact") @description("Exactly this client, action and service.")
    permit (
      principal == Client::"newsroom",
      action == Action::"{action}",
      resource == Service::"{service}"
    );
    """
    assert decide(text, action=action).outcome == "allow"
    assert decide(text, action=action, client="other").outcome == "deny"


def test_every_request_field_reaches_the_policy() -> None:
    text = """
    @id("all-fields") @description("Every field has the value the request gave.")
    permit (principal, action, resource) when {
      principal.category == "ngo" &&
      principal.purposes == ["health", "rights"] &&
      principal.daily_audio_seconds == 11 &&
      context.purpose == "rights" &&
      context.audio_seconds == 12 &&
      context.characters == 13 &&
      context.volume_audio_seconds_24h == 14 &&
      context.requests_24h == 15
    };
    """
    changes: dict[str, object] = {
        "category": "ngo",
        "purposes": ("rights", "health"),
        "daily_audio_seconds": 11,
        "purpose": "rights",
        "audio_seconds": 12,
        "characters": 13,
        "volume_audio_seconds_24h": 14,
        "requests_24h": 15,
    }
    assert decide(text, **changes).outcome == "allow"
    assert decide(text, **{**changes, "requests_24h": 16}).outcome == "deny"


@pytest.mark.parametrize("client", ['quote"d', "new\nline", "ünïcode", "a::b", ""])
def test_any_client_pseudonym_is_an_entity_id(client: str) -> None:
    text = PERMIT_ALL.replace("principal,", f"principal == Client::{_cedar_string(client)},")
    assert decide(text, client=client).outcome == "allow"
    assert decide(text, client=client + "x").outcome == "deny"


def _cedar_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# Fail closed: an error anywhere denies with "policy-error".


def _is_policy_error(decision: Decision) -> bool:
    return (
        decision.outcome == "deny"
        and decision.reviewers == 0
        and decision.reasons == ("policy-error",)
        and len(decision.descriptions) == 1
        and decision.redact_output is False
    )


def test_a_forbid_that_fails_to_evaluate_denies_where_cedar_alone_would_allow() -> None:
    # Cedar skips a policy whose condition errors, so on its own it would allow this.
    overflowing = """
    @id("overflow") @description("Multiplies its way out of range.")
    forbid (principal, action, resource)
    when { context.audio_seconds * 4611686018427387904 > 0 };
    """
    assert _is_policy_error(decide(PERMIT_ALL + overflowing, audio_seconds=2))
    assert decide(PERMIT_ALL + overflowing, audio_seconds=0).outcome == "allow"


def test_a_permit_that_reads_a_missing_entity_denies() -> None:
    missing = """
    @id("ghost") @description("Reads an attribute of a client that is not in the request.")
    permit (principal, action, resource) when { Client::"ghost".category == "media" };
    """
    assert _is_policy_error(decide(PERMIT_ALL + missing))


@pytest.mark.parametrize(
    "changes",
    [
        {"action": "dance"},
        {"category": "militia"},
        {"audio_seconds": -1},
        {"characters": -5},
        {"volume_audio_seconds_24h": -3600},
        {"requests_24h": -1},
        {"daily_audio_seconds": -1},
        {"audio_seconds": True},
        {"audio_seconds": 1.5},
        {"audio_seconds": 2**63},
        {"purposes": ("journalism", 7)},
        {"purpose": None},
        {"client": None},
    ],
    ids=repr,
)
def test_a_request_that_cannot_be_encoded_denies(changes: dict[str, object]) -> None:
    assert _is_policy_error(decide(PERMIT_ALL, **changes))


def test_the_largest_cedar_number_is_still_a_number() -> None:
    assert decide(PERMIT_ALL, audio_seconds=2**63 - 1).outcome == "allow"


def test_reasons_keep_file_order_past_ten_policies() -> None:
    ids = [f"permit-{letter}" for letter in "lkjihgfedcba"]
    text = "".join(
        f'@id("{name}") @description("Permits.") permit (principal, action, resource);\n'
        for name in ids
    )
    assert decide(text).reasons == tuple(ids)


def test_a_policy_can_hold_by_the_language_of_the_speech() -> None:
    """The identified (or declared) language is in the context: a policy may act on it."""
    text = PERMIT_ALL + (
        '\n@id("french-needs-review")\n@description("French audio is reviewed first.")\n'
        '@review("1")\npermit (principal, action, resource) when { context.language == "fr" };\n'
    )
    assert decide(text, language="fr").outcome == "review"
    assert decide(text, language="es").outcome == "allow"
    assert decide(text).outcome == "allow"  # unknown language: ""
