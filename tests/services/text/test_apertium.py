"""Apertium: real rule-based translation through Debian's apertium and apertium-eng-spa."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from glassbox.errors import ConfigError, InputError, Overloaded
from glassbox.services.text import ApertiumTranslator, Router, build_translator


def _missing() -> str | None:
    if shutil.which("apertium") is None:
        return "the apertium program is not installed (Debian: apertium)"
    modes = subprocess.run(["apertium", "-l"], capture_output=True, text=True).stdout.split()
    if "eng-spa" not in modes or "spa-eng" not in modes:
        return "the English-Spanish pair is not installed (Debian: apertium-eng-spa)"
    return None


@pytest.fixture(scope="module")
def apertium() -> ApertiumTranslator:
    reason = _missing()
    if reason:
        if os.environ.get("GLASSBOX_REQUIRE_APERTIUM"):
            pytest.fail(reason)
        print(f"skipping Apertium tests: {reason}")
        pytest.skip(reason)
    return ApertiumTranslator()


def test_lists_installed_pairs_by_iso_639_1_code(apertium: ApertiumTranslator) -> None:
    codes = {lang.code: lang for lang in apertium.languages()}
    assert "es" in codes["en"].targets and "en" in codes["es"].targets
    assert codes["es"].name == "Spanish"


def test_translates_english_to_spanish_and_back(apertium: ApertiumTranslator) -> None:
    there = apertium.translate(["The cat is black.", "", "Where is the library?"], "en", "es")
    assert len(there) == 3 and there[1].text == ""
    assert "gato" in there[0].text and "negro" in there[0].text
    assert "biblioteca" in there[2].text
    [back] = apertium.translate(["El perro duerme en la casa."], "es", "en")
    assert "dog" in back.text and "house" in back.text


def _runs(apertium: ApertiumTranslator, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    runs: list[str] = []
    run = apertium._run

    def counting_run(args: list[str], text: str) -> str:
        runs.append(text)
        return run(args, text)

    monkeypatch.setattr(apertium, "_run", counting_run)
    return runs


@pytest.mark.parametrize(
    ("texts", "runs"),
    [
        (["  The house is big. ", "is black", "Where is the\n\nstation?"], 1),
        (["The house", "[[gbxq1]] cat"], 2),  # a text holding a marker: one run each
    ],
)
def test_a_batch_translates_as_its_texts_do_one_by_one(
    apertium: ApertiumTranslator, monkeypatch: pytest.MonkeyPatch, texts: list[str], runs: int
) -> None:
    alone = [apertium.translate([text], "en", "es")[0].text for text in texts]
    counted = _runs(apertium, monkeypatch)
    assert [t.text for t in apertium.translate(texts, "en", "es")] == alone
    assert len(counted) == runs
    assert alone[0].startswith("  ") == texts[0].startswith("  ")


def test_auto_detects_among_its_source_languages(apertium: ApertiumTranslator) -> None:
    [result] = apertium.translate(["El gato es negro y el perro es blanco."], "auto", "en")
    assert result.detected is not None and result.detected.language == "es"
    assert "cat" in result.text


def test_html_keeps_markup_and_drops_scripts(apertium: ApertiumTranslator) -> None:
    [result] = apertium.translate(
        ['<p onmouseover="steal()">The <b>cat</b> is black.</p><script>alert(1)</script>'],
        "en",
        "es",
        fmt="html",
    )
    assert result.text.startswith("<p>") and "<b>gato</b>" in result.text
    assert "script" not in result.text and "steal" not in result.text


def test_unknown_pair_is_an_input_error(apertium: ApertiumTranslator) -> None:
    with pytest.raises(InputError, match="target language 'de'"):
        apertium.translate(["Hello"], "en", "de")
    with pytest.raises(InputError, match="source language 'xx'"):
        apertium.translate(["Hello"], "xx", "es")


def test_chosen_by_the_setting(apertium: ApertiumTranslator, tmp_path: Path) -> None:
    router = build_translator("apertium", cache_dir=tmp_path)
    assert router is not None
    assert [type(engine) for engine in router.engines] == [ApertiumTranslator]


@pytest.fixture(scope="module")
def pivoting(apertium: ApertiumTranslator) -> Router:
    """Every engine found: Apertium's pairs, French-Spanish among them."""
    if ("fr", "es") not in apertium.pairs():
        reason = "the French-Spanish pair is not installed (Debian: apertium-fr-es)"
        if os.environ.get("GLASSBOX_REQUIRE_APERTIUM"):
            pytest.fail(reason)
        pytest.skip(reason)
    router = build_translator("auto", cache_dir=Path("/nonexistent"))
    assert router is not None
    return router


