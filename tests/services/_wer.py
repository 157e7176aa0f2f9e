"""Word error rate, for checking a transcript against what was said."""

from __future__ import annotations

import re

_NOT_WORD = re.compile(r"[^\w']+")

FLOW_WER = 0.2
"""The bound for end-to-end flows through `whisper-1` (the multilingual base model) on the
bundled ten-word sample: two words may differ ("that anyone" heard as "and one")."""


def words(text: str) -> list[str]:
    """Lowercase words with punctuation removed ("Hello, world!" -> ["hello", "world"])."""
    return [w.strip("'") for w in _NOT_WORD.split(text.lower()) if w.strip("'")]


def wer(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words in `reference`, after normalising both."""
    ref, hyp = words(reference), words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    # Levenshtein distance over words, one row at a time.
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        current = [i]
        for j, h in enumerate(hyp, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / len(ref)
