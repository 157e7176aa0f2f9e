"""An in-process app with clients and reviewers, its maintenance loop driven by the tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from glassbox.clients import ClientRegistry
from glassbox.clock import Clock, utc_now
from glassbox.core import Glassbox, init_data_dir, load_pseudonym_key
from glassbox.entries import OPERATOR
from glassbox.review import Accounts, Review, User
from glassbox.settings import load_settings
from glassbox.store import log_entries
from glassbox.web import create_app
from tests.conftest import TEST_KEY, TEST_ORIGIN

PASSWORD = "a long enough password"


@dataclass
class ReviewEnv:
    client: TestClient
    keys: dict[str, str]
    users: dict[str, User]
    audio: bytes

    @property
    def review(self) -> Review:
        review: Review = self.client.app.state.glassbox.review  # type: ignore[attr-defined]
        return review

    @property
    def node(self) -> Glassbox:
        node: Glassbox = self.client.app.state.glassbox  # type: ignore[attr-defined]
        return node

    def submit(self, who: str = "Ministry", **data: Any) -> dict[str, Any]:
        resp = self.client.post(
            "/v1/audio/transcriptions",
            headers={"Authorization": f"Bearer {self.keys[who]}", "Prefer": "respond-async"},
            files={"file": ("sample.flac", self.audio, "audio/flac")},
            data={"model": "tiny.en", "language": "en", **data},
        )
        assert resp.status_code == 202, resp.text
        body: dict[str, Any] = resp.json()
        return body

    def status(self, hold_id: str, who: str = "Ministry") -> Any:
        return self.client.get(
            f"/v1/holds/{hold_id}", headers={"Authorization": f"Bearer {self.keys[who]}"}
        )

    def tick(self) -> None:
        self.client.portal.call(self.review.tick)  # type: ignore[union-attr]

    def entries(self, start: int = 0) -> list[dict[str, Any]]:
        with self.node.engine.connect() as conn:
            rows = conn.execute(
                select(log_entries.c.data)
                .where(log_entries.c.idx >= start)
                .order_by(log_entries.c.idx)
            ).scalars()
            return [json.loads(r) for r in rows]


def make_env(
    tmp_path: Path, db_url: str, clock: Clock = utc_now, **settings: Any
) -> Iterator[ReviewEnv]:
    from glassbox.assets import sample_audio_path

    data = tmp_path / "data"
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}),
        signing_key=TEST_KEY,
        database=db_url,
    )
    final = load_settings({"data_dir": data, **settings}, environ={})
    node = Glassbox.open(final)
    key = load_pseudonym_key(final)
    reg = ClientRegistry(node.log, key)
    reg.add(
        "Ministry",
        category="military",
        purposes=["accessibility"],
        daily_audio_hours=8,
        by=OPERATOR,
    )
    reg.add(
        "Acme", category="commercial", purposes=["accessibility"], daily_audio_hours=8, by=OPERATOR
    )
    keys = {n: reg.create_key(n, by=OPERATOR)[1] for n in ("Ministry", "Acme")}
    accounts = Accounts(node.log, key)
    users = {
        "alice": accounts.add("alice", role="reviewer", password=PASSWORD, by=OPERATOR),
        "bob": accounts.add("bob", role="reviewer", password=PASSWORD, by=OPERATOR),
        "carol": accounts.add("carol", role="admin", password=PASSWORD, by=OPERATOR),
        "insider": accounts.add(
            "insider", role="reviewer", password=PASSWORD, organisation="Ministry", by=OPERATOR
        ),
    }
    node.close()
    app = create_app(final, integrate=False, clock=clock)
    with TestClient(app) as client:
        yield ReviewEnv(client, keys, users, sample_audio_path().read_bytes())


@pytest.fixture
def env(tmp_path: Path, db_url: str) -> Iterator[ReviewEnv]:
    yield from make_env(tmp_path, db_url)
