"""glassbox.services.text has a curated surface and loads no engine when imported."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import glassbox.services.text as text


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return (0, name)
    if name[0].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted_unique_and_honest() -> None:
    exported = text.__all__
    assert exported == sorted(exported, key=_isort_key)
    assert len(set(exported)) == len(exported)
    public = {
        name
        for name, value in vars(text).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert public == set(exported)


def test_import_loads_no_engine() -> None:
    code = (
        "import sys, glassbox.services.text; "
        "bad = [m for m in ('ctranslate2', 'sentencepiece', 'lingua', 'presidio_analyzer', "
        "'presidio_anonymizer', 'spacy', 'tldextract') if m in sys.modules]; "
        "print(bad); assert not bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
