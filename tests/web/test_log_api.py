"""The public log API over HTTP: tiles, checkpoint, proofs, entries, and clear errors."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from glassbox.settings import load_settings
from glassbox.tlog import (
    Verifier,
    decode_bundle,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from glassbox.web import create_app
from tests.conftest import TEST_KEY

ENTRIES = [f"entry number {i}".encode() for i in range(600)]


@pytest.fixture
def client(data_dir: Path) -> Iterator[TestClient]:
    app = create_app(load_settings({"data_dir": data_dir}, environ={}), integrate=False)
    with TestClient(app) as c:
        node = app.state.glassbox
        node.log.append(ENTRIES[:300])
        node.log.integrator.integrate_all()
        node.log.append(ENTRIES[300:])
        node.log.integrator.integrate_all()
        yield c


def _verifier() -> Verifier:
    from glassbox.tlog import Signer

    return Signer.from_key_string(TEST_KEY).verifier()


def test_checkpoint_is_signed_and_fresh(client: TestClient) -> None:
    resp = client.get("/log/checkpoint")
    assert resp.status_code == 200
    assert resp.headers["cache-control"] == "no-cache"
    assert open_checkpoint(resp.text, _verifier()).size == 600


def test_full_tiles_are_immutable_and_partial_ones_are_not(client: TestClient) -> None:
    full = client.get("/log/tile/0/000")
    assert full.status_code == 200 and len(full.content) == 256 * 32
    assert "immutable" in full.headers["cache-control"]
    part = client.get("/log/tile/0/002.p/88")
    assert part.status_code == 200 and len(part.content) == 88 * 32
    assert "immutable" not in part.headers["cache-control"]
    assert part.content == b"".join(leaf_hash(e) for e in ENTRIES[512:600])
    bundle = client.get("/log/tile/entries/001")
    assert decode_bundle(bundle.content) == ENTRIES[256:512]
    # an older, smaller partial tile stays available for clients of older checkpoints
    assert client.get("/log/tile/entries/002.p/10").status_code == 200
    assert len(client.get("/log/tile/1/000.p/2").content) == 64


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/log/tile/abc", 400),
        ("/log/tile/0/1", 400),
        ("/log/tile/0/000.p/0", 400),
        ("/log/tile/0/000.p/256", 400),
        ("/log/tile/0/x000/001", 400),
        ("/log/tile/99/000", 400),
        ("/log/tile/0/003", 404),
        ("/log/tile/0/002", 404),
        ("/log/tile/0/002.p/89", 404),
        ("/log/tile/entries/x999/999", 404),
        ("/log/tile/1/000", 404),
        ("/log/proof/inclusion?index=-1", 400),
        ("/log/proof/inclusion?index=abc", 400),
        ("/log/proof/inclusion", 400),
        ("/log/proof/inclusion?index=600", 400),
        ("/log/proof/inclusion?index=1&size=601", 404),
        ("/log/proof/inclusion?index=1&size=99999999999999999999999", 400),
        ("/log/proof/consistency?from=10&to=5", 400),
        ("/log/proof/consistency?from=1&to=700", 404),
        ("/log/entries?start=5&end=5", 400),
        ("/log/entries?start=0&end=2000", 400),
        ("/log/entries?start=590&end=601", 404),
        ("/log/nothing", 404),
    ],
)
def test_bad_requests_get_json_errors_never_500(client: TestClient, path: str, status: int) -> None:
    resp = client.get(path)
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"]["code"] and body["error"]["message"]


def test_proofs_verify_against_the_checkpoint(client: TestClient) -> None:
    cp = open_checkpoint(client.get("/log/checkpoint").text, _verifier())
    for index in (0, 255, 256, 599):
        body = client.get(f"/log/proof/inclusion?index={index}").json()
        proof = [base64.b64decode(h) for h in body["proof"]]
        verify_inclusion(leaf_hash(ENTRIES[index]), index, body["size"], proof, cp.root)
    old = client.get("/log/proof/inclusion?index=3&size=300").json()
    assert old["size"] == 300
    body = client.get("/log/proof/consistency?from=300").json()
    old_cp = open_checkpoint(client.app.state.glassbox.log.reader.checkpoint_at(300), _verifier())
    verify_consistency(300, 600, [base64.b64decode(h) for h in body["proof"]], old_cp.root, cp.root)


def test_entries_json(client: TestClient) -> None:
    body = client.get("/log/entries?start=10&end=13").json()
    assert [base64.b64decode(e) for e in body["entries"]] == ENTRIES[10:13]


def test_operator_append_needs_the_operator_token(client: TestClient) -> None:
    payload = {"entries": [base64.b64encode(b"hello").decode()]}
    assert client.post("/v1/operator/log/entries", json=payload).status_code == 401
    bad = {"Authorization": "Bearer gbo_wrong"}
    resp = client.post("/v1/operator/log/entries", json=payload, headers=bad)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "unauthorized"


def test_operator_append_validates_input(tmp_path: Path, db_url: str) -> None:
    from glassbox.core import init_data_dir

    data = tmp_path / "op"
    result = init_data_dir(
        load_settings({"data_dir": data, "origin": "example.test/glassbox/testdata"}, environ={}),
        signing_key=TEST_KEY,
        database=db_url,
        default_policy=False,
    )
    auth = {"Authorization": f"Bearer {result.operator_token}"}
    app = create_app(load_settings({"data_dir": data}, environ={}), integrate=False)
    with TestClient(app) as c:
        ok = c.post(
            "/v1/operator/log/entries",
            headers=auth,
            json={"entries": [base64.b64encode(b"a").decode()] * 2},
        )
        assert ok.status_code == 200 and ok.json() == {"indices": [0, 1]}
        bad64 = c.post("/v1/operator/log/entries", headers=auth, json={"entries": ["!!"]})
        assert bad64.status_code == 400
        big = base64.b64encode(b"x" * 70000).decode()
        too_big = c.post("/v1/operator/log/entries", headers=auth, json={"entries": [big]})
        assert too_big.status_code == 413
        assert too_big.json()["error"]["code"] == "entry_too_large"
        empty = c.post("/v1/operator/log/entries", headers=auth, json={"entries": []})
        assert empty.status_code == 400
        assert c.post("/v1/operator/log/entries", headers=auth, content=b"{").status_code == 400
        # nothing from the refused requests was written
        assert app.state.glassbox.log.sequencer.append([b"next"]) == [2]
