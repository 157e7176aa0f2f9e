"""C2SP tlog-checkpoint: strict parsing, signing, and opening with the log's key."""

from __future__ import annotations

import base64

import pytest

from glassbox.errors import FormatError, InputError, SignatureError
from glassbox.tlog import (
    Checkpoint,
    Signer,
    Verifier,
    add_signatures,
    open_checkpoint,
    parse_note,
    sign_checkpoint,
    sign_note,
)

from ._support import data_json

SPEC = data_json("c2sp_spec_examples.json")
GO = data_json("golang_mod_sumdb_note_vectors.json")

ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
SOFA = Checkpoint("example.com/behind-the-sofa", 20852163, ROOT)
LOG = Signer.generate("example.test/glassbox/checkpoints")


def test_spec_example_parses() -> None:
    note = parse_note(SPEC["tlog-checkpoint.md#example (key not published; format only)"])
    assert Checkpoint.parse(note.text) == SOFA
    assert SOFA.to_text() == note.text


def test_cosigned_spec_example_parses() -> None:
    note = parse_note(SPEC["tlog-cosignature.md#example_cosigned_checkpoint (format only)"])
    assert Checkpoint.parse(note.text) == SOFA
    assert [s.name for s in note.signatures] == [
        "example.com/behind-the-sofa",
        "witness.example.com/w1",
    ]


def test_sum_golang_org_checkpoint_opens_with_its_production_key() -> None:
    case = GO["sum.golang.org_production"]
    verifier = Verifier.from_key_string(case["vkey"])
    text = case["checkpoint (from transparency-dev/formats log/note_test.go)"]
    cp = open_checkpoint(text, verifier, origin="go.sum database tree")
    assert cp.size == 6476701
    with pytest.raises(FormatError, match="origin"):
        open_checkpoint(text, verifier)  # the origin is not the key name


def test_extensions_round_trip() -> None:
    cp = Checkpoint("example.test/log", 0, b"\x00" * 32, ("ext one", "— ext two"))
    assert (
        cp.to_text()
        == "example.test/log\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next one\n— ext two\n"
    )
    assert Checkpoint.parse(cp.to_text()) == cp


def test_sign_and_open() -> None:
    cp = Checkpoint(LOG.name, 42, ROOT)
    note = sign_checkpoint(cp, LOG)
    assert note.startswith(cp.to_text() + "\n— " + LOG.name + " ")
    assert open_checkpoint(note, LOG.verifier()) == cp
    assert open_checkpoint(note, LOG.verifier(), origin=LOG.name) == cp
    with pytest.raises(FormatError):
        open_checkpoint(note, LOG.verifier(), origin="example.test/other")


def test_cosigned_checkpoint_opens_with_either_key() -> None:
    witness = Signer.generate("example.test/glassbox/witness")
    cp = Checkpoint(LOG.name, 7, ROOT)
    note = add_signatures(sign_checkpoint(cp, LOG), witness)
    assert open_checkpoint(note, LOG.verifier()) == cp
    assert open_checkpoint(note, witness.verifier(), origin=LOG.name) == cp


def test_checkpoint_signed_by_another_key_is_refused() -> None:
    impostor = Signer.generate(LOG.name)
    note = sign_checkpoint(Checkpoint(LOG.name, 1, ROOT), impostor)
    with pytest.raises(SignatureError):
        open_checkpoint(note, LOG.verifier())


def test_tampered_checkpoint_is_refused() -> None:
    note = sign_checkpoint(Checkpoint(LOG.name, 1, ROOT), LOG)
    with pytest.raises(SignatureError):
        open_checkpoint(note.replace("\n1\n", "\n2\n", 1), LOG.verifier())


def test_text_is_not_trusted_before_its_signature_is() -> None:
    note = sign_note("not a checkpoint\n", Signer.generate("someone.else"))
    with pytest.raises(SignatureError):
        open_checkpoint(note, LOG.verifier())


GOOD_ROOT = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="


@pytest.mark.parametrize(
    "text",
    [
        "",
        "origin\n5\n" + GOOD_ROOT,  # no final newline
        "origin\n5\n",
        "\n5\n" + GOOD_ROOT + "\n",
        "origin\n05\n" + GOOD_ROOT + "\n",
        "origin\n00\n" + GOOD_ROOT + "\n",
        "origin\n+5\n" + GOOD_ROOT + "\n",
        "origin\n-5\n" + GOOD_ROOT + "\n",
        "origin\n 5\n" + GOOD_ROOT + "\n",
        "origin\n5 \n" + GOOD_ROOT + "\n",
        "origin\n5.0\n" + GOOD_ROOT + "\n",
        "origin\n٥\n" + GOOD_ROOT + "\n",
        "origin\n1_000\n" + GOOD_ROOT + "\n",
        "origin\n18446744073709551616\n" + GOOD_ROOT + "\n",
        "origin\n5\n" + GOOD_ROOT[:-4] + "\n",
        "origin\n5\n" + GOOD_ROOT.rstrip("=") + "\n",
        "origin\n5\n" + GOOD_ROOT[:-2] + "J=\n",  # non-canonical final bits
        "origin\n5\n" + base64.b64encode(b"\x00" * 33).decode() + "\n",
        "origin\n5\n" + GOOD_ROOT + "\n\n",
        "origin\n5\n" + GOOD_ROOT + "\next\n\nmore\n",
    ],
)
def test_malformed_checkpoints_are_rejected(text: str) -> None:
    with pytest.raises(FormatError):
        Checkpoint.parse(text)


def test_sizes_at_the_edges() -> None:
    assert Checkpoint.parse("o\n0\n" + GOOD_ROOT + "\n").size == 0
    assert Checkpoint.parse(f"o\n{2**64 - 1}\n{GOOD_ROOT}\n").size == 2**64 - 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": ""},
        {"origin": "two\nlines"},
        {"size": -1},
        {"root": b"short"},
        {"extensions": ("",)},
        {"extensions": ("a\nb",)},
    ],
)
def test_invalid_checkpoints_cannot_be_built(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {"origin": "o", "size": 1, "root": ROOT, **kwargs}
    with pytest.raises(InputError):
        Checkpoint(**fields)  # type: ignore[arg-type]
