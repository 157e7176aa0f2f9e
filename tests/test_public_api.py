"""Each package's public surface is curated: `__all__` is sorted and every name exists."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "glassbox.tlog",
    "glassbox.tlog.server",
    "glassbox.store",
    "glassbox.audit",
    "glassbox.core",
    "glassbox.entries",
    "glassbox.gateway",
    "glassbox.policy",
    "glassbox.report",
    "glassbox.review",
    "glassbox.services",
    "glassbox.services.text",
    "glassbox.web",
    "glassbox.witness",
    "glassbox.cli",
]


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then everything else (the order ruff's RUF022 keeps)."""
    if name.isupper():
        return (0, name)
    if name[0].isupper():
        return (1, name)
    return (2, name)


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_honest(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert exported == sorted(exported, key=_isort_key)
    for item in exported:
        assert hasattr(module, item), item
    public = {n for n in vars(module) if not n.startswith("_")}
    submodules = {n for n in public if type(getattr(module, n)).__name__ == "module"}
    assert public - submodules - {"annotations"} <= set(exported)


def test_pure_core_pulls_in_no_server_code() -> None:
    import subprocess
    import sys

    code = (
        "import sys, glassbox.tlog; bad = [m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'fastapi', 'httpx', 'starlette', 'uvicorn') or "
        "m.startswith('glassbox.tlog.server')]; print(bad); assert not bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
