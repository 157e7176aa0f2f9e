"""`audit entry`, `audit find` and `log get`: entries by index or request, proved, never trusted."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import update

from glassbox.core import Glassbox
from glassbox.entries import canonical
from glassbox.settings import load_settings
from glassbox.store import log_entries
from glassbox.tlog import Signer
from tests.conftest import TEST_KEY
from tests.live import Server, run_cli

VKEY = Signer.from_key_string(TEST_KEY).verifier_key()
COMMITMENT = "sha256:" + hashlib.sha256(b"salt and the audio").hexdigest()


def _decision(n: int, request: str, **more: str) -> dict[str, object]:
    return {"v": 1, "kind": "decision", "n": n, "request": request, "outcome": "served", **more}


ENTRIES = [_decision(n, f"req-{n}") for n in range(300)]
ENTRIES[7] = _decision(7, "req-held", outcome="held")
ENTRIES[290] = _decision(290, "req-held", input=COMMITMENT)  # its final entry, in bundle 1


@pytest.fixture
def logged(node: Glassbox) -> Glassbox:
    node.log.append([canonical(e) for e in ENTRIES] + [b"not json \x1b[31m"])
    node.log.integrator.integrate_all()
    return node


def test_an_entry_is_printed_after_its_inclusion_proof(logged: Glassbox, data_dir: Path) -> None:
    proc = run_cli("audit", "entry", data_dir, "290", "--key", VKEY)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ENTRIES[290]
    assert proc.stdout == json.dumps(json.loads(canonical(ENTRIES[290])), indent=2) + "\n"
    assert "entry 290: inclusion proof verified under example.test/glassbox/testdata size=301" in (
        proc.stderr
    )
    raw = run_cli("audit", "entry", data_dir, "300")
    assert raw.returncode == 0 and raw.stdout == "not json \\x1b[31m\n"  # never raw escapes


def test_the_operator_gets_the_same_entry_from_the_node(logged: Glassbox, data_dir: Path) -> None:
    proc = run_cli("log", "get", "7", "--data", data_dir)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ENTRIES[7]
    assert "inclusion proof verified" in proc.stderr


def test_an_index_beyond_the_checkpoint_is_not_found(logged: Glassbox, data_dir: Path) -> None:
    for command in (["audit", "entry", data_dir, "301"], ["log", "get", "301", "--data", data_dir]):
        proc = run_cli(*command)
        assert proc.returncode == 3, proc.stderr
        assert "entry 301 is not in the log: its latest checkpoint has size 301" in proc.stderr
    logged.log.append([b"sequenced, not yet in a checkpoint"])
    proc = run_cli("log", "get", "301", "--data", data_dir)
    assert proc.returncode == 3 and "once a checkpoint includes it" in proc.stderr
    negative = run_cli("audit", "entry", data_dir, "-1")
    assert negative.returncode == 2


def test_a_changed_entry_fails_its_inclusion_proof(logged: Glassbox, data_dir: Path) -> None:
    with logged.engine.begin() as conn:
        conn.execute(update(log_entries).where(log_entries.c.idx == 5).values(data=b"{}"))
    proc = run_cli("audit", "entry", data_dir, "5")
    assert proc.returncode == 10
    assert "inclusion" in proc.stderr


def test_find_lists_every_entry_of_a_request(logged: Glassbox, data_dir: Path) -> None:
    proc = run_cli("audit", "find", data_dir, "--request", "req-held")
    assert proc.returncode == 0, proc.stderr
    assert "2 entries for request req-held, verified with the whole log" in proc.stderr
    head, rest = proc.stdout.split("entry 290:\n")
    assert (
        head.startswith("entry 7:\n")
        and json.loads(head.removeprefix("entry 7:\n")) == (ENTRIES[7])
    )
    assert json.loads(rest) == ENTRIES[290]
    by_commitment = run_cli("audit", "find", data_dir, "--commitment", COMMITMENT)
    assert by_commitment.returncode == 0, by_commitment.stderr
    assert by_commitment.stdout.startswith("entry 290:\n")
    assert "entry 7:" not in by_commitment.stdout


def test_find_says_clearly_what_it_did_not_find(logged: Glassbox, data_dir: Path) -> None:
    proc = run_cli("audit", "find", data_dir, "--request", "req-none")
    assert proc.returncode == 3
    assert "no entry for request req-none in the 301 entries" in proc.stderr
    other = "sha256:" + "0" * 64
    assert run_cli("audit", "find", data_dir, "--commitment", other).returncode == 3
    for bad in (
        ["--commitment", "sha256:xyz"],
        [],
        ["--request", "a", "--commitment", COMMITMENT],
    ):
        proc = run_cli("audit", "find", data_dir, *bad)
        assert proc.returncode == 2, (bad, proc.stderr)


def test_lookups_over_http_use_the_tile_cache(data_dir: Path, tmp_path: Path) -> None:
    node = Glassbox.open(load_settings({"data_dir": data_dir}, environ={}))
    try:
        node.log.append([canonical(e) for e in ENTRIES])
        node.log.integrator.integrate_all()
    finally:
        node.close()
    server = Server(data_dir).start()
    try:
        log = f"{server.url}/log"
        proc = run_cli("audit", "entry", log, "290", "--key", VKEY)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout) == ENTRIES[290]
        assert run_cli("audit", "entry", log, "290").returncode == 2  # a URL needs --key
        cache = tmp_path / "cache"
        for _ in range(2):
            found = run_cli("audit", "find", log, "--request", "req-held", "--key", VKEY)
            assert found.returncode == 0, found.stderr
            cached = run_cli(
                "audit", "find", log, "--request", "req-held", "--key", VKEY, "--cache", cache
            )
            assert cached.stdout == found.stdout
        assert (cache / "tile" / "entries" / "000").is_file()
        missing = run_cli("audit", "entry", log, "5000", "--key", VKEY)
        assert missing.returncode == 3 and "not in the log" in missing.stderr
    finally:
        server.stop()
