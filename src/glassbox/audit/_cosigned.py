"""The witness check: enough of the given witnesses cosigned a checkpoint."""

from __future__ import annotations

from collections.abc import Sequence

from glassbox.errors import FormatError, InputError
from glassbox.tlog import CosignatureVerifier, Verifier, open_cosigned_checkpoint


def require_cosignatures(
    note: str, log: Verifier, witnesses: Sequence[str], quorum: int | None
) -> tuple[str, ...]:
    """The names of the witnesses whose cosignatures on `note` verify.

    Raises SignatureError naming the missing witnesses when fewer than `quorum`
    (default: all of `witnesses`) verify.  No witnesses, no check.
    """
    if not witnesses:
        if quorum:
            raise InputError("a quorum needs witness keys: pass --witness <name>+<hash>+<key>")
        return ()
    verifiers = []
    for vkey in witnesses:
        try:
            verifiers.append(CosignatureVerifier.from_key_string(vkey))
        except FormatError as exc:
            raise InputError(f"witness key {vkey!r}: {exc.message}") from None
    required = len({v.public_key for v in verifiers}) if quorum is None else quorum
    return open_cosigned_checkpoint(note, log, verifiers, quorum=required).cosigners
