"""A Glassbox node: the data directory, its signing key, and the running log parts.

`init_data_dir` creates a data directory; `Node.open` wires the engine, the
sequencer, the integrator and the reader for a server or a CLI command.
"""

from __future__ import annotations

import gc
import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from glassbox.errors import ConfigError, FormatError
from glassbox.settings import SETTINGS_FILE, Settings, load_settings, write_settings_file
from glassbox.store import connect, migrate
from glassbox.tlog import Signer
from glassbox.tlog.server import Integrator, LogReader, Sequencer, WitnessSubmitter

OPERATOR_TOKEN_PREFIX = "gbo_"


def tune_gc_for_serving() -> None:
    """Set the garbage collector up for a long-running server, once start-up is done.

    What is loaded by then (modules, models, the app) lives as long as the process:
    frozen, collections stop walking it again and again. Under load each request
    leaves a few short-lived containers (an append's receipt, say); collecting the
    youngest generation every 10,000 of them instead of every 700 costs far less.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


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


PSEUDONYM_KEY_FILE = "pseudonym.key"
HOLD_KEY_FILE = "hold.key"


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


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


@dataclass(frozen=True)
class InitResult:
    settings: Settings
    verifier_key: str
    operator_token: str | None
    checkpoint: str


def init_data_dir(
    settings: Settings, *, signing_key: str | None = None, database: str | None = None
) -> InitResult:
    """Create the data directory, settings, signing key and database; sign the empty tree.

    Refuses to touch a directory that already holds a signing key.
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
    origin = signer.name
    token = OPERATOR_TOKEN_PREFIX + secrets.token_urlsafe(32)
    values: dict[str, str | int | float] = {
        "origin": origin,
        "operator_token_sha256": hashlib.sha256(token.encode()).hexdigest(),
    }
    if database:
        values["database"] = database
    write_settings_file(data, values)
    _write_private(settings.key_path, signer.key_string() + "\n")
    _write_private(data / PSEUDONYM_KEY_FILE, secrets.token_hex(32) + "\n")
    _write_private(data / HOLD_KEY_FILE, secrets.token_hex(32) + "\n")
    final = load_settings({"data_dir": data})
    node = Node.open(final)
    try:
        checkpoint = node.integrator.integrate_all() or node.reader.checkpoint()
    finally:
        node.close()
    return InitResult(final, signer.verifier_key(), token, checkpoint)


class Node:
    """The log parts of one process, built from settings; close() when done."""

    def __init__(self, settings: Settings, engine: Engine, signer: Signer) -> None:
        self.settings = settings
        self.engine = engine
        self.signer = signer
        self.reader = LogReader(engine)
        self.integrator = Integrator(engine, signer)
        self._sequencer: Sequencer | None = None
        self._witnessing: WitnessSubmitter | None = None  # witnesses

    @classmethod
    def open(cls, settings: Settings) -> Node:
        signer = load_signer(settings)
        engine = connect(settings.database)
        migrate(engine)
        return cls(settings, engine, signer)

    @property
    def sequencer(self) -> Sequencer:
        if self._sequencer is None:
            self._sequencer = Sequencer(
                self.engine,
                batch_max=self.settings.append_batch_max,
                queue_max=self.settings.append_queue_max,
                written=self.integrator.written,
            )
        return self._sequencer

    def start_background(self) -> None:
        """Start integrating every `checkpoint_interval` seconds (and witnessing, if configured)."""
        self.integrator.start(self.settings.checkpoint_interval)
        self._witnessing = WitnessSubmitter.start(  # witnesses: cosign each new checkpoint
            self.engine, self.settings.witnesses, self.settings.checkpoint_interval
        )

    def close(self) -> None:
        if self._sequencer is not None:
            self._sequencer.close()
        self.integrator.stop()
        if self._witnessing is not None:  # witnesses
            self._witnessing.stop()
        self.engine.dispose()
