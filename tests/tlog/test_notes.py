"""C2SP signed notes: signing byte for byte, opening, and refusing what does not verify."""

from __future__ import annotations

import pytest

from glassbox.errors import FormatError, InputError, SignatureError
from glassbox.tlog import (
    Note,
    NoteSignature,
    Signer,
    Verifier,
    add_signatures,
    open_note,
    parse_note,
    sign_note,
)

from ._support import data_json

GO = data_json("golang_mod_sumdb_note_vectors.json")
FORMATS = data_json("transparency-dev_formats_note_vectors.json")
SPEC = data_json("c2sp_spec_examples.json")

TEXT: str = GO["signed_note_text"]
PETER_SIG, ENOCH_SIG = (line + "\n" for line in GO["signature_lines"])
PETER = Signer.from_key_string(GO["ed25519_keys"][0]["skey"])
PETER_V = Verifier.from_key_string(GO["ed25519_keys"][0]["vkey"])
ENOCH_V = Verifier.from_key_string(GO["ed25519_keys"][1]["vkey"])


def test_peter_neumann_signs_the_expected_note_byte_for_byte() -> None:
    assert sign_note(TEXT, PETER) == GO["expected_Sign_output_with_PeterNeumann"]
    assert GO["expected_Sign_output_with_PeterNeumann"] == TEXT + "\n" + PETER_SIG


def test_open_with_one_known_key_ignores_the_other() -> None:
    note = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [PETER_V])
    assert note.text == TEXT
    assert [s.name for s in note.signatures] == ["PeterNeumann", "EnochRoot"]
    assert [(s.name, s.key_hash.hex()) for s in note.verified] == [("PeterNeumann", "c74f20a3")]


def test_open_with_both_keys_verifies_both() -> None:
    note = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [ENOCH_V, PETER_V])
    assert [s.name for s in note.verified] == ["PeterNeumann", "EnochRoot"]


def test_note_signed_by_no_known_key_is_rejected() -> None:
    with pytest.raises(SignatureError, match="not signed by any trusted key"):
        open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])
    stranger = Signer.generate("PeterNeumann").verifier()  # same name, other key
    with pytest.raises(SignatureError):
        open_note(TEXT + "\n" + PETER_SIG, [stranger])


def test_tampered_signature_is_rejected() -> None:
    tampered = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(SignatureError, match="PeterNeumann\\+c74f20a3"):
        open_note(TEXT + "\n" + tampered, [PETER_V])
    # A bad signature from a known key spoils the note even next to a good one.
    with pytest.raises(SignatureError):
        open_note(TEXT + "\n" + ENOCH_SIG + tampered, [PETER_V, ENOCH_V])


def test_tampered_text_is_rejected() -> None:
    altered = TEXT.replace("problem,", "problem;")
    with pytest.raises(SignatureError):
        open_note(altered + "\n" + PETER_SIG, [PETER_V])


def test_every_flipped_signature_bit_is_rejected() -> None:
    note = parse_note(TEXT + "\n" + PETER_SIG)
    (signature,) = note.signatures
    for bit in range(len(signature.signature) * 8):
        raw = bytearray(signature.signature)
        raw[bit // 8] ^= 1 << (bit % 8)
        bad = NoteSignature(signature.name, signature.key_hash, bytes(raw))
        with pytest.raises(SignatureError):
            open_note(TEXT + "\n" + bad.line() + "\n", [PETER_V])


@pytest.mark.parametrize(
    "message",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        "\ud800" + TEXT + "\n" + PETER_SIG,  # not encodable as UTF-8
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name"),
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG + "\n",
        TEXT + "\n" + "- PeterNeumann " + PETER_SIG.split(" ", 2)[2],
        TEXT + "\n" + "— PeterNeumann\n",
        TEXT + "\n" + "— PeterNeumann \n",
        TEXT + "\n" + "— PeterNeumann AAAAAA==\n",  # too short for hash + signature
        TEXT + "\n" + "— PeterNeumann not*base64\n",
        TEXT + "\n" + PETER_SIG * 101,
        "x" * (1 << 20) + "\n\n" + PETER_SIG,
    ],
    ids=lambda m: repr(m[:12] + "…" + m[-12:]),
)
def test_malformed_notes_are_rejected(message: str) -> None:
    with pytest.raises(FormatError):
        parse_note(message)
    with pytest.raises(FormatError):
        open_note(message, [PETER_V])


