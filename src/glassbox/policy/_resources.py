"""Files shipped inside the package: the Cedar schema and the default policy directory."""

from __future__ import annotations

import functools
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def default_policy_dir() -> Path:
    """Return the directory of the default policy (`policy.cedar` and `tests.json`)."""
    return _HERE / "default"


@functools.cache
def schema_text() -> str:
    """Return the Cedar schema every policy set is validated against."""
    return (_HERE / "schema.cedarschema").read_text(encoding="utf-8")
