"""The witness check: enough of the given witnesses cosigned a checkpoint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from glassbox.audit._keys import witness_verifier
from glassbox.errors import InputError
from glassbox.tlog import CosignatureVerifier, Verifier, open_cosigned_checkpoint


@dataclass(frozen=True)
class Quorum:
    """The witnesses an auditor trusts and how many of them must have cosigned."""

    witnesses: tuple[CosignatureVerifier, ...] = ()
    required: int = 0

    @classmethod
    def parse(cls, witnesses: Sequence[str], quorum: int | None) -> Quorum:
        """Parse the keys up front (InputError if one is malformed); `quorum` defaults to all."""
        if not witnesses:
            if quorum:
                raise InputError("a quorum needs witness keys: pass --witness <name>+<hash>+<key>")
            return cls()
        verifiers = tuple(witness_verifier(vkey) for vkey in witnesses)
        required = len({v.public_key for v in verifiers}) if quorum is None else quorum
        return cls(verifiers, required)


def require_cosignatures(note: str, log: Verifier, quorum: Quorum) -> tuple[str, ...]:
    """The names of the witnesses whose cosignatures on `note` verify.

    Raises SignatureError naming the missing witnesses when fewer than
    `quorum.required` verify.  No witnesses, no check.
    """
    if not quorum.witnesses:
        return ()
    cosigned = open_cosigned_checkpoint(note, log, quorum.witnesses, quorum=quorum.required)
    return cosigned.cosigners
