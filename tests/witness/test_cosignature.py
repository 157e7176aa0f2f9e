"""C2SP tlog-cosignature v1: the known answer, keys, round trips, corruption, and quorums."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from glassbox.errors import FormatError, InputError, SignatureError
from glassbox.tlog import (
    Checkpoint,
    CosignatureVerifier,
    Cosigner,
    NoteSignature,
    Signer,
    Verifier,
    cosign_checkpoint,
    open_cosigned_checkpoint,
    sign_checkpoint,
    verify_cosignature,
)
from tests.tlog._support import data_json

FORMATS = data_json("transparency-dev_formats_note_vectors.json")
KAT = next(v for k, v in FORMATS.items() if k.startswith("DERIVED_cosignature_v1_vector"))
PAIRS = FORMATS[
    "witness_keypairs (witness/witness_test.go, tessera internal/witness/client_test.go)"
]
WIT2_VKEY, WIT2_SKEY = next(v for k, v in PAIRS.items() if k.startswith("Wit2Alt"))

LOG = Signer("example.test/glassbox/cosign-log", b"L" * 32)
W1 = Cosigner(Signer("example.test/witness/w1", b"1" * 32))
W2 = Cosigner(Signer("example.test/witness/w2", b"2" * 32))
W3 = Cosigner(Signer("example.test/witness/w3", b"3" * 32))
CP = Checkpoint(LOG.name, 12, hashlib.sha256(b"twelve").digest())
NOTE = sign_checkpoint(CP, LOG)


def _cosigned(*lines: str) -> str:
    return NOTE + "".join(line + "\n" for line in lines)


# -- the known answer -------------------------------------------------------------------------


def test_witness_key_from_a_plain_signer_key_has_the_type_4_verifier_key() -> None:
    cosigner = Cosigner.from_key_string(WIT2_SKEY)
    assert cosigner.verifier_key() == WIT2_VKEY
    assert CosignatureVerifier.from_key_string(WIT2_VKEY) == cosigner.verifier()
    public = base64.b64decode(WIT2_VKEY.split("+")[2])
    assert public[0] == 0x04
    expected = hashlib.sha256(b"Wit2\n\x04" + public[1:]).digest()[:4]
    assert cosigner.key_hash == expected
    assert WIT2_VKEY.split("+")[1] == expected.hex()


def test_known_answer_cosignature_is_reproduced_byte_for_byte() -> None:
    cosigner = Cosigner.from_key_string(WIT2_SKEY)
    checkpoint = Checkpoint.parse(KAT["checkpoint_body"])
    line = cosign_checkpoint(checkpoint, cosigner, KAT["timestamp"])
    assert line == KAT["signature_line"]
    verifier = CosignatureVerifier.from_key_string(KAT["cosigner_vkey"])
    assert verify_cosignature(checkpoint, line, verifier) == KAT["timestamp"]


def test_signed_message_is_header_time_line_and_checkpoint_text() -> None:
    line = cosign_checkpoint(Checkpoint.parse(KAT["checkpoint_body"]), W1, KAT["timestamp"])
    raw = base64.b64decode(line.split(" ")[2])
    assert int.from_bytes(raw[4:12], "big") == KAT["timestamp"]
    public = Ed25519PublicKey.from_public_bytes(W1.verifier().public_key)
    public.verify(raw[12:], KAT["signed_message"].encode())  # raises if it is not this message


def test_a_log_key_is_not_a_witness_key() -> None:
    with pytest.raises(FormatError, match="log key"):
        CosignatureVerifier.from_key_string(LOG.verifier_key())
    with pytest.raises(FormatError, match="does not match"):
        CosignatureVerifier.from_key_string(WIT2_VKEY.replace("Wit2+", "Wit3+"))


def test_cosigner_repr_hides_the_secret() -> None:
    secret = W1.key_string().split("+")[-1]
    assert secret not in repr(W1) and secret not in str(W1)


# -- round trips and corruption ---------------------------------------------------------------

names = st.from_regex(r"[a-z0-9./-]{1,30}", fullmatch=True)
checkpoints = st.builds(
    Checkpoint,
    origin=names,
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(st.from_regex(r"[ -~]{1,20}", fullmatch=True), max_size=2).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(
    checkpoint=checkpoints,
    name=names,
    seed=st.binary(min_size=32, max_size=32),
    timestamp=st.integers(0, 2**63 - 1),
)
def test_any_cosignature_round_trips(
    checkpoint: Checkpoint, name: str, seed: bytes, timestamp: int
) -> None:
    cosigner = Cosigner(Signer(name, seed))
    line = cosign_checkpoint(checkpoint, cosigner, timestamp)
    parsed = CosignatureVerifier.from_key_string(cosigner.verifier_key())
    assert verify_cosignature(checkpoint, line, parsed) == timestamp
    assert verify_cosignature(checkpoint.to_text() + "\n" + line + "\n", line, parsed) == timestamp


@settings(max_examples=60, deadline=None)
@given(checkpoint=checkpoints, timestamp=st.integers(0, 2**63 - 1), data=st.data())
def test_every_corruption_is_refused(
    checkpoint: Checkpoint, timestamp: int, data: st.DataObject
) -> None:
    line = cosign_checkpoint(checkpoint, W1, timestamp)
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    bit = data.draw(st.integers(0, len(raw) * 8 - 1), label="bit")
    raw[bit // 8] ^= 1 << (bit % 8)
    flipped = f"— {W1.name} {base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(SignatureError):
        verify_cosignature(checkpoint, flipped, W1.verifier())
    other = Checkpoint(checkpoint.origin, (checkpoint.size + 1) % 2**64, checkpoint.root)
    with pytest.raises(SignatureError):
        verify_cosignature(other, line, W1.verifier())
    with pytest.raises(SignatureError):
        verify_cosignature(checkpoint, line, W2.verifier())


def test_truncated_or_padded_signatures_are_refused() -> None:
    good = W1.sign(CP.to_text(), 5)
    for blob in (good.signature[:-1], good.signature + b"\0", good.signature[:8]):
        bad = NoteSignature(good.name, good.key_hash, blob)
        with pytest.raises(SignatureError):
            verify_cosignature(CP, bad, W1.verifier())


def test_timestamps_outside_the_spec_range_are_refused() -> None:
    with pytest.raises(InputError):
        cosign_checkpoint(CP, W1, 2**63)
    with pytest.raises(InputError):
        cosign_checkpoint(CP, W1, -1)


def test_a_plain_note_signature_is_not_a_cosignature() -> None:
    # Same Ed25519 key, but signed as a type 0x01 note signature: different key hash.
    plain = Signer(W1.name, b"1" * 32)
    line = sign_checkpoint(CP, plain).split("\n")[-2]
    with pytest.raises(SignatureError, match="not witness"):
        verify_cosignature(CP, line, W1.verifier())


# -- quorums -----------------------------------------------------------------------------------


def test_quorum_met_names_the_cosigners_in_order() -> None:
    note = _cosigned(cosign_checkpoint(NOTE, W2, 7), cosign_checkpoint(NOTE, W1, 8))
    opened = open_cosigned_checkpoint(
        note, LOG.verifier(), [W1.verifier(), W2.verifier(), W3.verifier()], quorum=2
    )
    assert opened.checkpoint == CP
    assert opened.cosigners == (W1.name, W2.name)
    assert opened.timestamps == (8, 7)


def test_missing_cosignatures_are_named() -> None:
    note = _cosigned(cosign_checkpoint(NOTE, W1, 8))
    with pytest.raises(SignatureError) as caught:
        open_cosigned_checkpoint(
            note, LOG.verifier(), [W1.verifier(), W2.verifier(), W3.verifier()], quorum=2
        )
    message = caught.value.message
    assert "1 valid witness cosignature(s), 2 required" in message
    assert W2.name in message and W3.name in message and f"{W1.name}+" not in message


def test_unknown_cosigners_are_ignored_and_a_bad_known_one_rejects() -> None:
    stranger = Cosigner(Signer("example.test/witness/stranger", b"s" * 32))
    note = _cosigned(cosign_checkpoint(NOTE, stranger, 1), cosign_checkpoint(NOTE, W1, 2))
    opened = open_cosigned_checkpoint(note, LOG.verifier(), [W1.verifier()], quorum=1)
    assert opened.cosigners == (W1.name,)
    forged = cosign_checkpoint(Checkpoint(CP.origin, 13, CP.root), W1, 2)
    with pytest.raises(SignatureError, match="invalid cosignature"):
        open_cosigned_checkpoint(_cosigned(forged), LOG.verifier(), [W1.verifier()], quorum=1)


def test_one_key_under_two_names_counts_once() -> None:
    alias = CosignatureVerifier("example.test/witness/alias", W1.verifier().public_key)
    note = _cosigned(cosign_checkpoint(NOTE, W1, 1))
    with pytest.raises(InputError, match="1 distinct"):
        open_cosigned_checkpoint(note, LOG.verifier(), [W1.verifier(), alias], quorum=2)


def test_the_log_signature_is_still_required() -> None:
    other_log = Verifier(
        "example.test/glassbox/cosign-log", Signer.generate("x").verifier().public_key
    )
    note = _cosigned(cosign_checkpoint(NOTE, W1, 1))
    with pytest.raises(SignatureError, match="not signed by any trusted key"):
        open_cosigned_checkpoint(note, other_log, [W1.verifier()], quorum=1)


@pytest.mark.parametrize("quorum", [0, 2])
def test_impossible_quorums_are_input_errors(quorum: int) -> None:
    with pytest.raises(InputError):
        open_cosigned_checkpoint(NOTE, LOG.verifier(), [W1.verifier()], quorum=quorum)
    with pytest.raises(InputError):
        open_cosigned_checkpoint(NOTE, LOG.verifier(), [], quorum=1)


def test_a_witness_that_cosigned_twice_is_refused() -> None:
    note = _cosigned(cosign_checkpoint(NOTE, W1, 1), cosign_checkpoint(NOTE, W1, 2))
    with pytest.raises(SignatureError, match="more than once"):
        open_cosigned_checkpoint(note, LOG.verifier(), [W1.verifier()], quorum=1)
