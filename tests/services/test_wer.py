"""The word error rate helper counts what a listener would count as mistakes."""

from __future__ import annotations

import pytest

from tests.services._wer import wer, words


def test_words_ignore_case_and_punctuation() -> None:
    assert words("Every request, it's PUBLIC!") == ["every", "request", "it's", "public"]


@pytest.mark.parametrize(
    ("hypothesis", "expected"),
    [
        ("the cat sat on the mat", 0.0),
        ("The cat sat on the mat.", 0.0),
        ("the cat sat on a mat", 1 / 6),  # one substitution
        ("the cat sat on the", 1 / 6),  # one deletion
        ("the cat sat down on the mat", 1 / 6),  # one insertion
        ("", 1.0),
    ],
)
def test_wer_counts_edits_per_reference_word(hypothesis: str, expected: float) -> None:
    assert wer("the cat sat on the mat", hypothesis) == pytest.approx(expected)


def test_empty_reference() -> None:
    assert wer("", "") == 0.0
    assert wer("", "noise") == 1.0