def test_up_to_the_signature_limit_is_accepted() -> None:
    note = parse_note(TEXT + "\n" + PETER_SIG * 100)
    assert len(note.signatures) == 100
    assert len(open_note(TEXT + "\n" + PETER_SIG * 100, [PETER_V]).verified) == 1


def test_c2sp_spec_example_verifies() -> None:
    example = SPEC["signed-note.md#example"]
    note = open_note(example["note"], [Verifier.from_key_string(example["vkey"])])
    assert note.text == "This is an example message.\n"
    assert note.verified[0].name == "example.com/foo"


def test_c2sp_intro_example_parses_with_a_blank_line_inside_its_text() -> None:
    note = parse_note(SPEC["signed-note.md#intro_example (key not published; format only)"])
    assert note.text.count("\n\n") == 1
    assert note.signatures[0].name == "quasimodo.example/salvatore"


def test_sum_golang_org_checkpoint_with_three_cosigners() -> None:
    case = FORMATS[
        "sum.golang.org checkpoint + 3 extra ed25519 signers (log/note_test.go BenchmarkParse)"
    ]
    verifiers = [Verifier.from_key_string(vkey) for vkey in case["sigs"]]
    message = case["text"] + "\n" + "".join(line + "\n" for line in case["sigs"].values())
    note = open_note(message, verifiers)
    assert [s.name for s in note.verified] == ["sum.golang.org", "monkeys", "bananas", "witness"]
    # Each key alone is enough; the others' signatures are ignored.
    for verifier in verifiers:
        assert [s.name for s in open_note(message, [verifier]).verified] == [verifier.name]


def test_signatures_of_other_algorithms_are_ignored() -> None:
    rekor = FORMATS["ecdsa_note_type_0x02"][0]["note"]
    stranger = Signer.generate("rekor.sigstore.dev")
    with pytest.raises(SignatureError):
        open_note(rekor, [stranger.verifier()])
    cosigned = add_signatures(rekor, stranger)
    note = open_note(cosigned, [stranger.verifier()])
    assert [s.name for s in note.signatures] == ["rekor.sigstore.dev", "rekor.sigstore.dev"]
    assert len(note.verified) == 1


def test_several_signers_at_once_and_added_later() -> None:
    log = Signer.generate("example.test/glassbox/log")
    witness = Signer.generate("example.test/glassbox/witness")
    both = sign_note("hello\n", log, witness)
    assert open_note(both, [witness.verifier()]).verified[0].name == witness.name
    later = add_signatures(sign_note("hello\n", log), witness)
    assert later == both
    note = open_note(later, [log.verifier(), witness.verifier()])
    assert [s.name for s in note.verified] == [log.name, witness.name]


def test_adding_a_signature_replaces_the_same_keys_old_one() -> None:
    doubled = add_signatures(TEXT + "\n" + ENOCH_SIG + PETER_SIG, PETER)
    assert doubled == TEXT + "\n" + ENOCH_SIG + PETER_SIG
    with pytest.raises(InputError):
        add_signatures(doubled)


def test_parse_note_keeps_signatures_unverified() -> None:
    note = parse_note(TEXT + "\n" + PETER_SIG)
    assert note == Note(
        text=TEXT,
        signatures=(
            NoteSignature("PeterNeumann", bytes.fromhex("c74f20a3"), note.signatures[0].signature),
        ),
    )
    assert note.verified == ()
    assert note.signatures[0].line() + "\n" == PETER_SIG


@pytest.mark.parametrize("text", ["", "no newline", "tab\there\n", "nul\x00\n", "\ud800\n"])
def test_signing_refuses_text_the_spec_forbids(text: str) -> None:
    with pytest.raises(FormatError):
        sign_note(text, PETER)


def test_signing_needs_a_signer() -> None:
    with pytest.raises(InputError):
        sign_note(TEXT)


def test_round_trip_of_awkward_text() -> None:
    signer = Signer.generate("example.test/glassbox/notes")
    for text in ["\n", "a\n\n", "\n\nb\n", "— looks like a signature\n", "ünïcødé ✓\n"]:
        note = open_note(sign_note(text, signer), [signer.verifier()])
        assert note.text == text


def test_the_same_trusted_key_twice_is_fine() -> None:
    note = open_note(TEXT + "\n" + PETER_SIG + PETER_SIG, [PETER_V, PETER_V])
    assert len(note.verified) == 1
