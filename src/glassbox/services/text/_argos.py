"""Argos Translate packages (.argosmodel files), read from disk, never downloaded.

A package is a zip archive of one directory holding `metadata.json`
(`from_code`, `to_code`), a CTranslate2 model in `model/` and
`sentencepiece.model`. Each file is unpacked once into the cache directory,
under a name derived from its path, size and modification time, and then
served by the CTranslate2 engine.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from glassbox.errors import ConfigError

from ._ct2 import SETTING, CTranslate2Translator

# A package larger than this when unpacked is refused (the largest Argos models are ~0.5 GB).
MAX_UNPACKED_BYTES = 4 * 1024**3


class ArgosTranslator(CTranslate2Translator):
    """Translates with Argos Translate package files, one language pair each.

    `packages` are paths to `.argosmodel` files; `cache_dir` is where they
    are unpacked (created if needed). Raises `ConfigError` naming the setting
    for a missing, malformed or duplicate package.
    """

    name = "argos"

    def __init__(
        self,
        packages: Iterable[Path],
        *,
        cache_dir: Path,
        compute_type: str = "int8",
        cpu_threads: int = 0,
        beam_size: int = 2,
        max_concurrent: int = 2,
        queue_timeout: float = 30.0,
    ) -> None:
        pairs: dict[tuple[str, str], Path] = {}
        for package in packages:
            pair, directory = unpack(Path(package), Path(cache_dir))
            if pair in pairs:
                raise ConfigError(
                    f"setting {SETTING!r}: two packages translate {pair[0]} to {pair[1]}"
                )
            pairs[pair] = directory
        super().__init__(
            pairs,
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            beam_size=beam_size,
            max_concurrent=max_concurrent,
            queue_timeout=queue_timeout,
        )


def unpack(package: Path, cache_dir: Path) -> tuple[tuple[str, str], Path]:
    """Unpack `package` under `cache_dir` (unless done before): its (from, to) and directory."""
    try:
        stat = package.stat()
        with zipfile.ZipFile(package) as archive:
            root = _root(archive, package)
            metadata = json.loads(archive.read(f"{root}/metadata.json"))
            pair = (_code(metadata, "from_code"), _code(metadata, "to_code"))
            key = hashlib.sha256(
                f"{package.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()
            ).hexdigest()[:16]
            target = cache_dir / "argos" / f"{pair[0]}_{pair[1]}-{key}"
            if not target.is_dir():
                _extract(archive, root, target)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ConfigError(
            f"setting {SETTING!r}: {package} is not a readable Argos package ({exc})"
        ) from exc
    return pair, target


def _root(archive: zipfile.ZipFile, package: Path) -> str:
    """The one top-level directory every member lives in, refusing unsafe member names."""
    roots = set()
    total = 0
    for info in archive.infolist():
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts or "\\" in info.filename:
            raise ValueError(f"unsafe member name {info.filename!r}")
        roots.add(path.parts[0])
        total += info.file_size
    if len(roots) != 1:
        raise ValueError("a package holds exactly one top-level directory")
    if total > MAX_UNPACKED_BYTES:
        raise ValueError(f"it unpacks to {total} bytes, more than {MAX_UNPACKED_BYTES}")
    return roots.pop()


def _code(metadata: object, key: str) -> str:
    code = metadata.get(key) if isinstance(metadata, dict) else None
    if not isinstance(code, str) or not code.isascii() or not code.replace("_", "").isalnum():
        raise ValueError(f"metadata.json has no usable {key!r}")
    return code


def _extract(archive: zipfile.ZipFile, root: str, target: Path) -> None:
    """Extract into a fresh directory beside `target`, then rename it into place.

    Processes starting together may race: the loser's rename fails and its copy
    is removed, leaving the winner's.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target.parent))
    try:
        archive.extractall(staging)
        try:
            os.rename(staging / root, target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
