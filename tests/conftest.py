"""Shared fixtures: databases (SQLite and a fresh PostgreSQL database per test) and log nodes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from glassbox.core import Glassbox, init_data_dir
from glassbox.settings import load_settings
from glassbox.tlog import Signer
from tests.browser import browser  # noqa: F401  (the shared Chromium fixture)

DATA = Path(__file__).parent / "data"
TEST_KEY = (DATA / "testdata-signing-key.txt").read_text().strip()
TEST_ORIGIN = "example.test/glassbox/testdata"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def test_signer() -> Signer:
    return Signer.from_key_string(TEST_KEY)


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server URL; skips (or fails in CI) when no server answers."""
    url = os.environ.get("GLASSBOX_TEST_POSTGRES", PG_DEFAULT)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = f"no PostgreSQL server answers at {url}: {exc.orig.__class__.__name__}"
        if os.environ.get("GLASSBOX_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"glassbox_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'glassbox.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def data_dir(tmp_path: Path, db_url: str) -> Path:
    """An initialised data directory with the test key, on the parametrised database."""
    data = tmp_path / "data"
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}),
        signing_key=TEST_KEY,
        database=db_url,
        default_policy=False,
    )
    return data


@pytest.fixture
def node(data_dir: Path) -> Iterator[Glassbox]:
    n = Glassbox.open(load_settings({"data_dir": data_dir}, environ={}))
    try:
        yield n
    finally:
        n.close()
