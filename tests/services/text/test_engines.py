"""`build_translator` reads the translation_engine setting, refusing what it cannot serve."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from glassbox.errors import ConfigError
from glassbox.services.text import (
    ArgosTranslator,
    CTranslate2Translator,
    Router,
    Translator,
    UpstreamLibreTranslate,
    build_translator,
)


def test_empty_or_none_means_no_translation(tmp_path: Path) -> None:
    for setting in ("", "  ", "none", " | none"):
        assert build_translator(setting, cache_dir=tmp_path) is None


def _only(router: Router | None) -> Translator:
    assert router is not None and len(router.engines) == 1
    return router.engines[0]


def test_ct2_pairs(tiny_model: Path, tmp_path: Path) -> None:
    router = build_translator(f"ct2:en-es={tiny_model}; es-en = {tiny_model}", cache_dir=tmp_path)
    engine = _only(router)
    assert isinstance(engine, CTranslate2Translator)
    assert engine.pairs() == {("en", "es"), ("es", "en")}


def test_argos_packages_unpack_under_the_cache_dir(tiny_package: Path, tmp_path: Path) -> None:
    engine = _only(build_translator(f"argos:{tiny_package}", cache_dir=tmp_path))
    assert isinstance(engine, ArgosTranslator)
    assert (tmp_path / "argos").is_dir()


def test_libretranslate_url_and_key() -> None:
    router = build_translator("libretranslate:http://127.0.0.1:5000/?api_key=k1", cache_dir=Path())
    engine = _only(router)  # not asked for its languages until a request needs them
    assert isinstance(engine, UpstreamLibreTranslate)
    assert engine.url == "http://127.0.0.1:5000"
    assert engine._api_key == "k1"
    engine.close()


def test_auto_finds_models_placed_in_the_models_directory(
    tiny_model: Path, tiny_package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ct2 directories named for their pair and Argos package files, without configuration;
    a directory that is not a model, or a file of another kind, is passed over."""
    monkeypatch.setattr("shutil.which", lambda _: None)  # this test is not about Apertium
    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(tiny_model, models / "en-es")
    shutil.copy(tiny_package, models / "de-en.argosmodel")
    (models / "fr-en").mkdir()  # no model.bin in it
    (models / "notes.txt").write_text("not a model")
    router = build_translator("auto", cache_dir=tmp_path / "cache", models_dir=models)
    assert router is not None
    assert [e.name for e in router.engines] == ["ctranslate2", "argos"]
    assert router.route("en", "es") is not None and router.route("fr", "en") is None


def test_auto_with_nothing_installed_is_no_translation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda _: None)
    assert build_translator("auto", cache_dir=tmp_path, models_dir=tmp_path / "none") is None


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("deepl", "is not one of"),
        ("apertium:/usr/bin/apertium", "is not one of"),
        ("ct2:", "is not one of"),
        ("ct2:en-es", "source-target=/path"),
        ("ct2:english-spanish=/m", "source-target=/path"),
        ("ct2:en-es=/nonexistent/model", "holds no CTranslate2 model"),
        ("ct2:en-en=/m", "goes nowhere"),
        ("argos:/nonexistent.argosmodel", "not a readable Argos package"),
        ("libretranslate:ftp://host", "http:// or https://"),
        ("libretranslate:http://user:secret@host", "api_key="),
        ("libretranslate:http://host?token=1", "one query parameter"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(
    setting: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="translation_engine") as caught:
        build_translator(setting, cache_dir=tmp_path)
    assert message in str(caught.value)
    assert "secret" not in str(caught.value)


def test_the_key_is_hidden_in_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        build_translator("libre:http://host?api_key=hunter2", cache_dir=tmp_path)
    assert "hunter2" not in str(caught.value)
