"""`glassbox audit verify` accepts an honest log and catches every kind of tampering."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, Executable, delete, select, update

from glassbox.core import Glassbox
from glassbox.store import log_checkpoints, log_entries, log_sequence, log_tiles, log_tree
from glassbox.tlog import Signer, open_checkpoint
from tests.conftest import TEST_KEY
from tests.live import Server, run_cli

VKEY = Signer.from_key_string(TEST_KEY).verifier_key()
N = 600  # three bundles and a level-1 tile


def _fill(node: Glassbox, n: int = N, start: int = 0) -> None:
    node.log.append([f"entry {i}".encode() for i in range(start, start + n)])
    node.log.integrator.integrate_all()


def _verify(log: str | Path, *extra: str | Path) -> tuple[int, str]:
    proc = run_cli("audit", "verify", log, "--key", VKEY, *extra)
    return proc.returncode, proc.stdout + proc.stderr


def test_honest_log_verifies_and_state_advances(
    node: Glassbox, data_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    _fill(node, 300)
    code, out = _verify(data_dir, "--state", state)
    assert code == 0, out
    cp = open_checkpoint(node.log.reader.checkpoint(), node.log.signer.verifier())
    assert out.strip() == f"OK {cp.origin} size=300 root={base64.b64encode(cp.root).decode()}"
    _fill(node, 300, start=300)
    code, out = _verify(data_dir, "--state", state)
    assert code == 0, out
    assert "size=600" in out
    assert '"size": 600' in state.read_text()


def test_wrong_key_is_refused(node: Glassbox, data_dir: Path) -> None:
    _fill(node, 3)
    other = Signer.generate("example.test/glassbox/testdata").verifier_key()
    proc = run_cli("audit", "verify", data_dir, "--key", other)
    assert proc.returncode != 0
    assert "signature" in proc.stderr.lower()


def _swap(engine: Engine, a: int, b: int) -> None:
    with engine.begin() as conn:
        rows = dict(
            conn.execute(
                select(log_entries.c.idx, log_entries.c.data).where(log_entries.c.idx.in_([a, b]))
            ).all()
        )
        conn.execute(update(log_entries).where(log_entries.c.idx == a).values(data=rows[b]))
        conn.execute(update(log_entries).where(log_entries.c.idx == b).values(data=rows[a]))


def _set_tile_hash(engine: Engine, level: int, index: int, pos: int) -> None:
    with engine.begin() as conn:
        blob = bytearray(
            conn.execute(
                select(log_tiles.c.hashes).where(
                    log_tiles.c.level == level, log_tiles.c.idx == index
                )
            ).scalar_one()
        )
        blob[pos * 32] ^= 1
        conn.execute(
            update(log_tiles)
            .where(log_tiles.c.level == level, log_tiles.c.idx == index)
            .values(hashes=bytes(blob))
        )


def _exec(engine: Engine, stmt: Executable) -> None:
    with engine.begin() as conn:
        conn.execute(stmt)


TAMPERING: dict[str, tuple[Callable[[Engine], None], str]] = {
    "entry changed": (
        lambda e: _exec(
            e, update(log_entries).where(log_entries.c.idx == 300).values(data=b"forged")
        ),
        "entry 300",
    ),
    "entry deleted": (
        lambda e: _exec(e, delete(log_entries).where(log_entries.c.idx == 42)),
        "entry bundle 0",
    ),
    "entries reordered": (lambda e: _swap(e, 10, 11), "entry 10"),
    "leaf hash changed": (lambda e: _set_tile_hash(e, 0, 1, 7), "entry 263"),
    "level-1 hash changed": (lambda e: _set_tile_hash(e, 1, 0, 1), "tile level 1 index 0"),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampering_is_caught_and_located(node: Glassbox, data_dir: Path, case: str) -> None:
    _fill(node)
    assert _verify(data_dir)[0] == 0
    tamper, where = TAMPERING[case]
    tamper(node.engine)
    code, out = _verify(data_dir)
    assert code != 0, out
    assert where in out, out


def test_checkpoint_rollback_is_caught(node: Glassbox, data_dir: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _fill(node, 100)
    _fill(node, 100, start=100)
    assert _verify(data_dir, "--state", state)[0] == 0
    with node.engine.begin() as conn:
        old = conn.execute(select(log_checkpoints.c.note).where(log_checkpoints.c.size == 100))
        conn.execute(update(log_tree).values(checkpoint=old.scalar_one(), size=100))
    code, out = _verify(data_dir, "--state", state)
    assert code != 0
    assert "rollback" in out and "size 100" in out and "200" in out
    assert '"size": 200' in state.read_text()  # a failed run never overwrites the state


def test_rewritten_history_is_caught_by_consistency(
    node: Glassbox, data_dir: Path, tmp_path: Path
) -> None:
    """The operator re-signs a different history: each checkpoint alone verifies, the pair not."""
    state = tmp_path / "state.json"
    _fill(node, 300)
    assert _verify(data_dir, "--state", state)[0] == 0
    with node.engine.begin() as conn:
        for table in (log_entries, log_tiles, log_checkpoints):
            conn.execute(delete(table))
        conn.execute(update(log_sequence).values(next_idx=0))
        conn.execute(update(log_tree).values(size=0, compact=b"", checkpoint=""))
    node.log.append([b"rewritten"] + [f"entry {i}".encode() for i in range(1, 310)])
    node.log.integrator.integrate_all()
    assert _verify(data_dir)[0] == 0  # alone, the forged log is self-consistent
    code, out = _verify(data_dir, "--state", state)
    assert code != 0
    assert "inconsistent" in out and "size 300" in out and "proof" in out


def test_verify_over_http_with_a_live_server(data_dir: Path, tmp_path: Path) -> None:
    from glassbox.settings import load_settings

    node = Glassbox.open(load_settings({"data_dir": data_dir}, environ={}))
    try:
        _fill(node, 700)
    finally:
        node.close()
    server = Server(data_dir).start()
    try:
        code, out = _verify(f"{server.url}/log", "--state", tmp_path / "s.json")
        assert code == 0, out
        assert "size=702" in out  # and the first start's demo client and key, as admin entries
        proc = run_cli("audit", "verify", f"{server.url}/log")
        assert proc.returncode != 0 and "--key" in proc.stderr
    finally:
        server.stop()


def test_unreachable_log_is_a_clear_error(tmp_path: Path) -> None:
    proc = run_cli("audit", "verify", "http://127.0.0.1:9/log", "--key", VKEY)
    assert proc.returncode == 4
    assert "cannot fetch" in proc.stderr
    proc = run_cli("audit", "verify", tmp_path / "nowhere", "--key", VKEY)
    assert proc.returncode != 0 and "neither" in proc.stderr
