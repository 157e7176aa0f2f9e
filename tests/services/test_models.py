"""Model settings: the bundled tiny.en, and `whisper_models` naming CTranslate2 directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glassbox.errors import ConfigError
from glassbox.services import DEFAULT_MODEL, ModelSpec, bundled_models, parse_model_setting


def _model_dir(path: Path, *, sot: int | None) -> Path:
    """A directory shaped like a CTranslate2 Whisper model (the weights are not real)."""
    path.mkdir(parents=True)
    (path / "model.bin").write_bytes(b"")
    (path / "config.json").write_text("{}")
    added = [] if sot is None else [{"id": sot, "content": "<|startoftranscript|>"}]
    (path / "tokenizer.json").write_text(json.dumps({"added_tokens": added}))
    return path


def test_bundled_model_is_english_only_tiny() -> None:
    models = bundled_models()
    assert list(models) == [DEFAULT_MODEL] == ["tiny.en"]
    spec = models["tiny.en"]
    assert spec.multilingual is False
    assert (spec.path / "model.bin").is_file()


def test_parse_names_and_paths(tmp_path: Path) -> None:
    small = _model_dir(tmp_path / "small", sot=50258)
    base_en = _model_dir(tmp_path / "base.en", sot=50257)
    value = f" small = {small} ; base.en={base_en};"
    assert parse_model_setting(value) == {
        "small": ModelSpec("small", small, multilingual=True),
        "base.en": ModelSpec("base.en", base_en, multilingual=False),
    }


def test_multilingual_comes_from_the_tokenizer_before_the_name(tmp_path: Path) -> None:
    odd = _model_dir(tmp_path / "odd", sot=50258)
    assert parse_model_setting(f"custom.en={odd}")["custom.en"].multilingual is True


@pytest.mark.parametrize(("name", "multilingual"), [("mine.en", False), ("mine", True)])
def test_name_decides_when_the_tokenizer_cannot(
    tmp_path: Path, name: str, multilingual: bool
) -> None:
    path = _model_dir(tmp_path / "m", sot=None)
    assert parse_model_setting(f"{name}={path}")[name].multilingual is multilingual


def test_bundled_tokenizer_is_detected_english_only() -> None:
    path = bundled_models()["tiny.en"].path
    assert parse_model_setting(f"renamed={path}")["renamed"].multilingual is False


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "names no models"),
        (" ; ", "names no models"),
        ("tiny.en", "not of the form name=/path"),
        ("=/models/tiny", "not of the form name=/path"),
        ("tiny.en=", "not of the form name=/path"),
        ("my model={good}", "not of the form name=/path"),
        ("a={good};a={good}", "names model 'a' twice"),
        ("a={missing}", "does not exist"),
        ("a={bare}", "has no model.bin"),
        ("a={broken}", "unreadable tokenizer.json"),
    ],
)
def test_bad_settings_name_the_setting(tmp_path: Path, value: str, message: str) -> None:
    good = _model_dir(tmp_path / "good", sot=50258)
    bare = tmp_path / "bare"
    bare.mkdir()
    broken = _model_dir(tmp_path / "broken", sot=None)
    (broken / "tokenizer.json").write_text("{not json")
    value = value.format(good=good, missing=tmp_path / "missing", bare=bare, broken=broken)
    with pytest.raises(ConfigError, match=message) as caught:
        parse_model_setting(value)
    assert "'whisper_models'" in caught.value.message
