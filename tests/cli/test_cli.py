"""The operator CLI: init, log append / integrate / key, and clear errors with exit codes."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

from glassbox.tlog import Checkpoint, Signer, open_checkpoint
from tests.conftest import DATA, TEST_KEY, TEST_ORIGIN
from tests.live import run_cli


def test_init_creates_a_private_key_and_prints_the_verifier_key(tmp_path: Path) -> None:
    data = tmp_path / "d"
    proc = run_cli("init", "--data", data, "--origin", "example.test/glassbox/cli", check=True)
    key = data / "log.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    signer = Signer.from_key_string(key.read_text().strip())
    assert signer.name == "example.test/glassbox/cli"
    assert signer.verifier_key() in proc.stdout
    assert signer.key_string() not in proc.stdout
    assert "gbo_" in proc.stdout
    assert "gbo_" not in (data / "settings.toml").read_text()
    assert run_cli("log", "key", "--data", data, check=True).stdout.strip() == signer.verifier_key()
    # the default policy is the first entry, already under a signed checkpoint
    note = run_cli("log", "integrate", "--data", data, check=True).stdout
    assert open_checkpoint(note, signer.verifier()).size == 1
    assert (data / "policy" / "policy.cedar").is_file()


def test_init_refuses_an_initialised_directory(tmp_path: Path) -> None:
    run_cli("init", "--data", tmp_path / "d", check=True)
    proc = run_cli("init", "--data", tmp_path / "d")
    assert proc.returncode == 2 and "already initialised" in proc.stderr


def test_init_imports_a_signing_key(tmp_path: Path) -> None:
    key_file = DATA / "testdata-signing-key.txt"
    run_cli("init", "--data", tmp_path / "d", "--signing-key", key_file, check=True)
    out = run_cli("log", "key", "--data", tmp_path / "d", check=True).stdout.strip()
    assert out == Signer.from_key_string(TEST_KEY).verifier_key()
    proc = run_cli(
        "init", "--data", tmp_path / "e", "--signing-key", key_file, "--origin", "other.example/log"
    )
    assert proc.returncode == 2 and "differs" in proc.stderr
    bad = tmp_path / "bad.key"
    bad.write_text("PRIVATE+KEY+nonsense\n")
    proc = run_cli("init", "--data", tmp_path / "f", "--signing-key", bad)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr


def test_append_and_integrate(tmp_path: Path) -> None:
    data = tmp_path / "d"
    run_cli("init", "--data", data, "--signing-key", DATA / "testdata-signing-key.txt", check=True)
    files = []
    for i in range(3):
        f = tmp_path / f"e{i}"
        f.write_bytes(b"entry %d" % i)
        files.append(f)
    out = run_cli("log", "append", "--data", data, *files, check=True).stdout
    # index 0 is the default policy, published by init
    assert [line.split("\t")[0] for line in out.splitlines()] == ["1", "2", "3"]
    note = run_cli("log", "integrate", "--data", data, check=True).stdout
    cp: Checkpoint = open_checkpoint(note, Signer.from_key_string(TEST_KEY).verifier())
    assert (cp.origin, cp.size) == (TEST_ORIGIN, 4)


def test_oversized_or_missing_files_are_refused_whole(tmp_path: Path) -> None:
    data = tmp_path / "d"
    run_cli("init", "--data", data, check=True)
    small, big = tmp_path / "small", tmp_path / "big"
    small.write_bytes(b"ok")
    big.write_bytes(b"x" * 65536)
    proc = run_cli("log", "append", "--data", data, small, big)
    assert proc.returncode == 2 and "65535" in proc.stderr
    proc = run_cli("log", "append", "--data", data, small, tmp_path / "missing")
    assert proc.returncode == 2 and "cannot read" in proc.stderr
    note = run_cli("log", "integrate", "--data", data, check=True).stdout
    assert note.splitlines()[1] == "1"  # only the policy entry: nothing from the refused appends


def test_a_world_readable_key_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "d"
    run_cli("init", "--data", data, check=True)
    (data / "log.key").chmod(0o644)
    proc = run_cli("log", "integrate", "--data", data)
    assert proc.returncode == 2 and "chmod 600" in proc.stderr


def test_commands_on_an_uninitialised_directory_explain_what_to_do(tmp_path: Path) -> None:
    for args in (("serve",), ("log", "integrate"), ("log", "key")):
        proc = run_cli(*args, "--data", tmp_path / "nothing")
        assert proc.returncode == 2, args
        assert "glassbox init" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_serve_on_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    run_cli("init", "--data", tmp_path / "d", check=True)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run_cli("serve", "--data", tmp_path / "d", "--port", str(port))
    assert proc.returncode == 2
    assert f"error (config_error): cannot listen on 127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr and "--port" in proc.stderr


def test_help_reads_well() -> None:
    """Help text is shown as written (no markup eaten), with every category listed."""
    serve = run_cli("serve", "--help", check=True).stdout
    assert "Data directory [env GLASSBOX_DATA_DIR; default ./data]." in serve
    assert "<bool>" not in serve and "Port to listen on [8080]." in serve
    add = run_cli("clients", "add", "--help", check=True).stdout
    for category in ("government", "law_enforcement", "academic", "individual"):
        assert category in add
    assert "..." not in add.split("--category", 1)[1].split("--purpose", 1)[0]
