"""Argos packages: a .argosmodel file is unpacked once and served by the CTranslate2 engine."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from glassbox.errors import ConfigError
from glassbox.services.text import ArgosTranslator, CTranslate2Translator, Language
from tests.services.text._tiny_model import build_argos_package


def test_a_package_translates_exactly_like_its_model_directory(
    tiny_package: Path, tiny_model: Path, tmp_path: Path
) -> None:
    argos = ArgosTranslator([tiny_package], cache_dir=tmp_path)
    direct = CTranslate2Translator({("en", "es"): tiny_model})
    texts = ["The cat sits on the mat.", "Hello world. We read books."]
    assert argos.name == "argos"
    assert argos.languages() == [Language("en", "English", ("es",)), Language("es", "Spanish", ())]
    assert argos.translate(texts, "en", "es") == direct.translate(texts, "en", "es")


def test_a_package_is_unpacked_once_into_the_cache(tiny_package: Path, tmp_path: Path) -> None:
    ArgosTranslator([tiny_package], cache_dir=tmp_path)
    [unpacked] = (tmp_path / "argos").iterdir()
    assert (unpacked / "metadata.json").is_file() and (unpacked / "model" / "model.bin").is_file()
    marker = unpacked / "model" / "model.bin"
    before = marker.stat().st_mtime_ns
    ArgosTranslator([tiny_package], cache_dir=tmp_path)
    assert [p.name for p in (tmp_path / "argos").iterdir()] == [unpacked.name]
    assert marker.stat().st_mtime_ns == before


def test_two_packages_make_two_pairs(tiny_model: Path, tmp_path: Path) -> None:
    forth = build_argos_package(tiny_model, tmp_path / "a.argosmodel")
    back = build_argos_package(tiny_model, tmp_path / "b.argosmodel", from_code="es", to_code="en")
    engine = ArgosTranslator([forth, back], cache_dir=tmp_path / "cache")
    assert engine.pairs() == {("en", "es"), ("es", "en")}
    assert engine.translate(["El gato."], "es", "en")[0].text.strip()


def _zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "members",
    [
        {"pkg/model/model.bin": "x"},  # no metadata.json
        {"pkg/metadata.json": json.dumps({"to_code": "es"})},  # no from_code
        {"pkg/metadata.json": json.dumps({"from_code": "../x", "to_code": "es"})},
        {"pkg/metadata.json": "{}", "other/file": "x"},  # two top-level directories
        {"pkg/../../escape.txt": "x", "pkg/metadata.json": "{}"},  # zip slip
        {"/etc/evil": "x"},
    ],
)
def test_malformed_packages_are_config_errors(tmp_path: Path, members: dict[str, str]) -> None:
    package = _zip(tmp_path / "bad.argosmodel", members)
    with pytest.raises(ConfigError, match="translation_engine"):
        ArgosTranslator([package], cache_dir=tmp_path / "cache")
    assert not (tmp_path / "escape.txt").exists()


def test_not_a_zip_or_missing_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "junk.argosmodel").write_bytes(b"not a zip")
    for package in (tmp_path / "junk.argosmodel", tmp_path / "missing.argosmodel"):
        with pytest.raises(ConfigError, match="not a readable Argos package"):
            ArgosTranslator([package], cache_dir=tmp_path)


def test_the_same_pair_twice_is_a_config_error(tiny_package: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.argosmodel"
    copy.write_bytes(tiny_package.read_bytes())
    with pytest.raises(ConfigError, match="two packages translate en to es"):
        ArgosTranslator([tiny_package, copy], cache_dir=tmp_path / "cache")
