"""A verifier key that does not parse is bad input (exit 2), never a failed verification (10)."""

from __future__ import annotations

from pathlib import Path

import pytest

from glassbox.audit import log_verifier, witness_verifier
from glassbox.errors import InputError
from glassbox.tlog import Signer
from tests.conftest import TEST_KEY
from tests.live import run_cli

DEAD = "http://127.0.0.1:9/log"  # never fetched: the key is checked first
VKEY = Signer.from_key_string(TEST_KEY).verifier_key()
MALFORMED = [
    "garbage",
    "example.test/glassbox/testdata+00000000+AAAA",  # wrong hash, short key
    VKEY[:-4],  # truncated base64
    VKEY.replace("+", "-"),
]


@pytest.mark.parametrize("bad", MALFORMED)
def test_a_malformed_key_is_an_input_error(bad: str) -> None:
    with pytest.raises(InputError, match="malformed"):
        log_verifier(bad)
    with pytest.raises(InputError, match="witness key"):
        witness_verifier(bad)


def _commands(tmp_path: Path, bad: str) -> dict[str, list[str | Path]]:
    receipt = tmp_path / "receipt.json"
    receipt.write_text('{"index": 0, "entry": "{}", "leaf_hash": "AAAA"}')
    state = tmp_path / "state.json"
    return {
        "audit verify": ["audit", "verify", DEAD, "--key", bad],
        "audit watch": [
            "audit",
            "watch",
            DEAD,
            "--key",
            bad,
            "--state",
            state,
            "--max-checks",
            "1",
        ],
        "audit report": ["audit", "report", DEAD, "--period", "2026-01", "--key", bad],
        "audit entry": ["audit", "entry", DEAD, "0", "--key", bad],
        "audit find": ["audit", "find", DEAD, "--request", "r", "--key", bad],
        "receipt verify": ["receipt", "verify", receipt, "--key", bad],
        "receipt verify --log": ["receipt", "verify", receipt, "--key", bad, "--log", DEAD],
        "audit verify --witness": ["audit", "verify", DEAD, "--key", VKEY, "--witness", bad],
    }


@pytest.mark.parametrize(
    "command",
    [
        "audit verify",
        "audit watch",
        "audit report",
        "audit entry",
        "audit find",
        "receipt verify",
        "receipt verify --log",
        "audit verify --witness",
    ],
)
def test_every_command_exits_2_on_a_malformed_key(tmp_path: Path, command: str) -> None:
    proc = run_cli(*_commands(tmp_path, "garbage")[command])
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "error (invalid_request)" in proc.stderr
    assert "garbage" in proc.stderr
