"""Redaction: each kind of personal data it claims is found, replaced, and located exactly."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from glassbox.errors import ConfigError, InputError
from glassbox.services.text import Entity, Redactor

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
def spacy_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A spaCy pipeline directory whose entity recognizer is a fixed list of names and places.

    No trained spaCy model can be installed offline here; this one exercises the
    same loading path (spacy.load of a directory) with predictable entities.
    """
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(  # type: ignore[attr-defined]
        [
            {"label": "PERSON", "pattern": "Ada Lovelace"},
            {"label": "GPE", "pattern": "London"},
            {"label": "LOC", "pattern": "the Thames"},
        ]
    )
    path = tmp_path_factory.mktemp("spacy") / "en_example_ner"
    nlp.to_disk(path)
    return path


def test_with_a_spacy_pipeline_names_and_places_are_found(spacy_pipeline: Path) -> None:
    redactor = Redactor(spacy_model=str(spacy_pipeline))
    text = "Ada Lovelace walked along the Thames in London; write to ada@example.com."
    result = redactor.redact(text)
    assert result.detectors == ("patterns", "spacy:en_example_ner")
    assert [(e.type, text[e.start : e.end]) for e in result.entities] == [
        ("PERSON", "Ada Lovelace"),
        ("LOCATION", "the Thames"),
        ("LOCATION", "London"),
        ("EMAIL_ADDRESS", "ada@example.com"),
    ]
    assert (
        result.text == "<PERSON> walked along <LOCATION> in <LOCATION>; write to <EMAIL_ADDRESS>."
    )


def test_the_spacy_pipeline_runs_only_for_its_language(spacy_pipeline: Path) -> None:
    result = Redactor(spacy_model=str(spacy_pipeline)).redact("Ada Lovelace", language="de")
    assert result.detectors == ("patterns",) and result.entities == ()


def test_a_spacy_model_that_is_not_installed_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"redaction_spacy_model.*never downloaded"):
        Redactor(spacy_model="xx_not_installed_sm")
