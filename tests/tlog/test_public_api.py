"""The public surface of glassbox.tlog stays curated, and its core stays pure."""

from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType

import glassbox.tlog as tlog

# The standard library and cryptography modules the pure core may import: no
# files, sockets, environment, clocks or databases.
PURE_IMPORTS = {
    "__future__",
    "base64",
    "binascii",
    "collections.abc",
    "cryptography.exceptions",
    "cryptography.hazmat.primitives.asymmetric.ed25519",
    "cryptography.hazmat.primitives.serialization",
    "dataclasses",
    "glassbox.errors",
    "hashlib",
    "re",
}


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return (0, name)
    if name[0].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted_and_unique() -> None:
    assert tlog.__all__ == sorted(tlog.__all__, key=_isort_key)
    assert len(set(tlog.__all__)) == len(tlog.__all__)


def test_every_exported_name_exists() -> None:
    for name in tlog.__all__:
        assert hasattr(tlog, name), name


def test_every_public_name_is_exported() -> None:
    public = {
        name
        for name, value in vars(tlog).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)  # skip subpackages
    }
    assert public == set(tlog.__all__)


def test_core_modules_import_nothing_that_does_io() -> None:
    package = Path(tlog.__file__).parent
    modules = [*sorted(package.glob("_*.py")), package / "__init__.py"]
    assert len(modules) > 5
    for module in modules:
        for statement in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(statement, ast.Import):
                names = [alias.name for alias in statement.names]
            elif isinstance(statement, ast.ImportFrom) and statement.level == 0:
                names = [statement.module or ""]
            else:
                continue
            for name in names:
                assert name in PURE_IMPORTS, f"{module.name} imports {name}"
