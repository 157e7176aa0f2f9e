"""The server decides only with the latest published policy, and picks up new ones."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from glassbox.clients import ClientRegistry
from glassbox.clock import utc_now
from glassbox.core import (
    Glassbox,
    init_data_dir,
    install_default_policy,
    load_pseudonym_key,
    policy_dir,
)
from glassbox.entries import OPERATOR
from glassbox.settings import load_settings
from glassbox.web import create_app
from tests.clock import FakeClock
from tests.conftest import TEST_KEY, TEST_ORIGIN


def _client_key(data: Path) -> str:
    settings = load_settings({"data_dir": data}, environ={})
    node = Glassbox.open(settings)
    try:
        reg = ClientRegistry(node.log, load_pseudonym_key(settings))
        reg.add(
            "Acme",
            category="commercial",
            purposes=["accessibility"],
            daily_audio_hours=1,
            by=OPERATOR,
        )
        return reg.create_key("Acme", by=OPERATOR)[1]
    finally:
        node.close()


def test_no_published_policy_denies_then_publishing_allows(tmp_path: Path, db_url: str) -> None:
    from glassbox.assets import sample_audio_path

    data = tmp_path / "data"
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}),
        signing_key=TEST_KEY,
        database=db_url,
        default_policy=False,
    )
    key = _client_key(data)
    settings = load_settings({"data_dir": data}, environ={})
    audio = sample_audio_path().read_bytes()
    clock = FakeClock(utc_now())
    with TestClient(create_app(settings, integrate=False, clock=clock)) as c:
        auth = {"Authorization": f"Bearer {key}"}
        files = {"file": ("sample.flac", audio, "audio/flac")}
        denied = c.post(
            "/v1/audio/transcriptions",
            headers=auth,
            files=files,
            data={"model": "tiny.en", "language": "en"},
        )
        assert denied.status_code == 403
        assert denied.json()["error"]["reasons"][0]["id"] == "no-published-policy"

        with Glassbox.open(settings) as operator:  # as `glassbox policy publish` does
            published = operator.publish_policy(install_default_policy(settings))
            assert operator.publish_policy(policy_dir(settings)).new is False  # idempotent
        policy_hash, index = published.hash, published.index
        assert published.new and policy_hash.startswith("sha256:")
        clock.advance(seconds=1)  # the policy in force is re-checked at most once a second
        served = c.post(
            "/v1/audio/transcriptions",
            headers=auth,
            files=files,
            data={"model": "tiny.en", "language": "en"},
        )
        assert served.status_code == 200, served.text
        entry = served.json()["glassbox_receipt"]["entry"]
        assert f'"policy":"{policy_hash}"' in entry

        # the policy entry itself is in the log, with the full text
        book = c.app.state.glassbox.policies
        current = book.current()
        assert current is not None and current.log_index == index
        assert book.current() is current  # parsed once per version, not per request
        node = c.app.state.glassbox
        (logged,) = (
            node.log.reader.entries(index, index + 1)
            if node.log.reader.size() > index
            else ([_raw_entry(node, index)])
        )
        policy_entry = json.loads(logged)
        assert policy_entry["kind"] == "policy" and policy_entry["policy"] == policy_hash
        assert policy_entry["text"] == (settings.data_dir / "policy" / "policy.cedar").read_text()


def _raw_entry(node: Glassbox, index: int) -> bytes:
    from sqlalchemy import select

    from glassbox.store import log_entries

    with node.engine.connect() as conn:
        return bytes(
            conn.execute(select(log_entries.c.data).where(log_entries.c.idx == index)).scalar_one()
        )
