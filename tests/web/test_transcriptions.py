"""The official `openai` client transcribes through the governed path, and gets receipts."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openai import OpenAI
from sqlalchemy import func, select

from glassbox.services import BASE_MODEL_SHA256
from glassbox.store import log_entries
from glassbox.tlog import Signer, leaf_hash, open_checkpoint, verify_inclusion
from tests.conftest import TEST_KEY
from tests.live import run_cli
from tests.services._wer import wer
from tests.web.conftest import SENTENCE, Live

VKEY = Signer.from_key_string(TEST_KEY).verifier_key()


def stored_entry(live: Live, index: int) -> dict[str, Any]:
    node = live.node()
    try:
        with node.engine.connect() as conn:
            data = conn.execute(
                select(log_entries.c.data).where(log_entries.c.idx == index)
            ).scalar_one()
    finally:
        node.close()
    entry: dict[str, Any] = json.loads(data)
    return entry


def entry_count(live: Live) -> int:
    node = live.node()
    try:
        with node.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(log_entries)).scalar_one())
    finally:
        node.close()


def subtitle_text(body: str) -> str:
    keep = [
        line
        for line in body.splitlines()
        if line.strip() and "-->" not in line and not line.strip().isdigit() and line != "WEBVTT"
    ]
    return " ".join(keep)


@pytest.mark.parametrize("fmt", ["json", "text", "srt", "vtt", "verbose_json"])
def test_openai_client_transcribes_in_every_format(
    live: Live, openai_client: Callable[..., OpenAI], fmt: str
) -> None:
    with live.speech.open("rb") as f:
        raw = openai_client().audio.transcriptions.with_raw_response.create(
            model="whisper-1",
            file=f,
            response_format=fmt,  # type: ignore[arg-type]
        )
    result = raw.parse()
    if fmt in ("json", "verbose_json"):
        text = result.text  # type: ignore[union-attr]
    elif fmt == "text":
        text = str(result)
    else:
        text = subtitle_text(str(result))
        assert re.search(r"00:00:0\d[,.]\d{3} --> ", str(result))
    assert wer(SENTENCE, text) <= 0.15, text

    index = int(raw.headers["glassbox-log-index"])
    assert raw.headers["glassbox-receipt"] == f"{live.url}/v1/receipts/{index}"
    entry = stored_entry(live, index)
    assert entry["outcome"] == "served" and entry["action"] == "transcribe"
    assert entry["purpose"] == "accessibility" and entry["category"] == "commercial"
    assert entry["reasons"] == ["registered-purpose"]
    assert entry["client"].startswith("c_") and "Acme" not in json.dumps(entry)
    assert text not in json.dumps(entry)  # commitments only, never content
    assert entry["policy"].startswith("sha256:")


def test_verbose_json_with_word_and_segment_timestamps(
    live: Live, openai_client: Callable[..., OpenAI]
) -> None:
    with live.speech.open("rb") as f:
        result = openai_client().audio.transcriptions.create(
            model="whisper-1",
            file=f,
            response_format="verbose_json",
            timestamp_granularities=["word", "segment"],
        )
    assert result.language == "english"
    assert result.segments and result.words
    starts = [w.start for w in result.words]
    assert starts == sorted(starts)
    assert all(0 <= w.start <= w.end <= result.duration + 0.5 for w in result.words)


def test_json_receipt_opens_to_the_upload_and_the_result(live: Live, tmp_path) -> None:  # type: ignore[no-untyped-def]
    upload = live.speech.read_bytes()
    resp = httpx.post(
        f"{live.url}/v1/audio/transcriptions",
        headers={"Authorization": f"Bearer {live.keys['Acme Captions']}"},
        files={"file": ("speech.wav", upload, "audio/wav")},
        data={"model": "whisper-1"},
        timeout=120,
    )
    assert resp.status_code == 200
    body = resp.json()
    receipt = body["glassbox_receipt"]
    entry = json.loads(receipt["entry"])
    salt = base64.b64decode(receipt["salts"]["input"])
    assert entry["input"] == "sha256:" + hashlib.sha256(salt + upload).hexdigest()
    assert base64.b64decode(receipt["leaf_hash"]) == leaf_hash(receipt["entry"].encode())

    # the receipt route adds an inclusion proof against a signed checkpoint
    full = httpx.get(
        f"{live.url}/v1/receipts/{receipt['index']}",
        headers={"Authorization": f"Bearer {live.keys['Acme Captions']}"},
        timeout=30,
    ).json()
    cp = open_checkpoint(full["checkpoint"], Signer.from_key_string(TEST_KEY).verifier())
    proof = [base64.b64decode(h) for h in full["proof"]["hashes"]]
    verify_inclusion(leaf_hash(full["entry"].encode()), receipt["index"], cp.size, proof, cp.root)
    assert full["tlog_proof"].startswith("c2sp.org/tlog-proof@v1\nindex ")

    saved = tmp_path / "response.json"
    saved.write_bytes(resp.content)
    sent = tmp_path / "sent.wav"
    sent.write_bytes(upload)
    ok = run_cli(
        "receipt",
        "verify",
        saved,
        "--log",
        f"{live.url}/log",
        "--key",
        VKEY,
        "--input",
        sent,
        "--output",
        saved,
    )
    assert ok.returncode == 0, ok.stderr
    assert "input commitment opens; output commitment opens" in ok.stdout
    forged = tmp_path / "forged.json"
    forged.write_text(resp.text.replace(body["text"], "Something else entirely."))
    bad = run_cli(
        "receipt", "verify", saved, "--log", f"{live.url}/log", "--key", VKEY, "--output", forged
    )
    assert bad.returncode == 10 and "does not open" in bad.stderr


def test_receipts_are_private_to_their_client(
    live: Live, openai_client: Callable[..., OpenAI]
) -> None:
    with live.speech.open("rb") as f:
        raw = openai_client().audio.transcriptions.with_raw_response.create(
            model="whisper-1", file=f
        )
    index = raw.headers["glassbox-log-index"]
    other = httpx.get(
        f"{live.url}/v1/receipts/{index}",
        headers={"Authorization": f"Bearer {live.keys['Tiny Volume']}"},
    )
    assert other.status_code == 404
    assert httpx.get(f"{live.url}/v1/receipts/{index}").status_code == 401


def test_models_are_listed_for_authenticated_clients(
    live: Live, openai_client: Callable[..., OpenAI]
) -> None:
    ids = {m.id for m in openai_client().models.list()}
    assert {"whisper-1", "tiny.en"} <= ids
    assert httpx.get(f"{live.url}/v1/models").status_code == 401


def test_each_model_says_what_it_can_do(live: Live, openai_client: Callable[..., OpenAI]) -> None:
    """whisper-1 is the bundled multilingual model; tiny.en knows English only."""
    client = openai_client()
    alias = client.models.retrieve("whisper-1").model_dump()
    assert alias["model"] == "base" and alias["multilingual"] and alias["translates"]
    assert {"en", "fr", "es", "de", "ar", "he", "ru", "uk"} <= set(alias["languages"])
    assert alias["sha256"] == BASE_MODEL_SHA256 and alias["size_bytes"] > 100_000_000
    tiny = client.models.retrieve("tiny.en").model_dump()
    assert tiny["languages"] == ["en"] and tiny["translates"] is False
    assert len(tiny["sha256"]) == 64
    listed = {m.id: m.model_dump() for m in client.models.list()}
    assert listed["tiny.en"] == tiny
    key = {"Authorization": f"Bearer {live.keys['Acme Captions']}"}
    missing = httpx.get(f"{live.url}/v1/models/whisper-9", headers=key)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
