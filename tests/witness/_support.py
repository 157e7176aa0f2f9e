"""Shared helpers: SQLite logs signed with the test key, witnesses in-process, HTTP dispatch."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from glassbox.core import Glassbox, init_data_dir
from glassbox.settings import load_settings
from glassbox.tlog import Cosigner, Signer, Verifier
from glassbox.witness import DATABASE_FILE, Witness, WitnessStore, create_witness_app
from tests.conftest import TEST_KEY, TEST_ORIGIN

LOG_SIGNER = Signer.from_key_string(TEST_KEY)
LOG_VKEY = LOG_SIGNER.verifier_key()


def init_log(data: Path) -> Path:
    """A fresh SQLite log at `data`, signed with the test key; its empty tree is signed."""
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}),
        signing_key=TEST_KEY,
        database=f"sqlite:///{data / 'glassbox.db'}",
        default_policy=False,
    )
    return data


@contextmanager
def open_node(data: Path, **settings: object) -> Iterator[Glassbox]:
    node = Glassbox.open(load_settings({"data_dir": data, **settings}, environ={}))
    try:
        yield node
    finally:
        node.close()


def grow(node: Glassbox, n: int, *, tag: str = "entry") -> str:
    """Append `n` entries named after `tag` and integrate; return the new checkpoint."""
    start = node.log.reader.size()
    node.log.append([f"{tag} {i}".encode() for i in range(start, start + n)])
    note = node.log.integrator.integrate_all()
    assert note is not None
    return note


def make_witness(data: Path, name: str, *, clock: float | None = None) -> Witness:
    data.mkdir(parents=True, exist_ok=True)
    seed = name.encode().ljust(32, b".")[:32]  # deterministic test keys
    return Witness(
        Cosigner(Signer(name, seed)),
        [Verifier.from_key_string(LOG_VKEY)],
        WitnessStore(data / DATABASE_FILE),
        **({} if clock is None else {"clock": lambda: clock}),
    )


class Dispatch(httpx.BaseTransport):
    """Routes each request to the in-process witness app named by the URL's host."""

    def __init__(self, witnesses: Mapping[str, Witness]) -> None:
        self.clients = {
            host: TestClient(create_witness_app(w), raise_server_exceptions=True)
            for host, w in witnesses.items()
        }
        self.down: set[str] = set()
        self.requests: list[tuple[str, str]] = []  # (host, first line of the body)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        body = request.read()
        self.requests.append((host, body.split(b"\n", 1)[0].decode()))
        if host in self.down:
            raise httpx.ConnectError("witness is down", request=request)
        resp = self.clients[host].post(request.url.path, content=body)
        return httpx.Response(resp.status_code, headers=resp.headers, content=resp.content)

    def close(self) -> None:
        for client in self.clients.values():
            client.close()
