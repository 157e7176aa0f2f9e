"""Policy outcomes and bad input over HTTP: every authenticated request gets exactly one entry."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import APIStatusError, OpenAI

from tests.services._speech import espeak, speak
from tests.services._wer import words
from tests.web.conftest import UPLOAD_LIMIT, Live
from tests.web.test_transcriptions import entry_count, stored_entry


def post(
    live: Live,
    who: str | None = "Acme Captions",
    *,
    upload: bytes | None = None,
    data: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    h = dict(headers or {})
    if who is not None:
        h["Authorization"] = f"Bearer {live.keys[who]}"
    files = None
    if upload is not None:
        files = {"file": ("audio.wav", upload, "audio/wav")}
    return httpx.post(
        f"{live.url}/v1/audio/transcriptions",
        headers=h,
        files=files,
        data={"model": "tiny.en", "language": "en", **(data or {})},
        timeout=120,
        **kwargs,
    )


def logged_once(live: Live, before: int, resp: httpx.Response) -> dict[str, Any]:
    """The response names exactly one new entry, which it returns."""
    assert entry_count(live) == before + 1
    index = int(resp.headers["glassbox-log-index"])
    assert resp.json()["glassbox_receipt"]["index"] == index
    return stored_entry(live, index)


ASYNC = {"Prefer": "respond-async"}


def test_high_risk_category_is_held_for_two_reviewers(live: Live) -> None:
    before = entry_count(live)
    resp = post(live, "Ministry of Defence", upload=live.speech.read_bytes(), headers=ASYNC)
    assert resp.status_code == 202 and resp.headers["preference-applied"] == "respond-async"
    body = resp.json()
    assert body["status"] == "pending" and body["reviewers_required"] == 2
    assert resp.headers["location"] == f"{live.url}/v1/holds/{body['id']}"
    entry = logged_once(live, before, resp)
    assert entry["outcome"] == "held" and entry["reviewers"] == 2
    assert entry["category"] == "military"
    assert "high-risk-category-review" in entry["reasons"]
    assert "output" not in entry


@pytest.mark.parametrize("response_format", ["json", "text", "verbose_json", "srt"])
def test_the_openai_client_raises_on_a_hold_naming_where_its_result_will_be(
    live: Live, response_format: str
) -> None:
    """Without `Prefer: respond-async` a hold is an error: the official client raises (it
    never returns the hold as if it were a transcript) and does not retry it."""
    before = entry_count(live)
    key = live.keys["Ministry of Defence"]
    client = OpenAI(api_key=key, base_url=f"{live.url}/v1", max_retries=2, timeout=120)
    with pytest.raises(APIStatusError) as caught:
        client.audio.transcriptions.create(
            model="tiny.en",
            file=("s.wav", live.speech.read_bytes(), "audio/wav"),
            language="en",
            response_format=response_format,  # type: ignore[arg-type]
        )
    error = caught.value
    assert error.status_code == 423
    assert "held for human review" in error.message and "/v1/holds/" in error.message
    body = error.response.json()
    assert body["error"]["code"] == "held_for_review"
    hold = body["error"]["hold"]
    assert hold["status"] == "pending" and hold["url"] == error.response.headers["location"]
    assert entry_count(live) == before + 1  # one hold: the client did not retry
    followed = httpx.get(hold["url"], headers={"Authorization": f"Bearer {key}"})
    assert followed.status_code == 200 and followed.json()["id"] == hold["id"]
    client.close()


def test_bulk_volume_beyond_the_registered_limit_is_held(live: Live) -> None:
    before = entry_count(live)
    resp = post(live, "Tiny Volume", upload=live.speech.read_bytes(), headers=ASYNC)
    assert resp.status_code == 202
    entry = logged_once(live, before, resp)
    assert entry["outcome"] == "held"
    assert "bulk-volume-review" in entry["reasons"]


@pytest.mark.parametrize("purpose", ["surveillance", "targeting", "weapons", "persecution"])
def test_forbidden_purposes_are_refused_with_reasons_and_a_receipt(
    live: Live, purpose: str
) -> None:
    before = entry_count(live)
    resp = post(live, upload=live.speech.read_bytes(), headers={"Glassbox-Purpose": purpose})
    assert resp.status_code == 403
    error = resp.json()["error"]
    assert error["code"] == "policy_denied"
    assert error["reasons"] and all(r["description"] for r in error["reasons"])
    entry = logged_once(live, before, resp)
    assert entry["outcome"] == "denied" and entry["purpose"] == purpose
    assert entry["reasons"] == [r["id"] for r in error["reasons"]]
    assert "input" in entry and "output" not in entry


def test_unregistered_purpose_is_denied_by_default(live: Live) -> None:
    before = entry_count(live)
    resp = post(live, upload=live.speech.read_bytes(), data={"purpose": "marketing"})
    assert resp.status_code == 403
    assert logged_once(live, before, resp)["reasons"] == ["default-deny"]


def test_purpose_must_be_declared_when_several_are_registered(live: Live) -> None:
    before = entry_count(live)
    resp = post(live, "Two Purposes Ltd", upload=live.speech.read_bytes())
    assert resp.status_code == 400 and "purpose" in resp.json()["error"]["message"]
    assert logged_once(live, before, resp)["outcome"] == "failed"
    ok = post(
        live,
        "Two Purposes Ltd",
        upload=live.speech.read_bytes(),
        headers={"Glassbox-Purpose": "research"},
    )
    assert ok.status_code == 200
    assert stored_entry(live, int(ok.headers["glassbox-log-index"]))["purpose"] == "research"


@pytest.mark.parametrize("who", [None, "revoked"])
def test_missing_or_revoked_key_is_401_and_logs_nothing(live: Live, who: str | None) -> None:
    before = entry_count(live)
    resp = post(live, who, upload=live.speech.read_bytes())
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "invalid_api_key"
    assert entry_count(live) == before


BAD_INPUT: dict[str, tuple[dict[str, Any], int, str]] = {
    "empty file": ({"upload": b""}, 400, "invalid_audio"),
    "not audio": ({"upload": b"this is a text file, not audio\n" * 20}, 400, "invalid_audio"),
    "truncated wav": ({"upload": b"RIFF\x24\x00\x00\x00WAVEfmt "}, 400, "invalid_audio"),
    "too large": ({"upload": b"\x00" * (UPLOAD_LIMIT + 1)}, 413, "file_too_large"),
    "missing file field": ({}, 400, "invalid_request"),
    "unknown format": ({"data": {"response_format": "mp3"}}, 400, "invalid_request"),
    "bad temperature": ({"data": {"temperature": "hot"}}, 400, "invalid_request"),
    "words without verbose_json": (
        {"data": {"timestamp_granularities[]": "word"}},
        400,
        "invalid_request",
    ),
    "unknown model": ({"data": {"model": "gpt-9-ultra"}}, 400, "invalid_request"),
    "purpose that is not a code": (
        {"data": {"purpose": "watch John Smith"}},
        400,
        "invalid_request",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_a_clear_4xx_with_one_failed_entry(live: Live, case: str) -> None:
    kwargs, status, code = BAD_INPUT[case]
    kwargs = dict(kwargs)
    if "upload" not in kwargs and case != "missing file field":
        kwargs["upload"] = live.speech.read_bytes()
    before = entry_count(live)
    resp = post(live, **kwargs)
    assert resp.status_code == status, resp.text
    assert resp.json()["error"]["code"] == code
    entry = logged_once(live, before, resp)
    assert entry["outcome"] == "failed" and entry["error"] == code
    assert "John" not in json.dumps(entry)


def test_wrong_content_type_is_refused_and_logged(live: Live) -> None:
    before = entry_count(live)
    resp = httpx.post(
        f"{live.url}/v1/audio/transcriptions",
        headers={"Authorization": f"Bearer {live.keys['Acme Captions']}"},
        json={"file": "aGVsbG8=", "model": "whisper-1"},
    )
    assert resp.status_code == 400 and "multipart" in resp.json()["error"]["message"]
    assert logged_once(live, before, resp)["outcome"] == "failed"


def test_server_survives_the_bad_input(live: Live) -> None:
    assert httpx.get(f"{live.url}/healthz").status_code == 200
    assert post(live, upload=live.speech.read_bytes()).status_code == 200


# openai 3.x marks the audio translations endpoint deprecated; clients still call it.
SPANISH = "Buenos días, quisiera reservar una mesa para dos personas esta noche."


@pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")
def test_spanish_speech_is_translated_into_english_on_the_governed_path(
    live: Live, openai_client: Callable[..., OpenAI], tmp_path: Path
) -> None:
    """whisper-1 is the bundled multilingual model: speech in Spanish comes back in English."""
    spanish = tmp_path / "es.wav"
    speak(SPANISH, spanish, espeak(), voice="es")
    before = entry_count(live)
    with spanish.open("rb") as f:
        translation = openai_client().audio.translations.create(model="whisper-1", file=f)
    text = translation.text.lower()
    # espeak's Spanish is hard for Whisper base ("Good day, if you want to save a table for
    # us..."): English, and none of the Spanish words, is what is checked.
    assert "good" in words(text), text
    assert not set(words(SPANISH.lower())) & set(words(text)) - {"a"}, text
    entry = stored_entry(live, before)
    assert entry["action"] == "translate_speech" and entry["outcome"] == "served"
    assert entry["model"] == "base" and entry["language"] == "es"
    assert (
        entry["model_sha256"] == "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
    )


@pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")
def test_speech_translation_with_an_english_only_model_says_which_is_needed(
    live: Live, openai_client: Callable[..., OpenAI]
) -> None:
    """Asking tiny.en to translate: a clear 400 naming the multilingual models, logged failed."""
    import openai

    before = entry_count(live)
    with live.speech.open("rb") as f, pytest.raises(openai.BadRequestError) as caught:
        openai_client().audio.translations.create(model="tiny.en", file=f)
    assert "multilingual" in str(caught.value) and "English-only" in str(caught.value)
    entry = stored_entry(live, before)
    assert entry["action"] == "translate_speech" and entry["outcome"] == "failed"


def test_public_urls_never_come_from_the_host_header(live: Live) -> None:
    """Receipt and hold URLs are built from the server's own address (setting public_url),
    so a forged Host header cannot point a client elsewhere."""
    forged = {"Host": "evil.example:666", **ASYNC}
    served = post(live, upload=live.speech.read_bytes(), headers=forged)
    assert served.status_code == 200
    assert served.headers["glassbox-receipt"].startswith(f"{live.url}/v1/receipts/")
    held = post(live, "Ministry of Defence", upload=live.speech.read_bytes(), headers=forged)
    assert held.headers["location"].startswith(f"{live.url}/v1/holds/")
    assert "evil.example" not in held.text and "evil.example" not in served.text


@pytest.mark.parametrize("index", ["-13604991878242429304832", "9223372036854775808", "-1"])
def test_a_receipt_index_out_of_range_is_a_clear_400(live: Live, index: str) -> None:
    key = live.keys["Acme Captions"]
    resp = httpx.get(f"{live.url}/v1/receipts/{index}", headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 400 and "log index" in resp.json()["error"]["message"]


def test_a_huge_prompt_is_refused_and_logged(live: Live) -> None:
    before = entry_count(live)
    resp = post(live, upload=live.speech.read_bytes(), data={"prompt": "word " * 180_000})
    assert resp.status_code == 400 and "'prompt' is 900000 characters" in resp.text
    assert logged_once(live, before, resp)["outcome"] == "failed"


def test_a_client_past_its_rate_gets_429_with_retry_after_and_nothing_is_logged(
    live: Live,
) -> None:
    """Two requests a minute for this client: the third is refused before anything is read
    or logged, in OpenAI's shape (the openai client waits Retry-After and retries)."""
    headers = {"Authorization": f"Bearer {live.keys['Two A Minute']}"}
    for _ in range(2):
        assert httpx.get(f"{live.url}/v1/receipts/0", headers=headers).status_code != 429
    before = entry_count(live)
    resp = post(live, "Two A Minute", upload=live.speech.read_bytes())
    assert resp.status_code == 429
    assert resp.json()["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= int(resp.headers["retry-after"]) <= 30
    text = httpx.post(
        f"{live.url}/translate",
        json={"q": "Hello", "source": "en", "target": "es"},
        headers=headers,
    )
    assert text.status_code == 429 and "requests a minute" in text.json()["error"]
    assert entry_count(live) == before
