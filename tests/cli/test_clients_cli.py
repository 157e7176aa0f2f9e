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
    many = [arg for n in range(33) for arg in ("--purpose", f"p{n}")]
    crowded = run_cli("clients", "add", "Y", "--category", "ngo", *many, "--data", data)
    assert crowded.returncode == 2 and "at most 32 purposes" in crowded.stderr


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


def _admin_entries(data: Path) -> list[dict[str, object]]:
    from glassbox.core import Glassbox
    from glassbox.settings import load_settings

    with Glassbox.open(load_settings({"data_dir": data}, environ={})) as node:
        size = node.log.reader.sequenced()
        entries = [json.loads(node.log.reader.sequenced_entry(i)) for i in range(size)]
    return [e for e in entries if e["kind"] == "admin"]


def test_change_suspend_keys_list_and_the_users_verbs_each_leave_an_admin_entry(
    tmp_path: Path,
) -> None:
    data = _init(tmp_path)
    run_cli(
        *["clients", "add", "Acme", "--category", "commercial", "--purpose", "a"],
        "--data",
        data,
        check=True,
    )
    changed = run_cli(
        *[
            "clients",
            "change",
            "Acme",
            "--purpose",
            "a",
            "--purpose",
            "b",
            "--requests-per-minute",
            "30",
        ],
        "--data",
        data,
        check=True,
    )
    assert "purposes a, b" in changed.stdout
    key_id = run_cli("keys", "create", "Acme", "--data", data, check=True).stdout.split()[2]
    listed = run_cli("keys", "list", "Acme", "--data", data, check=True).stdout
    assert key_id in listed and "active" in listed and "gbk_" not in listed
    run_cli("keys", "revoke", key_id, "--data", data, check=True)
    assert "revoked" in run_cli("keys", "list", "Acme", "--data", data, check=True).stdout

    assert "suspended" in run_cli("clients", "suspend", "Acme", "--data", data, check=True).stdout
    assert "suspended" in run_cli("clients", "list", "--data", data, check=True).stdout
    run_cli("clients", "suspend", "Acme", "--resume", "--data", data, check=True)

    password = "a long enough password"
    run_cli("users", "add", "rita", "--password-stdin", "--data", data, check=True, stdin=password)
    run_cli("users", "disable", "rita", "--data", data, check=True)
    users = run_cli("users", "list", "--data", data, check=True).stdout
    assert "rita\treviewer\t\tdisabled\tr_" in users
    run_cli("users", "disable", "rita", "--enable", "--data", data, check=True)
    short = run_cli("users", "passwd", "rita", "--password-stdin", "--data", data, stdin="short")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    run_cli(
        "users", "passwd", "rita", "--password-stdin", "--data", data, check=True, stdin="x" * 20
    )
    missing = run_cli("users", "disable", "nobody", "--data", data)
    assert missing.returncode == 3 and "no user named" in missing.stderr

    entries = _admin_entries(data)
    assert [e["change"] for e in entries] == [
        "client_added",
        "client_changed",
        "key_created",
        "key_revoked",
        "client_suspended",
        "client_resumed",
        "user_added",
        "user_disabled",
        "user_enabled",
        "password_reset",
    ]
    assert {e["actor"] for e in entries} == {"operator"}
    assert entries[1]["settings"] == {
        "category": "commercial",
        "purposes": ["a", "b"],
        "daily_audio_seconds": 8 * 3600,
        "requests_per_minute": 30,
    }
    text = json.dumps(entries)
    assert "Acme" not in text and "rita" not in text and key_id not in text
    assert entries[0]["subject"].startswith("c_") and entries[6]["subject"].startswith("r_")


def test_keys_webhook_sets_replaces_and_removes_a_webhook_each_an_admin_entry(
    tmp_path: Path,
) -> None:
    data = _init(tmp_path)
    run_cli(
        *["clients", "add", "Acme", "--category", "commercial", "--purpose", "a"],
        "--data",
        data,
        check=True,
    )
    key_id = run_cli("keys", "create", "Acme", "--data", data, check=True).stdout.split()[2]
    url = "https://hooks.example.test/glassbox?client=acme"
    first = run_cli("keys", "webhook", key_id, url, "--data", data, check=True).stdout
    secret = first.strip().splitlines()[-1]
    assert secret.startswith("whsec_") and len(secret) > 40
    listed = run_cli("keys", "list", "Acme", "--data", data, check=True).stdout
    assert url in listed and secret not in listed
    second = run_cli("keys", "webhook", key_id, url + "2", "--data", data, check=True).stdout
    replaced = second.strip().splitlines()[-1]
    assert replaced.startswith("whsec_") and replaced != secret  # replacing makes a new secret
    stored = b"".join(p.read_bytes() for p in data.glob("glassbox.db*"))  # with the WAL
    assert (url + "2").encode() in stored  # the URL is kept as it is,
    assert replaced.encode() not in stored  # the secret only sealed
    assert replaced.removeprefix("whsec_").encode() not in stored
    run_cli("keys", "webhook", key_id, "--remove", "--data", data, check=True)
    assert url not in run_cli("keys", "list", "Acme", "--data", data, check=True).stdout
    again = run_cli("keys", "webhook", key_id, "--remove", "--data", data)
    assert again.returncode == 3 and "has no webhook" in again.stderr

    for bad, why in [
        ("ftp://hooks.example.test/x", "http:// or https://"),
        ("https:///no-host", "with a host"),
        ("https://user:pw@hooks.example.test/", "credentials"),
        ("https://hooks.example.test/" + "x" * 2000, "at most 2000"),
        ("https://hooks.example.test:99999/", "not a valid URL"),
    ]:
        refused = run_cli("keys", "webhook", key_id, bad, "--data", data)
        assert refused.returncode == 2 and why in refused.stderr, refused.stderr
    neither = run_cli("keys", "webhook", key_id, "--data", data)
    assert neither.returncode == 2 and "either a URL or --remove" in neither.stderr
    unknown = run_cli("keys", "webhook", "nokey", url, "--data", data)
    assert unknown.returncode == 3 and "no active key" in unknown.stderr

    entries = _admin_entries(data)
    assert [e["change"] for e in entries][-3:] == ["webhook_set", "webhook_set", "webhook_removed"]
    assert {e["subject"] for e in entries[-3:]} == {entries[0]["subject"]}
    text = json.dumps(entries)
    assert "hooks.example.test" not in text and "whsec_" not in text
