"""Signed-note Ed25519 keys: text encodings, key hashes, and keeping secrets out of reprs."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from glassbox.errors import FormatError, InputError
from glassbox.tlog import Signer, Verifier

from ._support import data_json

GO = data_json("golang_mod_sumdb_note_vectors.json")
FORMATS = data_json("transparency-dev_formats_note_vectors.json")
PETER: dict[str, Any] = GO["ed25519_keys"][0]
TEST_KEYPAIRS: dict[str, list[str]] = {
    **FORMATS["ed25519_test_keypairs (log/note_test.go)"],
    **{
        name: pair
        for name, pair in FORMATS[
            "witness_keypairs (witness/witness_test.go, tessera internal/witness/client_test.go)"
        ].items()
        if not name.startswith("Wit2Alt")
    },
}


def test_peter_neumann_key_pair() -> None:
    signer = Signer.from_key_string(PETER["skey"])
    assert signer.name == "PeterNeumann"
    assert signer.key_hash.hex() == PETER["key_id_hex"]
    assert signer.key_string() == PETER["skey"]
    assert signer.verifier_key() == PETER["vkey"]
    verifier = Verifier.from_key_string(PETER["vkey"])
    assert verifier == signer.verifier()
    assert verifier.key_string() == PETER["vkey"]


@pytest.mark.parametrize("name", sorted(TEST_KEYPAIRS))
def test_published_test_key_pairs(name: str) -> None:
    vkey, skey = TEST_KEYPAIRS[name]
    signer = Signer.from_key_string(skey)
    assert signer.verifier_key() == vkey
    assert Verifier.from_key_string(vkey).key_string() == vkey


def test_key_hash_is_sha256_of_name_newline_type_and_public_key() -> None:
    signer = Signer.generate("example.test/glassbox/keys")
    public = base64.b64decode(signer.verifier_key().split("+", 2)[2])[1:]
    assert public == signer.verifier().public_key
    expected = hashlib.sha256(b"example.test/glassbox/keys\n\x01" + public).digest()[:4]
    assert signer.key_hash == expected
    assert signer.verifier().key_hash == expected
    assert signer.verifier_key().split("+")[1] == expected.hex()


def test_generated_keys_round_trip_and_sign() -> None:
    signer = Signer.generate("example.test/glassbox/roundtrip")
    again = Signer.from_key_string(signer.key_string())
    verifier = Verifier.from_key_string(signer.verifier_key())
    assert again.verifier() == verifier
    signature = again.sign(b"hi")
    assert len(signature) == 64
    assert verifier.verify(b"hi", signature)
    assert not verifier.verify(b"ho", signature)
    assert not verifier.verify(b"hi", signature[:-1] + bytes([signature[-1] ^ 1]))
    assert not verifier.verify(b"hi", signature[:63])


def test_signer_repr_does_not_reveal_the_private_key() -> None:
    signer = Signer.from_key_string(PETER["skey"])
    secret = PETER["skey"].split("+", 4)[4]
    for shown in (repr(signer), str(signer), f"{signer}", f"{signer!r}"):
        assert secret not in shown
        assert "PRIVATE" not in shown
        assert "PeterNeumann" in shown


def _manglings(key: str) -> list[str]:
    """Every proper substring of the key and every one-character increment, as in Go's tests."""
    out = {key[i:j] for i in range(len(key) + 1) for j in range(i + 1, len(key) + 1)}
    out |= {key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))}
    out.discard(key)
    return sorted(out)


def test_mangled_verifier_keys_are_rejected() -> None:
    for mangled in _manglings(PETER["vkey"]):
        with pytest.raises(FormatError):
            Verifier.from_key_string(mangled)
            pytest.fail(f"accepted {mangled!r}")


def test_mangled_signer_keys_are_rejected() -> None:
    for mangled in _manglings(PETER["skey"]):
        with pytest.raises(FormatError):
            Signer.from_key_string(mangled)
            pytest.fail(f"accepted {mangled!r}")


@pytest.mark.parametrize(
    "vkey",
    [
        GO["negative_cases"]["bad_vkey_wrong_length_with_adjusted_hash"],
        GO["negative_cases"]["bad_vkey_unknown_algorithm_with_adjusted_hash"],
        *(case["vkey"] for case in FORMATS["ecdsa_note_type_0x02"]),
        FORMATS["rfc6962_note_type_0x05"]["vkey"],
        "Bad Name+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_unsupported_or_malformed_verifier_keys(vkey: str) -> None:
    with pytest.raises(FormatError):
        Verifier.from_key_string(vkey)


def test_signer_key_with_wrong_hash_is_rejected() -> None:
    name, hash_hex, key = PETER["skey"].removeprefix("PRIVATE+KEY+").split("+", 2)
    wrong = f"PRIVATE+KEY+{name}+{int(hash_hex, 16) ^ 1:08x}+{key}"
    with pytest.raises(FormatError, match="does not match"):
        Signer.from_key_string(wrong)
    with pytest.raises(FormatError):
        Signer.from_key_string(f"PRIVATE+KEY+Other+{hash_hex}+{key}")


@pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\tname", "nbsp\u00a0name"])
def test_invalid_key_names(name: str) -> None:
    with pytest.raises(InputError):
        Signer.generate(name)