def test_french_into_english_goes_through_spanish(pivoting: Router) -> None:
    route = pivoting.route("fr", "en")
    assert route is not None and [str(hop) for hop in route] == [
        "apertium:fr-es",
        "apertium:es-en",
    ]
    [result] = pivoting.translate(["Le chat est sur la table."], "fr", "en")
    assert "cat" in result.text.lower() and "table" in result.text.lower()
    assert result.route == ("apertium:fr-es", "apertium:es-en")


def test_languages_list_what_a_pivot_reaches(pivoting: Router) -> None:
    targets = {lang.code: lang.targets for lang in pivoting.languages()}
    assert "en" in targets["fr"] and "fr" in targets["en"]  # en -> es -> fr too
    assert "fr" not in targets["fr"]  # a language is not its own target


def test_a_direct_pair_is_not_pivoted(pivoting: Router) -> None:
    [result] = pivoting.translate(["Good morning"], "en", "es")
    assert result.route == ("apertium:en-es",)


def test_auto_detects_per_text_and_routes_each(pivoting: Router) -> None:
    texts = ["Le chat est sur la table et le chien dort.", "The weather is good today."]
    french, english = pivoting.translate(texts, "auto", "es")
    assert french.detected is not None and french.detected.language == "fr"
    assert english.detected is not None and english.detected.language == "en"
    assert french.route == ("apertium:fr-es",) and english.route == ("apertium:en-es",)


def test_no_route_is_a_clear_input_error(pivoting: Router) -> None:
    with pytest.raises(InputError, match="target language 'xx'"):
        pivoting.translate(["Hello"], "en", "xx")
    with pytest.raises(InputError, match="source language 'zz'"):
        pivoting.translate(["Hello"], "zz", "en")


def _fake_apertium(tmp_path: Path, body: str) -> Path:
    program = tmp_path / "apertium"
    program.write_text(f'#!/bin/sh\nif [ "$1" = -l ]; then echo "  eng-spa"; exit 0; fi\n{body}\n')
    program.chmod(0o755)
    return program


def test_a_run_past_the_timeout_is_killed_and_overloaded(tmp_path: Path) -> None:
    engine = ApertiumTranslator(program=str(_fake_apertium(tmp_path, "sleep 30")), timeout=0.5)
    started = time.monotonic()
    with pytest.raises(Overloaded, match=r"longer than 0\.5 s"):
        engine.translate(["Hello"], "en", "es")
    assert time.monotonic() - started < 5


def test_a_failing_run_is_a_config_error(tmp_path: Path) -> None:
    engine = ApertiumTranslator(program=str(_fake_apertium(tmp_path, "echo broken >&2; exit 3")))
    with pytest.raises(ConfigError, match=r"exit 3\): broken"):
        engine.translate(["Hello"], "en", "es")


def test_no_program_or_no_pair_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"translation_engine.*not installed"):
        ApertiumTranslator(program=str(tmp_path / "nowhere"))
    empty = tmp_path / "empty"
    empty.write_text("#!/bin/sh\nexit 0\n")
    empty.chmod(0o755)
    with pytest.raises(ConfigError, match="no language pair installed"):
        ApertiumTranslator(program=str(empty))
