"""A receipt with its tlog-proof verifies offline; `--log` adds a check against the live log."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from glassbox.clients import ClientRegistry
from glassbox.core import Glassbox, init_data_dir, load_pseudonym_key
from glassbox.entries import OPERATOR
from glassbox.settings import load_settings
from glassbox.tlog import Cosigner, Signer, TlogProof, cosign_checkpoint
from tests.conftest import TEST_KEY, TEST_ORIGIN
from tests.live import Server, run_cli

VKEY = Signer.from_key_string(TEST_KEY).verifier_key()
DEAD = "http://127.0.0.1:9/log"


@dataclass
class Node:
    server: Server
    key: str  # the client's API key

    def request(self) -> dict[str, Any]:
        """A refused request's response body, with the receipt sent along with it."""
        resp = httpx.post(
            f"{self.server.url}/translate",
            json={"q": "Hello.", "source": "en", "target": "es", "purpose": "surveillance"},
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=30,
        )
        body: dict[str, Any] = resp.json()
        assert "glassbox_receipt" in body, body
        return body

    def receipt(self, index: int) -> dict[str, Any]:
        """The receipt from GET /v1/receipts/<index>, once a checkpoint includes the entry."""
        resp = httpx.get(
            f"{self.server.url}/v1/receipts/{index}",
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=30,
        )
        assert resp.status_code == 200, resp.text
        got: dict[str, Any] = resp.json()
        return got


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    data = tmp_path / "data"
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}), signing_key=TEST_KEY
    )
    settings = load_settings({"data_dir": data}, environ={})
    opened = Glassbox.open(settings)
    try:
        reg = ClientRegistry(opened.log, load_pseudonym_key(settings))
        reg.add(
            "Acme",
            category="commercial",
            purposes=["translation"],
            daily_audio_hours=1,
            by=OPERATOR,
        )
        _, key = reg.create_key("Acme", by=OPERATOR)
    finally:
        opened.close()
    server = Server(data).start()
    try:
        yield Node(server, key)
    finally:
        server.stop()


def _save(path: Path, obj: dict[str, Any]) -> Path:
    path.write_text(json.dumps(obj))
    return path


def test_a_receipt_verifies_offline_then_against_the_live_log(node: Node, tmp_path: Path) -> None:
    index = node.request()["glassbox_receipt"]["index"]
    saved = _save(tmp_path / "receipt.json", node.receipt(index))
    assert json.loads(saved.read_text())["tlog_proof"].startswith("c2sp.org/tlog-proof@v1\n")

    offline = run_cli("receipt", "verify", saved, "--key", VKEY)
    assert offline.returncode == 0, offline.stderr
    assert f"OK receipt index={index} included under size=" in offline.stdout
    assert "by its tlog-proof" in offline.stdout and "live log" not in offline.stdout

    node.request()  # the log grows past the receipt's checkpoint
    time.sleep(1.5)
    live = run_cli("receipt", "verify", saved, "--key", VKEY, "--log", f"{node.server.url}/log")
    assert live.returncode == 0, live.stderr
    assert "consistent with the live log at size=" in live.stdout

    node.server.stop()
    dead = run_cli("receipt", "verify", saved, "--key", VKEY, "--log", f"{node.server.url}/log")
    assert dead.returncode == 4, dead.stderr
    assert f"OK receipt index={index} included under size=" in dead.stderr  # what held offline
    assert "the live log could not be read" in dead.stderr and "not checked" in dead.stderr


def test_a_receipt_sent_with_a_response_still_needs_the_log(node: Node, tmp_path: Path) -> None:
    body = node.request()
    saved = _save(tmp_path / "response.json", body)
    alone = run_cli("receipt", "verify", saved, "--key", VKEY)
    assert alone.returncode == 2
    assert f"GET /v1/receipts/{body['glassbox_receipt']['index']}" in alone.stderr
    time.sleep(1.5)
    live = run_cli("receipt", "verify", saved, "--key", VKEY, "--log", f"{node.server.url}/log")
    assert live.returncode == 0, live.stderr
    assert "of the live log" in live.stdout


def _edit_proof(receipt: dict[str, Any], **changes: Any) -> dict[str, Any]:
    proof = TlogProof.parse(receipt["tlog_proof"])
    fields = {"index": proof.index, "hashes": proof.hashes, "checkpoint": proof.checkpoint}
    edited = TlogProof(**{**fields, **changes})
    return {**receipt, "tlog_proof": edited.to_text()}


def test_a_forged_proof_or_checkpoint_fails_offline(node: Node, tmp_path: Path) -> None:
    node.request()
    index = node.request()["glassbox_receipt"]["index"]
    receipt = node.receipt(index)
    proof = TlogProof.parse(receipt["tlog_proof"])
    assert proof.hashes, "the entry needs a non-empty proof for this test"
    flipped = bytes([proof.hashes[0][0] ^ 1]) + proof.hashes[0][1:]
    other = Signer.generate(TEST_ORIGIN)
    resigned = proof.checkpoint.split("\n\n")[0] + "\n\n— " + TEST_ORIGIN + " AAAA\n"
    cases = {
        "a flipped proof hash": (_edit_proof(receipt, hashes=(flipped, *proof.hashes[1:])), 10),
        "another index": (_edit_proof(receipt, index=index - 1), 10),
        "a bad signature": (_edit_proof(receipt, checkpoint=resigned), 10),
        "garbage": ({**receipt, "tlog_proof": "not a proof"}, 10),
    }
    for name, (forged, code) in cases.items():
        proc = run_cli("receipt", "verify", _save(tmp_path / "f.json", forged), "--key", VKEY)
        assert proc.returncode == code, (name, proc.stderr)
    wrong_key = run_cli(
        "receipt",
        "verify",
        _save(tmp_path / "r.json", receipt),
        "--key",
        other.verifier_key(),
    )
    assert wrong_key.returncode == 10


def test_witness_cosignatures_are_checked_offline(node: Node, tmp_path: Path) -> None:
    index = node.request()["glassbox_receipt"]["index"]
    receipt = node.receipt(index)
    proof = TlogProof.parse(receipt["tlog_proof"])
    w1, w2 = Cosigner.generate("example.test/w1"), Cosigner.generate("example.test/w2")
    line = cosign_checkpoint(proof.checkpoint, w1, int(time.time()))
    cosigned = _save(
        tmp_path / "cosigned.json", _edit_proof(receipt, checkpoint=proof.checkpoint + line + "\n")
    )
    keys = ["--witness", w1.verifier_key(), "--witness", w2.verifier_key()]
    one = run_cli("receipt", "verify", cosigned, "--key", VKEY, *keys, "--quorum", "1")
    assert one.returncode == 0, one.stderr
    assert "cosigned by example.test/w1" in one.stdout
    both = run_cli("receipt", "verify", cosigned, "--key", VKEY, *keys)
    assert both.returncode == 10 and "example.test/w2" in both.stderr
