"""Monitoring a log: each new checkpoint must extend the last one seen, and carry its witnesses.

`watch_log` is the cheap, repeated check: the checkpoint's signature, then a
consistency proof built from the log's tiles between the checkpoint remembered
in the state file and the new one.  A rollback, a fork at the same size or a
proof that does not verify stops it with the evidence: both checkpoints, and
the proof.  Both it and `verify_log` check witnesses with `require_cosignatures`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from glassbox.audit._keys import log_verifier
from glassbox.audit._sources import LogSource
from glassbox.audit._state import AuditState, load_state, save_state
from glassbox.audit._verify import Verified, _check_consistent, _check_not_rolled_back
from glassbox.errors import FetchError, InputError, NotFound
from glassbox.tlog import open_checkpoint


def check_checkpoint(
    source: LogSource, *, key: str | None = None, state: AuditState | None = None
) -> Verified:
    """Verify the current checkpoint and its consistency with `state` (via tiles)."""
    vkey = key or (state.key if state else None) or source.verifier_key()
    if vkey is None:
        raise InputError("no verifier key: pass --key <name>+<hash>+<key> (see `glassbox log key`)")
    verifier = log_verifier(vkey)
    note = source.checkpoint()
    cp = open_checkpoint(note, verifier)
    if state is not None:
        _check_not_rolled_back(state, cp, note)
        if state.size > 0:
            _check_consistent(source, state, cp, note)
    return Verified(cp, note, vkey)


def watch_log(
    source: LogSource,
    *,
    state_path: Path,
    key: str | None = None,
    interval: float = 60.0,
    max_checks: int | None = None,
    report: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Check the log every `interval` seconds, `max_checks` times (default: forever).

    After each consistent checkpoint the state file is replaced atomically.  An
    inconsistency or rollback raises ConsistencyError carrying the evidence; a
    log that cannot be fetched is reported and checked again next time (unless
    it was the last check).  Returns the number of checks made.
    """
    checks = 0
    while max_checks is None or checks < max_checks:
        if checks:
            sleep(interval)
        checks += 1
        state = load_state(state_path)
        try:
            result = check_checkpoint(source, key=key, state=state)
        except (FetchError, NotFound) as exc:
            if max_checks is not None and checks >= max_checks:
                raise
            report(f"WARN check {checks}: {exc.message}")
            continue
        cp = result.checkpoint
        if state is None or cp.size != state.size or result.note != state.checkpoint:
            save_state(state_path, result.state())
        since = "first check" if state is None else f"consistent with size {state.size}"
        report(f"{result.summary()} ({since})")
    return checks
