"""The public surface of glassbox.policy stays curated, and the engine stays out of I/O."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import glassbox.policy as policy


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return (0, name)
    if name[0].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted_and_unique() -> None:
    assert policy.__all__ == sorted(policy.__all__, key=_isort_key)
    assert len(set(policy.__all__)) == len(policy.__all__)


def test_every_public_name_is_exported_and_exists() -> None:
    public = {
        name
        for name, value in vars(policy).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert public == set(policy.__all__)


def test_the_engine_pulls_in_no_web_or_database_code() -> None:
    """Only pure code: the entry format (and the pure log core it names sizes from)."""
    code = (
        "import sys, glassbox.policy; bad = [m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'fastapi', 'httpx', 'starlette', 'uvicorn') or "
        "m.startswith(('glassbox.store', 'glassbox.web', 'glassbox.tlog.server', "
        "'glassbox.gateway', 'glassbox.core'))]; "
        "print(bad); assert not bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_schema_and_default_policy_ship_with_the_package() -> None:
    assert "entity Client" in policy.schema_text()
    assert (policy.default_policy_dir() / "policy.cedar").is_file()
    assert (policy.default_policy_dir() / "tests.json").is_file()
