"""The data directory's secrets: the log's signing key, the pseudonym key, the hold key.

Each is a file readable by its owner only, written once by `init_data_dir`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from glassbox.errors import ConfigError, FormatError
from glassbox.settings import Settings
from glassbox.tlog import Signer

PSEUDONYM_KEY_FILE = "pseudonym.key"
HOLD_KEY_FILE = "hold.key"


def load_signer(settings: Settings) -> Signer:
    """Read the log's note signing key; it must be readable by its owner only."""
    path = settings.key_path
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigError(
            f"setting 'signing_key_file': {path} does not exist (run `glassbox init`)"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"setting 'signing_key_file': {path} is readable by others; run chmod 600 {path}"
        )
    try:
        signer = Signer.from_key_string(path.read_text(encoding="utf-8").strip())
    except FormatError as exc:
        raise ConfigError(f"setting 'signing_key_file': {path}: {exc.message}") from None
    if signer.name != settings.origin:
        raise ConfigError(
            f"setting 'origin' is {settings.origin!r} but the signing key is named "
            f"{signer.name!r}; they must be equal"
        )
    return signer


def load_pseudonym_key(settings: Settings) -> bytes:
    """The secret that turns client and reviewer names into the pseudonyms the log shows."""
    return _load_secret(settings, PSEUDONYM_KEY_FILE)


def load_hold_key(settings: Settings) -> bytes:
    """The key that encrypts held payloads and results at rest."""
    return _load_secret(settings, HOLD_KEY_FILE)


def _load_secret(settings: Settings, name: str) -> bytes:
    path = settings.data_dir / name
    try:
        return bytes.fromhex(path.read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        raise ConfigError(
            f"setting 'data_dir': {path} is missing (run `glassbox init`, or copy it from "
            "the data directory of another replica)"
        ) from None
    except ValueError:
        raise ConfigError(f"setting 'data_dir': {path} is not a hex key") from None


def write_private(path: Path, text: str) -> None:
    """Create `path` readable by its owner only; refuse to overwrite anything."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
