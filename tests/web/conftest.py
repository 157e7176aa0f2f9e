"""A live Glassbox server with registered clients, for the governed-service tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openai import OpenAI

from glassbox.clients import ClientRegistry
from glassbox.core import Glassbox, init_data_dir, load_pseudonym_key
from glassbox.entries import OPERATOR
from glassbox.settings import load_settings
from tests.conftest import TEST_KEY, TEST_ORIGIN
from tests.live import Server
from tests.services._speech import espeak, speak

SENTENCE = "Please send the quarterly report to the finance team before Friday."
UPLOAD_LIMIT = 400_000


@dataclass
class Live:
    url: str
    data: Path
    keys: dict[str, str]
    speech: Path
    server: Server

    def node(self) -> Glassbox:
        return Glassbox.open(load_settings({"data_dir": self.data}, environ={}))


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wav = tmp_path_factory.mktemp("speech") / "speech.wav"
    speak(SENTENCE, wav, espeak())
    return wav


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, speech_wav: Path) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("live")
    data = root / "data"
    settings = load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={})
    init_data_dir(settings, signing_key=TEST_KEY)
    final = load_settings({"data_dir": data}, environ={})
    node = Glassbox.open(final)
    reg = ClientRegistry(node.log, load_pseudonym_key(final))
    reg.add(
        "Acme Captions",
        category="commercial",
        purposes=["accessibility"],
        daily_audio_hours=8,
        by=OPERATOR,
    )
    reg.add(
        "Two Purposes Ltd",
        category="academic",
        purposes=["accessibility", "research"],
        daily_audio_hours=8,
        by=OPERATOR,
    )
    reg.add(
        "Ministry of Defence",
        category="military",
        purposes=["accessibility"],
        daily_audio_hours=8,
        by=OPERATOR,
    )
    reg.add(
        "Tiny Volume",
        category="commercial",
        purposes=["accessibility"],
        daily_audio_hours=1 / 3600,
        by=OPERATOR,
    )  # one second a day
    reg.add(
        "Two A Minute",
        category="commercial",
        purposes=["accessibility"],
        daily_audio_hours=8,
        requests_per_minute=2,
        by=OPERATOR,
    )
    names = ("Acme Captions", "Two Purposes Ltd", "Ministry of Defence", "Tiny Volume")
    keys = {name: reg.create_key(name, by=OPERATOR)[1] for name in (*names, "Two A Minute")}
    revoked_id, keys["revoked"] = reg.create_key("Acme Captions", by=OPERATOR)
    reg.revoke(revoked_id, by=OPERATOR)
    node.close()
    server = Server(data, extra_env={"GLASSBOX_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)}).start()
    try:
        yield Live(server.url, data, keys, speech_wav, server)
    finally:
        server.stop()


@pytest.fixture
def openai_client(live: Live) -> Iterator[Callable[..., OpenAI]]:
    """Makes official `openai` clients for the live server, and closes them afterwards."""
    made: list[OpenAI] = []

    def make(who: str = "Acme Captions") -> OpenAI:
        client = OpenAI(
            api_key=live.keys[who], base_url=f"{live.url}/v1", max_retries=0, timeout=120
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
