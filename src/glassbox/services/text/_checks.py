"""Checks every text request passes before an engine sees it."""

from __future__ import annotations

from collections.abc import Sequence

from glassbox.errors import InputError, PayloadTooLarge

FORMATS = ("text", "html")
MAX_ALTERNATIVES = 3


def check_text(texts: Sequence[str], *, max_chars: int = 10_000) -> int:
    """The number of characters in `texts`, once they are known to be worth translating.

    Raises `InputError` when there is no text or every text is blank, and
    `PayloadTooLarge` when the texts together hold more than `max_chars`
    characters (LibreTranslate's `char_limit`, counted the same way).
    """
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise InputError("texts must be a list of strings")
    if not any(t.strip() for t in texts):
        raise InputError("there is no text: give at least one non-blank text")
    count = sum(len(t) for t in texts)
    if count > max_chars:
        raise PayloadTooLarge(f"the texts hold {count} characters; the limit is {max_chars}")
    return count


def check_options(fmt: str, alternatives: int) -> None:
    """`InputError` unless `fmt` is "text" or "html" and `alternatives` is 0..3."""
    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    if isinstance(alternatives, bool) or not 0 <= alternatives <= MAX_ALTERNATIVES:
        raise InputError(f"alternatives must be a whole number from 0 to {MAX_ALTERNATIVES}")
