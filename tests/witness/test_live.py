"""Live: `glassbox serve` with a live `glassbox witness serve` publishes cosigned checkpoints."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from glassbox.tlog import parse_note
from tests.live import GLASSBOX, Server, free_port, run_cli

from ._support import LOG_VKEY, init_log


def _witness_init(data: Path, name: str) -> str:
    proc = run_cli("witness", "init", "--data", data, "--name", name, check=True)
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture
def witness(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A `glassbox witness serve` process following the test log: (url, verifier key)."""
    data = tmp_path / "witness"
    vkey = _witness_init(data, "example.test/witness/live")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLASSBOX_")}
    command = ["witness", "serve", "--data", str(data), "--port", str(port), "--log", LOG_VKEY]
    with open(tmp_path / "witness.log", "ab") as out:
        proc = subprocess.Popen(
            [*GLASSBOX, *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (tmp_path / "witness.log").read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "witness did not start"
            time.sleep(0.1)
        yield url, vkey
    finally:
        proc.terminate()
        proc.wait(15)


def test_witness_init_makes_a_private_key_and_refuses_to_replace_it(tmp_path: Path) -> None:
    data = tmp_path / "w"
    vkey = _witness_init(data, "example.test/witness/init")
    assert vkey.startswith("example.test/witness/init+")
    assert (data / "witness.key").stat().st_mode & 0o777 == 0o600
    assert run_cli("witness", "key", "--data", data, check=True).stdout.strip() == vkey
    again = run_cli("witness", "init", "--data", data, "--name", "example.test/witness/init")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert "no refused checkpoints" in run_cli("witness", "evidence", "--data", data).stdout


def test_a_live_log_serves_cosigned_checkpoints_and_the_auditor_counts_them(
    tmp_path: Path, witness: tuple[str, str]
) -> None:
    url, vkey = witness
    data = init_log(tmp_path / "log")
    env = {"GLASSBOX_WITNESSES": f"{url}|{vkey}", "GLASSBOX_METRICS_PUBLIC": "true"}
    server = Server(data, extra_env=env).start()
    try:
        deadline = time.monotonic() + 20
        while True:
            note = httpx.get(f"{server.url}/log/checkpoint").text
            if any(s.name == "example.test/witness/live" for s in parse_note(note).signatures):
                break
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.1)
        size = parse_note(note).text.splitlines()[1]
        metrics = httpx.get(f"{server.url}/metrics").text
        live = '{witness="example.test/witness/live"}'
        assert f"glassbox_witness_cosigned_size{live} {size}.0" in metrics
        assert f"glassbox_witness_lag{live} 0.0" in metrics
        assert f"glassbox_witness_last_cosigned_timestamp_seconds{live} 0.0" not in metrics

        log = f"{server.url}/log"
        ok = run_cli("audit", "verify", log, "--key", LOG_VKEY, "--witness", vkey, "--quorum", "1")
        assert ok.returncode == 0, ok.stderr
        assert "cosigned by example.test/witness/live" in ok.stdout

        two = run_cli("audit", "verify", log, "--key", LOG_VKEY, "--witness", vkey, "--quorum", "2")
        assert two.returncode == 2
        assert "a quorum of 2 cannot be met: 1 distinct witness key(s) given" in two.stderr

        absent = _witness_init(tmp_path / "absent", "example.test/witness/absent")
        missing = run_cli(
            "audit", "verify", log, "--key", LOG_VKEY, "--witness", vkey, "--witness", absent
        )
        assert missing.returncode == 10
        assert "1 valid witness cosignature(s), 2 required" in missing.stderr
        assert "missing: example.test/witness/absent+" in missing.stderr
    finally:
        server.stop()
