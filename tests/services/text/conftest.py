"""Fixtures for the text services: a tiny random model, its Argos package, a fake upstream."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services.text._fake_libretranslate import UPSTREAM_KEY
from tests.services.text._tiny_model import build_argos_package, build_model

FAKE_SERVER = Path(__file__).parent / "_fake_libretranslate.py"


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight en->es model directory in Argos's layout (sentencepiece.model)."""
    return build_model(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def tiny_package(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model as an en->es .argosmodel file."""
    return build_argos_package(tiny_model, tmp_path_factory.mktemp("packages") / "en_es.argosmodel")


@pytest.fixture(scope="session")
def upstream_url() -> Iterator[str]:
    """A LibreTranslate-compatible server in its own process, requiring UPSTREAM_KEY."""
    process = subprocess.Popen(
        [sys.executable, str(FAKE_SERVER), "--api-key", UPSTREAM_KEY],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
