"""Creating a data directory: settings, keys, the database, and the default policy."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from glassbox.core._glassbox import Glassbox
from glassbox.core._keys import HOLD_KEY_FILE, PSEUDONYM_KEY_FILE, write_private
from glassbox.errors import ConfigError
from glassbox.gateway import PublishedPolicy
from glassbox.policy import default_policy_dir
from glassbox.settings import SETTINGS_FILE, Settings, load_settings, write_settings_file
from glassbox.tlog import Signer

OPERATOR_TOKEN_PREFIX = "gbo_"
POLICY_DIR = "policy"


@dataclass(frozen=True)
class InitResult:
    settings: Settings
    verifier_key: str
    operator_token: str
    checkpoint: str
    policy_dir: Path | None
    policy: PublishedPolicy | None


def policy_dir(settings: Settings) -> Path:
    """Where the data directory keeps its policy (policy.cedar and tests.json)."""
    return settings.data_dir / POLICY_DIR


def init_data_dir(
    settings: Settings,
    *,
    signing_key: str | None = None,
    database: str | None = None,
    default_policy: bool = True,
) -> InitResult:
    """Create the data directory, settings, keys and database; sign the empty tree.

    With `default_policy` (the default) the shipped acceptable-use policy is copied
    into the directory and published as the log's first entry. Refuses to touch a
    directory that already holds a signing key or settings.
    """
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    os.chmod(data, 0o700)
    if settings.key_path.exists() or (data / SETTINGS_FILE).exists():
        raise ConfigError(f"setting 'data_dir': {data} is already initialised")
    signer = (
        Signer.from_key_string(signing_key.strip())
        if signing_key
        else Signer.generate(settings.origin)
    )
    token = OPERATOR_TOKEN_PREFIX + secrets.token_urlsafe(32)
    values: dict[str, str | int | float] = {
        "origin": signer.name,
        "operator_token_sha256": hashlib.sha256(token.encode()).hexdigest(),
    }
    if database:
        values["database"] = database
    write_settings_file(data, values)
    write_private(settings.key_path, signer.key_string() + "\n")
    write_private(data / PSEUDONYM_KEY_FILE, secrets.token_hex(32) + "\n")
    write_private(data / HOLD_KEY_FILE, secrets.token_hex(32) + "\n")
    final = load_settings({"data_dir": data})
    directory = published = None
    with Glassbox.open(final) as node:
        checkpoint = node.log.publish()
        if default_policy:
            directory = install_default_policy(final)
            published = node.publish_policy(directory)
            checkpoint = node.log.reader.checkpoint()
    return InitResult(final, signer.verifier_key(), token, checkpoint, directory, published)


def install_default_policy(settings: Settings) -> Path:
    """Copy the shipped default policy into the data directory (once); return where."""
    target = policy_dir(settings)
    if not target.exists():
        shutil.copytree(default_policy_dir(), target)
    return target
