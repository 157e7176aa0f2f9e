"""Where an auditor's command reads a log from: a URL, or a local data directory."""

from __future__ import annotations

from pathlib import Path

from glassbox.audit import HttpSource, LogSource
from glassbox.core._keys import load_signer
from glassbox.errors import NotFound
from glassbox.settings import SETTINGS_FILE, Settings, load_settings


def open_source(log: str) -> LogSource:
    """A URL opens an HTTP source (C2SP tlog-tiles); anything else must be a data directory.

    A data directory is read from its database, with its own verifier key.
    """
    if log.startswith(("http://", "https://")):
        return HttpSource(log)
    path = Path(log)
    if not (path / SETTINGS_FILE).is_file():
        raise NotFound(f"{log} is neither an http(s) URL nor a Glassbox data directory")
    return node_source(load_settings({"data_dir": path}))


def node_source(settings: Settings) -> LogSource:
    """The log of the node `settings` describe, read from its database, with its own key."""
    from glassbox.store import connect  # a database only for a data directory
    from glassbox.tlog.server import LocalLog

    verifier_key = load_signer(settings).verifier_key()
    return LocalLog(str(settings.data_dir), connect(settings.database), verifier_key)
