"""SIGKILL the server while clients append; nothing acknowledged is lost, nothing goes backwards."""

from __future__ import annotations

import base64
import contextlib
import threading
import time
from pathlib import Path

import httpx
import pytest

from glassbox.core import init_data_dir
from glassbox.settings import load_settings
from glassbox.tlog import Checkpoint, Signer, open_checkpoint, verify_consistency
from tests.conftest import TEST_KEY, TEST_ORIGIN
from tests.live import Server, run_cli

CYCLES = 3
WRITERS = 6


def _poll_checkpoints(url: str, seen: list[Checkpoint], stop: threading.Event) -> None:
    verifier = Signer.from_key_string(TEST_KEY).verifier()
    with httpx.Client(timeout=2) as client:
        while not stop.is_set():
            with contextlib.suppress(httpx.HTTPError):
                seen.append(open_checkpoint(client.get(f"{url}/log/checkpoint").text, verifier))
            time.sleep(0.05)


def _writer(
    url: str,
    token: str,
    name: str,
    acked: dict[int, bytes],
    stop: threading.Event,
    lock: threading.Lock,
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    n = 0
    with httpx.Client(timeout=5) as client:
        while not stop.is_set():
            batch = [f"{name} entry {n + i}".encode() for i in range(1 + n % 3)]
            n += len(batch)
            try:
                resp = client.post(
                    f"{url}/v1/operator/log/entries",
                    headers=auth,
                    json={"entries": [base64.b64encode(b).decode() for b in batch]},
                )
            except httpx.HTTPError:
                continue  # not acknowledged: may or may not be in the log
            if resp.status_code == 200:
                with lock:
                    acked.update(zip(resp.json()["indices"], batch, strict=True))


def _entries(url: str, size: int) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    with httpx.Client(timeout=10) as client:
        for start in range(0, size, 1000):
            end = min(size, start + 1000)
            body = client.get(f"{url}/log/entries", params={"start": start, "end": end}).json()
            out.update(enumerate((base64.b64decode(e) for e in body["entries"]), start=start))
    return out


@pytest.mark.slow
def test_sigkill_during_appends_loses_no_acknowledged_entry(tmp_path: Path, db_url: str) -> None:
    data = tmp_path / "data"
    token = init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}),
        signing_key=TEST_KEY,
        database=db_url,
        default_policy=False,
    ).operator_token
    assert token
    acked: dict[int, bytes] = {}
    seen: list[Checkpoint] = []
    lock = threading.Lock()
    state = tmp_path / "audit-state.json"
    vkey = Signer.from_key_string(TEST_KEY).verifier_key()

    for cycle in range(CYCLES):
        server = Server(data).start()
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=_writer, args=(server.url, token, f"c{cycle}w{w}", acked, stop, lock)
            )
            for w in range(WRITERS)
        ]
        threads.append(threading.Thread(target=_poll_checkpoints, args=(server.url, seen, stop)))
        for t in threads:
            t.start()
        time.sleep(1.5 + 0.3 * cycle)
        server.kill()  # SIGKILL while writers are mid-request
        stop.set()
        for t in threads:
            t.join(10)

    server = Server(data).start()
    try:
        want = max(acked) + 1
        deadline = time.monotonic() + 10
        verifier = Signer.from_key_string(TEST_KEY).verifier()
        while time.monotonic() < deadline:
            final = open_checkpoint(httpx.get(f"{server.url}/log/checkpoint").text, verifier)
            if final.size >= want:
                break
            time.sleep(0.1)
        assert final.size >= want, "acknowledged entries were never integrated"
        stored = _entries(server.url, final.size)
        missing = {i: b for i, b in acked.items() if stored.get(i) != b}
        assert not missing, f"{len(missing)} acknowledged entries lost or changed"
        assert len(acked) > 100

        seen.append(final)
        sizes = [c.size for c in seen]
        assert sizes == sorted(sizes), "a checkpoint went backwards"
        roots: dict[int, bytes] = {}
        for cp in seen:
            assert roots.setdefault(cp.size, cp.root) == cp.root, "two roots for one size"
        for size, root in sorted(roots.items()):
            if 0 < size < final.size:
                body = httpx.get(
                    f"{server.url}/log/proof/consistency", params={"from": size, "to": final.size}
                ).json()
                proof = [base64.b64decode(h) for h in body["proof"]]
                verify_consistency(size, final.size, proof, root, final.root)
        audit = run_cli("audit", "verify", f"{server.url}/log", "--key", vkey, "--state", state)
        assert audit.returncode == 0, audit.stderr
    finally:
        server.stop()
