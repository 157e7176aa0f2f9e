"""Looking entries up: one by index with its inclusion proof, or all that name a request.

`entry_at` reads the one entry bundle that holds the entry and checks the
entry's inclusion proof, built from the log's tiles, against a checkpoint signed
by the auditor's key. `find_entries` reads the whole log through `verify_log`,
so a match is an entry of the signed tree, and so is the absence of one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glassbox.audit._cosigned import Quorum, require_cosignatures
from glassbox.audit._keys import log_verifier
from glassbox.audit._sources import LogSource
from glassbox.audit._verify import Progress, Verified, verify_log
from glassbox.errors import FormatError, InputError, NotFound, TamperError
from glassbox.tlog import (
    TILE_WIDTH,
    Checkpoint,
    TileHashReader,
    decode_bundle,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    tile_width,
    verify_inclusion,
)

_COMMITMENT = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class LoggedEntry:
    """An entry of the log and where it is."""

    index: int
    entry: bytes

    def decoded(self) -> Any:
        """The entry's JSON, or None if it is not JSON (`glassbox log append` takes any bytes)."""
        try:
            return json.loads(self.entry)
        except ValueError:
            return None

    def pretty(self) -> str:
        """The entry as indented JSON, its keys in their canonical order; else its text,
        with control characters escaped (an entry never sends escapes to a terminal)."""
        decoded = self.decoded()
        if decoded is None:
            text = self.entry.decode("utf-8", errors="backslashreplace")
            return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
        return json.dumps(decoded, indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class Included:
    """An entry whose inclusion proof verified under `checkpoint`."""

    found: LoggedEntry
    checkpoint: Checkpoint
    cosigners: tuple[str, ...] = ()


def entry_at(
    source: LogSource, index: int, *, key: str | None = None, quorum: Quorum | None = None
) -> Included:
    """Entry `index` under the log's latest checkpoint, its inclusion proof verified.

    Raises NotFound if the checkpoint does not reach `index`, and a
    VerificationError if the entry served is not the one the tree holds.
    """
    vkey = key or source.verifier_key()
    if vkey is None:
        raise InputError("no verifier key: pass --key <name>+<hash>+<key> (see `glassbox log key`)")
    verifier = log_verifier(vkey)
    if index < 0:
        raise InputError(f"entry index must not be negative, got {index}")
    note = source.checkpoint()
    cp = open_checkpoint(note, verifier)
    cosigners = require_cosignatures(note, verifier, quorum or Quorum())
    if index >= cp.size:
        held = f"entries 0 to {cp.size - 1}" if cp.size else "no entries"
        raise NotFound(
            f"entry {index} is not in the log: its latest checkpoint has size {cp.size} "
            f"({held}; an entry appended since is there once a checkpoint includes it)"
        )
    bundle = index // TILE_WIDTH
    width = tile_width(0, bundle, cp.size)
    try:
        entries = decode_bundle(source.entry_bundle(bundle, width))
    except FormatError as exc:
        raise TamperError(f"entry bundle {bundle} is malformed: {exc.message}") from None
    if len(entries) != width:
        raise TamperError(f"entry bundle {bundle} holds {len(entries)} entries, not {width}")
    entry = entries[index % TILE_WIDTH]
    proof = inclusion_proof(index, cp.size, TileHashReader(source.tile, cp.size).node)
    verify_inclusion(leaf_hash(entry), index, cp.size, proof, cp.root)
    return Included(LoggedEntry(index, entry), cp, cosigners)


@dataclass(frozen=True)
class Search:
    """What `find_entries` looks for: a request id, or a commitment in any field."""

    request: str | None = None
    commitment: str | None = None

    def __post_init__(self) -> None:
        if (self.request is None) == (self.commitment is None):
            raise InputError("give exactly one of --request ID and --commitment sha256:<hex>")
        if self.commitment is not None and not _COMMITMENT.fullmatch(self.commitment):
            raise InputError(
                f"commitment {self.commitment!r} is not sha256: and 64 lower-case hex digits"
            )

    def describe(self) -> str:
        return f"request {self.request}" if self.request is not None else str(self.commitment)

    def matches(self, entry: bytes) -> bool:
        wanted = self.request if self.request is not None else self.commitment
        # Canonical JSON writes the value exactly so: a cheap test before parsing.
        if json.dumps(wanted, ensure_ascii=False).encode() not in entry:
            return False
        decoded = LoggedEntry(0, entry).decoded()
        if not isinstance(decoded, dict):
            return False
        if self.request is not None:
            return decoded.get("request") == self.request
        return wanted in decoded.values()


def find_entries(
    source: LogSource,
    search: Search,
    *,
    key: str | None = None,
    cache: Path | None = None,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
) -> tuple[Verified, list[LoggedEntry]]:
    """Every entry matching `search`, in log order, read while the whole log is verified."""
    found: dict[int, bytes] = {}

    def visit(first: int, entries: list[bytes]) -> None:
        for n, entry in enumerate(entries):
            if search.matches(entry):
                found[first + n] = entry

    verified = verify_log(source, key=key, cache=cache, progress=progress, warn=warn, visit=visit)
    size = verified.checkpoint.size
    matches = [LoggedEntry(i, e) for i, e in sorted(found.items()) if i < size]
    return verified, matches
