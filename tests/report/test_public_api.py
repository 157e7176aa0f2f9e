"""glassbox.report's public surface is curated like every package's (tests/test_public_api.py)."""

from __future__ import annotations

import tests.test_public_api as public_api


def test_report_all_is_sorted_and_honest() -> None:
    public_api.test_all_is_sorted_and_honest("glassbox.report")
