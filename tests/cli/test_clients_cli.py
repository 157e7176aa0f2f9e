"""Registering clients, creating and revoking keys, testing and publishing policy, from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from tests.live import run_cli


def _init(tmp_path: Path) -> Path:
    data = tmp_path / "d"
    run_cli("init", "--data", data, check=True)
    return data


def test_clients_and_keys(tmp_path: Path) -> None:
    data = _init(tmp_path)
    added = run_cli(
        "clients",
        "add",
        "Acme Captions",
        "--category",
        "commercial",
        "--purpose",
        "accessibility",
        "--purpose",
        "research",
        "--daily-audio-hours",
        "2.5",
        "--data",
        data,
        check=True,
    )
    assert "pseudonym c_" in added.stdout
    listed = run_cli("clients", "list", "--data", data, check=True).stdout
    assert "Acme Captions" in listed and "accessibility, research" in listed and "2.5" in listed
    key = run_cli("keys", "create", "Acme Captions", "--data", data, check=True).stdout
    secret = key.strip().splitlines()[-1]
    assert secret.startswith("gbk_")
    db = (data / "glassbox.db").read_bytes()
    assert secret.encode() not in db and secret.split("_", 2)[2].encode() not in db
    key_id = secret.split("_")[1]
    assert run_cli("keys", "revoke", key_id, "--data", data, check=True).returncode == 0
    again = run_cli("keys", "revoke", key_id, "--data", data)
    assert again.returncode == 3 and "no active key" in again.stderr


def test_client_registration_errors_are_clear(tmp_path: Path) -> None:
    data = _init(tmp_path)
    bad = run_cli("clients", "add", "X", "--category", "spies", "--purpose", "a", "--data", data)
    assert bad.returncode == 2 and "not one of" in bad.stderr
    bad = run_cli(
        "clients", "add", "X", "--category", "ngo", "--purpose", "Find People", "--data", data
    )
    assert bad.returncode == 2 and "purpose" in bad.stderr
    run_cli(
        "clients", "add", "X", "--category", "ngo", "--purpose", "a", "--data", data, check=True
    )
    dup = run_cli("clients", "add", "X", "--category", "ngo", "--purpose", "a", "--data", data)
    assert dup.returncode == 2 and "already exists" in dup.stderr
    missing = run_cli("keys", "create", "Nobody", "--data", data)
    assert missing.returncode == 3


def test_policy_test_and_publish(tmp_path: Path) -> None:
    data = _init(tmp_path)
    ok = run_cli("policy", "test", "--data", data, check=True)
    assert "0 failed" in ok.stdout
    same = run_cli("policy", "publish", "--data", data, check=True)
    assert "already in force" in same.stdout

    policy = data / "policy"
    tests = json.loads((policy / "tests.json").read_text())
    tests[0]["expect"] = "deny" if tests[0]["expect"] != "deny" else "allow"
    (policy / "tests.json").write_text(json.dumps(tests))
    failing = run_cli("policy", "test", "--data", data)
    assert failing.returncode == 1 and "FAIL" in failing.stdout
    refused = run_cli("policy", "publish", "--data", data)
    assert refused.returncode == 2 and tests[0]["name"] in refused.stderr

    (policy / "policy.cedar").write_text("permit(principal, action, resource) when { oops };")
    broken = run_cli("policy", "publish", "--data", data)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
