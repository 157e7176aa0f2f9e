"""The witnesses a log submits its checkpoints to: a prefix URL and a cosigning key each."""

from __future__ import annotations

from dataclasses import dataclass

from glassbox.errors import FormatError, GlassboxError

from ._cosignature import CosignatureVerifier


@dataclass(frozen=True)
class WitnessEndpoint:
    """One witness: its C2SP tlog-witness submission prefix and its cosigning key."""

    url: str
    verifier: CosignatureVerifier

    @property
    def key(self) -> str:
        return self.verifier.key_string()


def parse_witnesses(text: str) -> list[WitnessEndpoint]:
    """Parse ``url|vkey`` pairs separated by ``;``; FormatError names the bad item."""
    endpoints: list[WitnessEndpoint] = []
    for item in (part.strip() for part in text.split(";")):
        if not item:
            continue
        url, bar, vkey = item.partition("|")
        url = url.strip().rstrip("/")
        scheme, _, host = url.partition("://")
        if not bar or scheme not in ("http", "https") or not host:
            raise FormatError(f"{item!r} is not 'http(s)://prefix|witness verifier key'")
        try:
            verifier = CosignatureVerifier.from_key_string(vkey.strip())
        except GlassboxError as exc:
            raise FormatError(f"{item!r}: {exc.message}") from None
        if any(e.verifier.public_key == verifier.public_key for e in endpoints):
            raise FormatError(f"the key of {verifier.name} is listed twice")
        endpoints.append(WitnessEndpoint(url, verifier))
    return endpoints
