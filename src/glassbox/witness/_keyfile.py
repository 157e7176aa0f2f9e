"""A witness's data directory: its cosigning key (mode 0600) and its database."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from glassbox.errors import ConfigError, FormatError
from glassbox.tlog import Cosigner

KEY_FILE = "witness.key"
DATABASE_FILE = "witness.db"


def init_witness_dir(data: Path, name: str) -> Cosigner:
    """Create `data` with a new cosigning key named `name`; refuses to replace a key."""
    data.mkdir(parents=True, exist_ok=True)
    os.chmod(data, 0o700)
    path = data / KEY_FILE
    cosigner = Cosigner.generate(name)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"{path} already exists; a witness keeps its key for life") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(cosigner.key_string() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return cosigner


def load_cosigner(data: Path) -> Cosigner:
    """Read the cosigning key; it must be readable by its owner only."""
    path = data / KEY_FILE
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigError(
            f"{path} does not exist (run `glassbox witness init --data {data} --name NAME`)"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path} is readable by others; run chmod 600 {path}")
    try:
        return Cosigner.from_key_string(path.read_text(encoding="utf-8"))
    except FormatError as exc:
        raise ConfigError(f"{path}: {exc.message}") from None
