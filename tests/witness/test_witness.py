"""The witness speaks C2SP tlog-witness exactly, and never cosigns two views of one log."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from glassbox.core import Glassbox
from glassbox.errors import GlassboxError
from glassbox.tlog import Checkpoint, Signer, parse_note, sign_checkpoint, verify_cosignature
from glassbox.witness import (
    MAX_BODY_BYTES,
    AddCheckpoint,
    OldSizeMismatch,
    Witness,
    create_witness_app,
)
from tests.conftest import TEST_ORIGIN

from ._support import LOG_SIGNER, grow, init_log, make_witness, open_node

NOW = 1_760_000_000


@pytest.fixture
def log(tmp_path: Path) -> Iterator[Glassbox]:
    with open_node(init_log(tmp_path / "log")) as node:
        yield node


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    return make_witness(tmp_path / "w", "example.test/witness/w1", clock=NOW)


@pytest.fixture
def http(witness: Witness) -> Iterator[TestClient]:
    with TestClient(create_witness_app(witness)) as client:
        yield client


def body(old: int, note: str, proof: list[bytes] | tuple[bytes, ...] = ()) -> bytes:
    return AddCheckpoint(old, tuple(proof), note).to_body()


def checkpoint_at(node: Glassbox, size: int) -> tuple[str, Checkpoint]:
    note = node.log.reader.checkpoint_at(size)
    return note, Checkpoint.parse(parse_note(note).text)


def submit(http: TestClient, node: Glassbox, old: int, size: int) -> tuple[int, str, str]:
    note, _ = checkpoint_at(node, size)
    proof = node.log.reader.consistency_proof(old, size)[1] if old else []
    resp = http.post("/add-checkpoint", content=body(old, note, proof))
    return resp.status_code, resp.headers.get("content-type", ""), resp.text


def test_first_checkpoint_is_cosigned_and_later_ones_need_a_proof(
    log: Glassbox, witness: Witness, http: TestClient
) -> None:
    grow(log, 6)
    status, _, text = submit(http, log, 0, 6)
    assert status == 200
    assert text.endswith("\n") and text.count("\n") == 1 and text.startswith("— ")
    _, cp = checkpoint_at(log, 6)
    assert verify_cosignature(cp, text, witness.cosigner.verifier()) == NOW

    grow(log, 300)
    status, _, text = submit(http, log, 6, 306)
    assert status == 200, text
    latest = witness.store.latest(TEST_ORIGIN)
    assert latest is not None and latest.size == 306


def test_a_stale_old_size_is_409_with_the_latest_size(log: Glassbox, http: TestClient) -> None:
    grow(log, 10)
    assert submit(http, log, 0, 10)[0] == 200
    status, ctype, text = submit(http, log, 0, 10)
    assert (status, ctype, text) == (409, "text/x.tlog.size", "10\n")
    status, ctype, text = submit(http, log, 1, 10)
    assert (status, ctype, text) == (409, "text/x.tlog.size", "10\n")


def test_the_same_checkpoint_again_is_cosigned_again(log: Glassbox, http: TestClient) -> None:
    grow(log, 4)
    assert submit(http, log, 0, 4)[0] == 200
    assert submit(http, log, 4, 4)[0] == 200


def test_a_proof_that_does_not_verify_is_422_and_changes_nothing(
    log: Glassbox, witness: Witness, http: TestClient
) -> None:
    grow(log, 5)
    assert submit(http, log, 0, 5)[0] == 200
    grow(log, 20)
    note, _ = checkpoint_at(log, 25)
    proof = log.log.reader.consistency_proof(5, 25)[1]
    for bad in ([b"\xab" * 32] * len(proof), proof[:-1], [*proof, proof[0]], proof[::-1]):
        resp = http.post("/add-checkpoint", content=body(5, note, bad))
        assert resp.status_code == 422, resp.text
    latest = witness.store.latest(TEST_ORIGIN)
    assert latest is not None and latest.size == 5


def test_an_unknown_log_is_404(log: Glassbox, http: TestClient) -> None:
    other = Signer("example.test/other-log", b"o" * 32)
    note = sign_checkpoint(Checkpoint(other.name, 0, base64.b64decode(EMPTY)), other)
    assert http.post("/add-checkpoint", content=body(0, note)).status_code == 404


EMPTY = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
EMPTY_NOTE = sign_checkpoint(Checkpoint(TEST_ORIGIN, 0, base64.b64decode(EMPTY)), LOG_SIGNER)


def test_a_checkpoint_the_log_did_not_sign_is_403(log: Glassbox, http: TestClient) -> None:
    impostor = Signer(TEST_ORIGIN, b"i" * 32)  # same name, another key
    note = sign_checkpoint(Checkpoint(TEST_ORIGIN, 0, base64.b64decode(EMPTY)), impostor)
    assert http.post("/add-checkpoint", content=body(0, note)).status_code == 403
    grow(log, 3)
    genuine, _ = checkpoint_at(log, 3)
    tampered = genuine.replace("\n3\n", "\n4\n", 1)
    assert http.post("/add-checkpoint", content=body(0, tampered)).status_code == 403


def _malformed(note: str) -> dict[str, bytes]:
    good = base64.b64encode(b"\x01" * 32).decode()
    return {
        "no old line": f"\n{note}".encode(),
        "leading zero": f"old 01\n\n{note}".encode(),
        "negative": f"old -1\n\n{note}".encode(),
        "no space": f"old3\n\n{note}".encode(),
        "not base64": f"old 1\n!!!\n\n{note}".encode(),
        "short hash": f"old 1\n{base64.b64encode(b'x' * 31).decode()}\n\n{note}".encode(),
        "64 proof lines": ("old 1\n" + f"{good}\n" * 64 + f"\n{note}").encode(),
        "no blank line": f"old 0\n{note.replace(chr(10) * 2, chr(10))}".encode(),
        "no checkpoint": b"old 0\n\n",
        "old above size": f"old 9\n{good}\n\n{note}".encode(),
        "proof from zero": f"old 0\n{good}\n\n{note}".encode(),
        "not UTF-8": b"old 0\n\n\xff\xfe",
        "not a checkpoint": b"old 0\n\nhello\n\n\xe2\x80\x94 x AAAAAAAA\n",
        "unsigned": f"old 0\n\n{parse_note(note).text}".encode(),
    }


@pytest.mark.parametrize("case", sorted(_malformed(EMPTY_NOTE)), ids=lambda c: c.replace(" ", "-"))
def test_malformed_requests_are_400(log: Glassbox, http: TestClient, case: str) -> None:
    grow(log, 3)
    note, _ = checkpoint_at(log, 3)
    resp = http.post("/add-checkpoint", content=_malformed(note)[case])
    assert resp.status_code == 400, resp.text


def test_an_oversized_body_is_413(http: TestClient) -> None:
    resp = http.post("/add-checkpoint", content=b"old 0\n\n" + b"x" * MAX_BODY_BYTES)
    assert resp.status_code == 413


def test_a_smaller_checkpoint_is_never_cosigned(log: Glassbox, http: TestClient) -> None:
    grow(log, 1)
    grow(log, 8)
    assert submit(http, log, 0, 9)[0] == 200
    older = log.log.reader.checkpoint_at(1)
    assert http.post("/add-checkpoint", content=body(9, older)).status_code == 400
    assert http.post("/add-checkpoint", content=body(1, older)).status_code == 409


def test_a_fork_is_refused_and_kept_as_evidence(tmp_path: Path, witness: Witness) -> None:
    """Two logs with the same key and origin but different entries: a split view."""
    with (
        open_node(init_log(tmp_path / "a")) as a,
        open_node(init_log(tmp_path / "b")) as b,
        TestClient(create_witness_app(witness)) as http,
    ):
        grow(a, 7, tag="alice")
        grow(b, 7, tag="mallory")
        grow(b, 10, tag="mallory")
        assert submit(http, a, 0, 7)[0] == 200
        # Same size, another root.
        assert submit(http, b, 7, 7)[0] == 409
        # A bigger tree whose proof from size 7 is built on the other history.
        status, _, text = submit(http, b, 7, 17)
        assert status == 422, text
        latest = witness.store.latest(TEST_ORIGIN)
        assert latest is not None and latest.checkpoint == a.log.reader.checkpoint_at(7)
        kept = witness.store.evidence()
        assert [e.reason.split(":")[0] for e in kept][:1] == ["fork"]
        assert len(kept) == 2
        assert b.log.reader.checkpoint_at(7) in kept[0].request
        assert b.log.reader.checkpoint_at(17) in kept[1].request


def test_the_witness_remembers_across_restarts(log: Glassbox, tmp_path: Path) -> None:
    grow(log, 4)
    first = make_witness(tmp_path / "w", "example.test/witness/w1")
    note, _ = checkpoint_at(log, 4)
    first.add_checkpoint(body(0, note))
    again = make_witness(tmp_path / "w", "example.test/witness/w1")
    with pytest.raises(OldSizeMismatch) as caught:
        again.add_checkpoint(body(0, note))
    assert caught.value.size == 4


def test_concurrent_requests_for_one_log_serialise(log: Glassbox, witness: Witness) -> None:
    """The rollback race of the spec: of many requests from the same old size, one wins."""
    grow(log, 1)
    sizes = []
    for n in (3, 5, 40, 1, 200, 7, 2, 90):
        grow(log, n)
        sizes.append(log.log.reader.size())
    note, _ = checkpoint_at(log, 1)
    witness.add_checkpoint(body(0, note))
    results: dict[int, str] = {}

    def race(size: int) -> None:
        note, _ = checkpoint_at(log, size)
        proof = log.log.reader.consistency_proof(1, size)[1]
        try:
            witness.add_checkpoint(body(1, note, proof))
            results[size] = "cosigned"
        except OldSizeMismatch:
            results[size] = "409"
        except GlassboxError as exc:  # pragma: no cover - would fail the assertion below
            results[size] = exc.code

    threads = [threading.Thread(target=race, args=(size,)) for size in sizes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [size for size, outcome in results.items() if outcome == "cosigned"]
    assert len(winners) == 1 and sorted(results.values()).count("409") == len(sizes) - 1
    latest = witness.store.latest(TEST_ORIGIN)
    assert latest is not None and latest.size == winners[0]


def test_the_root_page_names_the_witness_and_its_logs(witness: Witness, http: TestClient) -> None:
    text = http.get("/").text
    assert witness.cosigner.verifier_key() in text
    assert f"log {TEST_ORIGIN}" in text
