"""A policy set is refused when it is loaded unless it parses, validates and is annotated."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from glassbox.errors import InputError, PolicyError
from glassbox.policy import PolicySet, default_policy_dir, load_policy_dir

from ._support import PERMIT_ALL, make_request


def refused(text: str, tests: str | None = None) -> str:
    with pytest.raises(PolicyError) as caught:
        PolicySet.from_text(text, tests)
    return caught.value.message


def test_policy_errors_are_input_errors_with_a_stable_code() -> None:
    assert issubclass(PolicyError, InputError)
    assert PolicyError.code == "invalid_policy"


def test_text_that_does_not_parse_is_refused() -> None:
    message = refused(PERMIT_ALL + "permit (principal, action, resource) when { x };")
    assert "policy.cedar" in message
    assert "does not parse" in message


def test_an_unknown_attribute_is_refused_naming_the_policy() -> None:
    text = (
        PERMIT_ALL
        + """
    @id("typo") @description("Misspells an attribute.")
    permit (principal, action, resource) when { principal.categroy == "media" };
    """
    )
    message = refused(text)
    assert "'typo'" in message
    assert "categroy" in message
    assert "schema" in message


def test_an_unknown_action_is_refused_naming_the_policy() -> None:
    text = """
    @id("flying") @description("An action Glassbox does not have.")
    permit (principal, action == Action::"fly", resource);
    """
    assert "'flying'" in refused(text)


def test_a_type_error_is_refused_naming_the_policy() -> None:
    text = """
    @id("mixed") @description("Compares seconds with text.")
    forbid (principal, action, resource) when { context.audio_seconds > "long" };
    """
    assert "'mixed'" in refused(text)


def test_a_policy_without_id_is_refused_naming_its_position() -> None:
    text = PERMIT_ALL + '@description("No name.")\npermit (principal, action, resource);'
    message = refused(text)
    assert "policy #2" in message
    assert "@id" in message


@pytest.mark.parametrize("annotation", ["@id", '@id("")'])
def test_an_empty_id_is_refused(annotation: str) -> None:
    assert "@id" in refused(f'{annotation} @description("d") permit (principal, action, resource);')


def test_a_duplicate_id_is_refused_naming_it() -> None:
    message = refused(PERMIT_ALL + PERMIT_ALL)
    assert "'anything'" in message
    assert "more than one" in message


@pytest.mark.parametrize("reserved", ["default-deny", "policy-error"])
def test_the_engine_own_reasons_cannot_be_used_as_ids(reserved: str) -> None:
    assert repr(reserved) in refused(PERMIT_ALL.replace("anything", reserved))


@pytest.mark.parametrize(
    "description", ["", "@description", '@description("")', '@description("  ")']
)
def test_a_policy_without_description_is_refused_naming_it(description: str) -> None:
    message = refused(f'@id("quiet") {description} permit (principal, action, resource);')
    assert "'quiet'" in message
    assert "@description" in message


@pytest.mark.parametrize("value", ["0", "-1", "two", "2.5", " 2", "02", "", "1234567"])
def test_review_must_be_a_positive_whole_number(value: str) -> None:
    message = refused(PERMIT_ALL.replace(")\npermit", f')\n@review("{value}")\npermit'))
    assert "'anything'" in message
    assert "@review" in message


def test_bare_review_is_refused() -> None:
    assert "@review" in refused(PERMIT_ALL.replace(")\npermit", ")\n@review\npermit"))


def test_review_on_a_forbid_is_refused() -> None:
    text = '@id("odd") @description("d") @review("2") forbid (principal, action, resource);'
    assert "'odd'" in refused(text)


def test_only_output_can_be_redacted() -> None:
    assert "@redact" in refused(PERMIT_ALL.replace(")\npermit", ')\n@redact("input")\npermit'))
    policy = PolicySet.from_text(PERMIT_ALL.replace(")\npermit", ')\n@redact("output")\npermit'))
    assert policy.decide(make_request()).redact_output is True


def test_a_misspelt_annotation_is_refused_rather_than_ignored() -> None:
    message = refused(PERMIT_ALL.replace(")\npermit", ')\n@reveiw("2")\npermit'))
    assert "'anything'" in message
    assert "@reveiw" in message


def test_templates_are_refused() -> None:
    text = '@id("slot") @description("d") permit (principal == ?principal, action, resource);'
    assert "'slot'" in refused(text)


def test_the_hash_is_sha256_of_the_text_and_stable() -> None:
    first = PolicySet.from_text(PERMIT_ALL)
    assert first.hash == "sha256:" + hashlib.sha256(PERMIT_ALL.encode()).hexdigest()
    assert PolicySet.from_text(PERMIT_ALL).hash == first.hash
    assert PolicySet.from_text(PERMIT_ALL + "\n").hash != first.hash
    assert PolicySet.from_text(PERMIT_ALL, "[]").hash == first.hash  # tests are not hashed
    assert first.text == PERMIT_ALL
    assert first.tests is None


# Test files are checked when the policy is loaded.


REQUEST: dict[str, object] = {
    "client": "newsroom",
    "category": "media",
    "purposes": ["journalism"],
    "daily_audio_seconds": 3600,
    "action": "transcribe",
    "purpose": "journalism",
}


def case(**changes: object) -> dict[str, object]:
    item: dict[str, object] = {
        "name": "newsroom transcribes",
        "request": REQUEST,
        "expect": "allow",
    }
    item.update(changes)
    return item


def asking(**changes: object) -> dict[str, object]:
    """A case whose request has `changes` applied."""
    request = dict(REQUEST)
    request.update(changes)
    return case(request=request)


def test_a_well_formed_test_file_is_kept_verbatim() -> None:
    tests = json.dumps([case()])
    assert PolicySet.from_text(PERMIT_ALL, tests).tests == tests


@pytest.mark.parametrize(
    ("tests", "complaint"),
    [
        ("not json", "not valid JSON"),
        ('{"name": "x"}', "list"),
        (json.dumps([case(), case()]), "earlier case"),
        (json.dumps([case(expect="maybe")]), "expect"),
        (json.dumps([case(expected="allow")]), "expected"),
        (json.dumps([case(name="")]), "name"),
        (json.dumps([case(reasons="anything")]), "reasons"),
        (json.dumps([case(reviewers="2")]), "reviewers"),
        (json.dumps([case(request={"client": "x"})]), "lacks"),
        (json.dumps([asking(colour="red")]), "colour"),
        (json.dumps([asking(purposes="journalism")]), "purposes"),
        (json.dumps([asking(audio_seconds="60")]), "audio_seconds"),
        (json.dumps([asking(audio_seconds=True)]), "audio_seconds"),
        (json.dumps([asking(client=5)]), "client"),
    ],
)
def test_a_malformed_test_file_is_refused(tests: str, complaint: str) -> None:
    message = refused(PERMIT_ALL, tests)
    assert "tests.json" in message
    assert complaint in message


# Policy directories.


def test_load_policy_dir_reads_the_policy_and_its_tests(tmp_path: Path) -> None:
    (tmp_path / "policy.cedar").write_text(PERMIT_ALL, encoding="utf-8")
    (tmp_path / "tests.json").write_text(json.dumps([case()]), encoding="utf-8")
    policy = load_policy_dir(tmp_path)
    assert policy.text == PERMIT_ALL
    assert policy.tests == json.dumps([case()])
    assert policy.hash == PolicySet.from_text(PERMIT_ALL).hash


def test_tests_are_optional(tmp_path: Path) -> None:
    (tmp_path / "policy.cedar").write_text(PERMIT_ALL, encoding="utf-8")
    assert load_policy_dir(tmp_path).tests is None


def test_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"policy\.cedar: no such file"):
        load_policy_dir(tmp_path)
    (tmp_path / "policy.cedar").write_bytes(b"\xff\xfe")
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy_dir(tmp_path)
    (tmp_path / "policy.cedar").write_text(PERMIT_ALL + PERMIT_ALL, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy_dir(tmp_path)
    assert str(tmp_path / "policy.cedar") in caught.value.message
    (tmp_path / "policy.cedar").write_text(PERMIT_ALL, encoding="utf-8")
    (tmp_path / "tests.json").write_text("[", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy_dir(tmp_path)
    assert str(tmp_path / "tests.json") in caught.value.message


def test_the_default_policy_loads() -> None:
    policy = load_policy_dir(default_policy_dir())
    assert policy.hash.startswith("sha256:")
    assert policy.tests is not None
