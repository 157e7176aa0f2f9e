"""CTranslate2 engine: a real model directory and tokenizer (random weights) load and decode."""

from __future__ import annotations

from pathlib import Path

import pytest
import sentencepiece

from glassbox.errors import ConfigError, InputError
from glassbox.services.text import CTranslate2Translator, Language, Translation
from tests.services.text._tiny_model import build_model


@pytest.fixture(scope="module")
def engine(tiny_model: Path) -> CTranslate2Translator:
    return CTranslate2Translator({("en", "es"): tiny_model})


def _alphabet(model_dir: Path, name: str = "sentencepiece.model") -> set[str]:
    """Every character a decoded output can hold: the pieces', a space, and unknown's mark."""
    sp = sentencepiece.SentencePieceProcessor(model_file=str(model_dir / name))
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    return {c for p in pieces for c in p.replace("▁", " ")} | {" ", "⁇"}


def test_languages_list_the_configured_pair(engine: CTranslate2Translator) -> None:
    assert engine.languages() == [
        Language("en", "English", ("es",)),
        Language("es", "Spanish", ()),
    ]


def test_output_is_made_of_the_models_vocabulary(
    engine: CTranslate2Translator, tiny_model: Path
) -> None:
    [result] = engine.translate(["The cat sits on the mat."], "en", "es")
    assert isinstance(result, Translation)
    assert result.text.strip()
    assert set(result.text) <= _alphabet(tiny_model)
    assert result.alternatives == () and result.detected is None


def test_translation_is_deterministic(engine: CTranslate2Translator) -> None:
    texts = ["Hello world, how are you today?", "We read books."]
    assert engine.translate(texts, "en", "es") == engine.translate(texts, "en", "es")


def test_one_result_per_text_in_order_and_blank_texts_stay_blank(
    engine: CTranslate2Translator,
) -> None:
    texts = ["The cat sits.", "", "   ", "A dog runs."]
    results = engine.translate(texts, "en", "es")
    assert len(results) == 4
    assert [r.text for r in results[1:3]] == ["", "   "]
    assert results[0].text.strip() and results[3].text.strip()


def test_sentences_are_translated_apart_and_rejoined_with_their_spacing(
    engine: CTranslate2Translator,
) -> None:
    first, second, third = "The cat sits on the mat.", "A dog runs.", "Hello world"
    whole = engine.translate([f"{first}  {second}\n\n{third}"], "en", "es")[0].text
    apart = [r.text for r in engine.translate([first, second, third], "en", "es")]
    assert whole == f"{apart[0]}  {apart[1]}\n\n{apart[2]}"


def test_alternatives_are_other_renderings(engine: CTranslate2Translator) -> None:
    [result] = engine.translate(
        ["The train leaves from platform three."], "en", "es", alternatives=2
    )
    assert 1 <= len(result.alternatives) <= 2
    assert result.text not in result.alternatives
    assert all(isinstance(a, str) and a.strip() for a in result.alternatives)


def test_html_text_nodes_are_translated_and_markup_kept(engine: CTranslate2Translator) -> None:
    [result] = engine.translate(
        ['<p class="x">The cat sits.<script>alert(1)</script> <code>keep()</code></p>'],
        "en",
        "es",
        fmt="html",
    )
    assert result.text.startswith('<p class="x">') and result.text.endswith("</p>")
    assert "<code>keep()</code>" in result.text
    assert "<script" not in result.text and "alert" not in result.text
    assert "The cat" not in result.text


def test_opus_mt_layout_loads_with_source_and_target_spm(tmp_path: Path) -> None:
    model = build_model(tmp_path / "opus", layout="opus-mt", seed=1)
    engine = CTranslate2Translator({("en", "es"): model})
    [result] = engine.translate(["The cat sits on the mat."], "en", "es")
    assert result.text.strip()
    assert set(result.text) <= _alphabet(model, "target.spm")


def test_nllb_language_tokens_lead_the_source_and_the_output(tmp_path: Path) -> None:
    model = build_model(tmp_path / "nllb", layout="nllb", symbols=["eng_Latn", "spa_Latn"])
    engine = CTranslate2Translator({("en", "es"): model})
    engine.translate(["warm-up"], "en", "es")
    loaded = next(iter(engine._models.values()))
    calls = []
    real = loaded.translator

    class Recorder:
        def translate_batch(self, batch, **options):  # type: ignore[no-untyped-def]
            calls.append((batch, options))
            return real.translate_batch(batch, **options)

    loaded.translator = Recorder()  # type: ignore[assignment]
    [result] = engine.translate(["The cat sits."], "en", "es")
    [(batch, options)] = calls
    assert batch[0][0] == "eng_Latn" and batch[0][-1] == "</s>"
    assert options["target_prefix"] == [["spa_Latn"]]
    assert "spa_Latn" not in result.text


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("xx", "es", "source language 'xx'"),
        ("en", "de", "target language 'de'"),
        ("es", "es", None),
    ],
)
def test_unknown_languages_are_input_errors(
    engine: CTranslate2Translator, source: str, target: str, message: str | None
) -> None:
    if message is None:  # a known language into itself comes back unchanged
        assert engine.translate(["El gato."], source, target)[0].text == "El gato."
        return
    with pytest.raises(InputError, match=message):
        engine.translate(["The cat."], source, target)


def test_auto_with_one_source_language_means_that_language(
    engine: CTranslate2Translator,
) -> None:
    [result] = engine.translate(["The cat sits."], "auto", "es")
    assert result.detected is not None and result.detected.language == "en"


def test_missing_model_files_are_config_errors(tmp_path: Path, tiny_model: Path) -> None:
    with pytest.raises(ConfigError, match=r"translation_engine.*model\.bin"):
        CTranslate2Translator({("en", "es"): tmp_path})
    (tmp_path / "model.bin").write_bytes((tiny_model / "model.bin").read_bytes())
    with pytest.raises(ConfigError, match=r"translation_engine.*SentencePiece"):
        CTranslate2Translator({("en", "es"): tmp_path})


def test_a_corrupt_model_is_a_config_error_on_first_use(tmp_path: Path, tiny_model: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"not a model")
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "sentencepiece.model").write_bytes(
        (tiny_model / "sentencepiece.model").read_bytes()
    )
    engine = CTranslate2Translator({("en", "es"): tmp_path})
    with pytest.raises(ConfigError, match="could not be loaded"):
        engine.translate(["The cat."], "en", "es")
