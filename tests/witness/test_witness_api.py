"""The witness package's public surface is curated like every other package's."""

from __future__ import annotations

from tests.test_public_api import test_all_is_sorted_and_honest as check_all


def test_witness_all_is_sorted_and_honest() -> None:
    check_all("glassbox.witness")
