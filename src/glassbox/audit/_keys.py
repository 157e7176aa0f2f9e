"""The keys an auditor passes in: a malformed one is bad input, not a failed verification."""

from __future__ import annotations

from glassbox.errors import FormatError, InputError
from glassbox.tlog import CosignatureVerifier, Verifier


def log_verifier(vkey: str) -> Verifier:
    """The log's verifier for `vkey`; raises InputError (exit 2) if it does not parse."""
    try:
        return Verifier.from_key_string(vkey.strip())
    except FormatError as exc:
        raise InputError(
            f"verifier key {vkey!r} is malformed ({exc.message}); expected "
            "<name>+<hex key hash>+<base64 key>, as `glassbox log key` prints"
        ) from None


def witness_verifier(vkey: str) -> CosignatureVerifier:
    """A witness's cosignature verifier; raises InputError (exit 2) if `vkey` does not parse."""
    try:
        return CosignatureVerifier.from_key_string(vkey)
    except FormatError as exc:
        raise InputError(f"witness key {vkey!r}: {exc.message}") from None
