"""Translation, detection and redaction through the governed path, with real engines.

Translation runs through Apertium (Debian's apertium and apertium-eng-spa); an unchanged
LibreTranslate client library from PyPI (libretranslatepy) talks to Glassbox with a key.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from libretranslatepy import LibreTranslateAPI

from glassbox.clients import ClientRegistry
from glassbox.core import Glassbox, init_data_dir, load_pseudonym_key
from glassbox.entries import OPERATOR, commitment
from glassbox.settings import load_settings
from tests.conftest import TEST_KEY, TEST_ORIGIN
from tests.live import Server

REDACTING_POLICY = """
@id("registered-purpose")
@description("Registered purposes are served.")
permit (principal, action, resource) when { principal.purposes.contains(context.purpose) };

@id("redact-for-media")
@description("Results for media clients leave with personal data removed.")
@redact("output")
permit (principal, action, resource)
when { principal.category == "media" && principal.purposes.contains(context.purpose) };
"""


def _apertium() -> None:
    if shutil.which("apertium") and Path("/usr/share/apertium/apertium-eng-spa").is_dir():
        return
    if os.environ.get("GLASSBOX_REQUIRE_APERTIUM"):
        pytest.fail("apertium with apertium-eng-spa is required (GLASSBOX_REQUIRE_APERTIUM)")
    pytest.skip("apertium and apertium-eng-spa are not installed")


@pytest.fixture(scope="module")
def text_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    _apertium()
    data = tmp_path_factory.mktemp("text") / "data"
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}), signing_key=TEST_KEY
    )
    settings = load_settings({"data_dir": data}, environ={})
    node = Glassbox.open(settings)
    reg = ClientRegistry(node.log, load_pseudonym_key(settings))
    reg.add(
        "Acme", category="commercial", purposes=["translation"], daily_audio_hours=1, by=OPERATOR
    )
    reg.add(
        "Daily News", category="media", purposes=["journalism"], daily_audio_hours=1, by=OPERATOR
    )
    reg.add(
        "Border Police",
        category="law_enforcement",
        purposes=["translation"],
        daily_audio_hours=1,
        by=OPERATOR,
    )
    keys = {n: reg.create_key(n, by=OPERATOR)[1] for n in ("Acme", "Daily News", "Border Police")}
    node.close()
    server = Server(data).start()  # translation_engine "auto": Apertium's pairs, found
    try:
        yield server.url, keys
    finally:
        server.stop()


def test_libretranslate_client_works_unchanged(text_live: tuple[str, dict[str, str]]) -> None:
    url, keys = text_live
    lt = LibreTranslateAPI(url + "/", api_key=keys["Acme"])
    assert lt.translate("The house is big.", "en", "es").strip().lower().startswith("la casa")
    codes = {lang["code"] for lang in lt.languages()}
    assert {"en", "es"} <= codes
    detected = lt.detect("Ceci est une phrase écrite en français.")
    assert detected[0]["language"] == "fr"


def test_french_into_english_without_configuration_through_a_pivot(
    text_live: tuple[str, dict[str, str]],
) -> None:
    """A fresh node translates French into English with Apertium's fr-es and es-en pairs;
    the response and the log entry name the route."""
    if not Path("/usr/share/apertium/apertium-fr-es").is_dir():
        if os.environ.get("GLASSBOX_REQUIRE_APERTIUM"):
            pytest.fail("apertium-fr-es is required (GLASSBOX_REQUIRE_APERTIUM)")
        pytest.skip("apertium-fr-es is not installed")
    url, keys = text_live
    lt = LibreTranslateAPI(url + "/", api_key=keys["Acme"])
    assert "cat" in lt.translate("Le chat est sur la table.", "fr", "en").lower()
    french = next(lang for lang in lt.languages() if lang["code"] == "fr")
    assert "en" in french["targets"]
    resp = httpx.post(
        f"{url}/translate",
        json={"q": "Le chat dort.", "source": "fr", "target": "en", "api_key": keys["Acme"]},
    )
    body = resp.json()
    assert resp.status_code == 200, body
    assert body["route"] == ["apertium:fr-es", "apertium:es-en"]
    entry = json.loads(body["glassbox_receipt"]["entry"])
    assert entry["route"] == ["apertium:fr-es > apertium:es-en"]


def test_translation_is_logged_with_commitments_and_a_receipt(
    text_live: tuple[str, dict[str, str]],
) -> None:
    url, keys = text_live
    resp = httpx.post(
        f"{url}/translate",
        json={
            "q": ["Good morning.", "The cat sleeps."],
            "source": "en",
            "target": "es",
            "api_key": keys["Acme"],
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert isinstance(body["translatedText"], list) and len(body["translatedText"]) == 2
    entry = json.loads(body["glassbox_receipt"]["entry"])
    assert entry["action"] == "translate" and entry["outcome"] == "served"
    assert entry["characters"] == len("Good morning.") + len("The cat sleeps.")
    assert "morning" not in json.dumps(entry) and entry["input"].startswith("sha256:")


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"q": "Hello", "source": "en", "target": "xx"}, 400),
        ({"q": "Hello", "source": "zz", "target": "es"}, 400),
        ({"q": "", "source": "en", "target": "es"}, 400),
        ({"q": "a" * 10_001, "source": "en", "target": "es"}, 413),
        ({"q": "Hello", "source": "en", "target": "es", "format": "pdf"}, 400),
    ],
)
def test_bad_text_requests_are_clear_4xx_and_logged(
    text_live: tuple[str, dict[str, str]], payload: dict[str, Any], status: int
) -> None:
    url, keys = text_live
    resp = httpx.post(f"{url}/translate", json={**payload, "api_key": keys["Acme"]})
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert isinstance(body["error"], str) and body["code"]  # LibreTranslate's error shape
    entry = json.loads(body["glassbox_receipt"]["entry"])
    assert entry["outcome"] == "failed" and entry["error"] == body["code"]


def test_html_mode_never_lets_a_script_through(text_live: tuple[str, dict[str, str]]) -> None:
    url, keys = text_live
    resp = httpx.post(
        f"{url}/translate",
        json={
            "q": '<p onclick="steal()">The house.</p><script>alert(1)</script>',
            "source": "en",
            "target": "es",
            "format": "html",
            "api_key": keys["Acme"],
        },
    )
    assert resp.status_code == 200, resp.text
    out = resp.json()["translatedText"]
    assert "<script" not in out and "alert" not in out and "onclick" not in out


def test_missing_or_wrong_key_is_answered_as_libretranslate_does(
    text_live: tuple[str, dict[str, str]],
) -> None:
    """400 without a key, 403 with a wrong one, each `{"error": "..."}`."""
    url, _ = text_live
    missing = httpx.post(f"{url}/translate", json={"q": "x", "target": "es"})
    assert missing.status_code == 400 and isinstance(missing.json()["error"], str)
    bad = httpx.post(f"{url}/translate", json={"q": "x", "target": "es", "api_key": "gbk_a_b"})
    assert bad.status_code == 403 and isinstance(bad.json()["error"], str)
    header = httpx.post(
        f"{url}/detect", data={"q": "x"}, headers={"Authorization": "Bearer gbk_a_b"}
    )
    assert header.status_code == 403 and header.json()["code"] == "invalid_api_key"


def test_errors_outside_the_pipeline_keep_each_api_s_shape(
    text_live: tuple[str, dict[str, str]],
) -> None:
    url, _ = text_live
    wrong_method = httpx.get(f"{url}/translate")  # LibreTranslate's route: its shape
    assert wrong_method.status_code == 405 and isinstance(wrong_method.json()["error"], str)
    openai = httpx.post(f"{url}/v1/audio/transcriptions")  # OpenAI's: its envelope
    assert openai.status_code == 401 and openai.json()["error"]["code"] == "invalid_api_key"


def test_detect_accuracy_on_a_multilingual_sample(text_live: tuple[str, dict[str, str]]) -> None:
    url, keys = text_live
    sample = {
        "en": "The weather is lovely today and we are going to the park.",
        "es": "El tiempo es muy agradable hoy y vamos al parque.",
        "fr": "Il fait très beau aujourd'hui et nous allons au parc.",
        "de": "Das Wetter ist heute sehr schön und wir gehen in den Park.",
        "it": "Oggi il tempo è molto bello e andiamo al parco.",
        "pt": "O tempo está muito bom hoje e vamos ao parque.",
        "nl": "Het weer is vandaag erg mooi en we gaan naar het park.",
        "pl": "Pogoda jest dziś bardzo ładna i idziemy do parku.",
    }
    right = 0
    for code, text in sample.items():
        got = httpx.post(f"{url}/detect", data={"q": text, "api_key": keys["Acme"]}).json()
        right += got[0]["language"] == code
    assert right / len(sample) >= 0.9


def test_redaction_route_finds_what_it_claims(text_live: tuple[str, dict[str, str]]) -> None:
    url, keys = text_live
    text = "Write to jane.doe@example.org or call +44 20 7946 0958 from 192.168.10.20."
    resp = httpx.post(
        f"{url}/v1/redact",
        json={"text": text},
        headers={"Authorization": f"Bearer {keys['Acme']}", "Glassbox-Purpose": "translation"},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    found = {e["type"] for e in body["entities"]}
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS"} <= found
    assert "jane.doe" not in body["text"] and "192.168" not in body["text"]
    assert body["detectors"][0] == "patterns"
    for e in body["entities"]:
        assert 0 <= e["start"] < e["end"] <= len(text)


def test_policy_forced_redaction_is_visible_in_the_log(
    tmp_path: Path, text_live: tuple[str, dict[str, str]]
) -> None:
    """A policy that redacts output for media clients: the entry says `redacted: true`."""
    from fastapi.testclient import TestClient

    from glassbox.web import create_app

    _apertium()
    data = tmp_path / "data"
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}),
        signing_key=TEST_KEY,
        default_policy=False,
    )
    settings = load_settings({"data_dir": data, "translation_engine": "apertium"}, environ={})
    policy_dir = tmp_path / "policy"
    policy_dir.mkdir()
    (policy_dir / "policy.cedar").write_text(REDACTING_POLICY)
    (policy_dir / "tests.json").write_text(
        json.dumps(
            [
                {
                    "name": "media journalism is allowed",
                    "request": {
                        "client": "c",
                        "category": "media",
                        "purposes": ["journalism"],
                        "daily_audio_seconds": 60,
                        "action": "translate",
                        "purpose": "journalism",
                    },
                    "expect": "allow",
                }
            ]
        )
    )
    node = Glassbox.open(settings)
    node.publish_policy(policy_dir)
    reg = ClientRegistry(node.log, load_pseudonym_key(settings))
    reg.add(
        "Daily News", category="media", purposes=["journalism"], daily_audio_hours=1, by=OPERATOR
    )
    key = reg.create_key("Daily News", by=OPERATOR)[1]
    node.close()
    with TestClient(create_app(settings, integrate=False)) as c:
        resp = c.post(
            "/translate",
            json={
                "q": "Write to jane.doe@example.org today.",
                "source": "en",
                "target": "es",
                "api_key": key,
            },
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert "jane.doe@example.org" not in body["translatedText"]
        entry = json.loads(body["glassbox_receipt"]["entry"])
        assert entry["redacted"] is True


def test_frontend_settings_and_health_as_libretranslate_gives_them(
    text_live: tuple[str, dict[str, str]],
) -> None:
    url, _ = text_live
    settings = httpx.get(f"{url}/frontend/settings").json()
    assert settings["keyRequired"] is True and settings["charLimit"] == 10_000
    assert settings["language"]["source"] == {"code": "en", "name": "English"}
    assert settings["language"]["target"] == {"code": "es", "name": "Spanish"}
    assert settings["filesTranslation"] is True
    assert settings["supportedFilesFormat"] == [".docx", ".htm", ".html", ".odt", ".txt"]
    assert httpx.get(f"{url}/health").json() == {"status": "ok"}


def test_alternatives_say_why_an_engine_gives_none(text_live: tuple[str, dict[str, str]]) -> None:
    url, keys = text_live
    body = httpx.post(
        f"{url}/translate",
        json={
            "q": "Good morning",
            "source": "en",
            "target": "es",
            "alternatives": 2,
            "api_key": keys["Acme"],
        },
    ).json()
    assert body["alternatives"] == []  # LibreTranslate's shape, honestly empty
    assert "apertium engine gives one translation only" in body["alternativesNote"]


def test_libretranslate_clients_raise_on_a_hold(text_live: tuple[str, dict[str, str]]) -> None:
    """A held translation is an error to LibreTranslate's client (it never gets a KeyError
    or the hold as a translation); asking for 'Prefer: respond-async' gives the 202."""
    url, keys = text_live
    lt = LibreTranslateAPI(url + "/", api_key=keys["Border Police"])
    with pytest.raises(urllib.error.HTTPError) as caught:
        lt.translate("The house is big.", "en", "es")
    assert caught.value.code == 423
    body = json.loads(caught.value.read())
    assert "held for human review" in body["error"] and "/v1/holds/" in body["error"]
    assert body["code"] == "held_for_review" and body["hold"]["reviewers_required"] == 2
    asked = httpx.post(
        f"{url}/translate",
        json={"q": "Hello", "source": "en", "target": "es", "api_key": keys["Border Police"]},
        headers={"Prefer": "respond-async"},
    )
    assert asked.status_code == 202 and asked.json()["status"] == "pending"


def test_translate_file_links_to_the_translated_file_and_commits_to_both(
    text_live: tuple[str, dict[str, str]],
) -> None:
    """LibreTranslate's /translate_file: the answer links to the file, the link serves
    it, and the receipt's commitments open to the upload and to the translated file."""
    url, keys = text_live
    original = b"The house is big.\n\nThe cat sleeps.\n"
    resp = httpx.post(
        f"{url}/translate_file",
        files={"file": ("notes.txt", original, "text/plain")},
        data={"source": "en", "target": "es", "api_key": keys["Acme"]},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    link = body["translatedFileUrl"]
    assert link.startswith(f"{url}/download_file/") and link.endswith("/notes.es.txt")
    download = httpx.get(link)
    assert download.status_code == 200 and "notes.es.txt" in download.headers["content-disposition"]
    translated = download.text.splitlines()
    assert translated[0].lower().startswith("la casa") and translated[1] == ""
    receipt = body["glassbox_receipt"]
    entry = json.loads(receipt["entry"])
    assert entry["action"] == "translate" and entry["outcome"] == "served"
    salts = {k: base64.b64decode(v) for k, v in receipt["salts"].items()}
    assert entry["input"] == commitment(salts["input"], original)
    assert entry["output"] == commitment(salts["output"], download.content)
    assert httpx.get(link.replace("/download_file/", "/download_file/x")).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("scan.pdf", b"%PDF-1.7", 400, "invalid_file"),
        ("blank.txt", b"   \n\n", 400, "invalid_request"),
        ("huge.txt", b"word " * 3000, 413, "file_too_large"),
        ("broken.docx", b"PK\x03\x04 nothing", 400, "invalid_file"),
    ],
)
def test_files_that_cannot_be_translated_are_clear_errors(
    text_live: tuple[str, dict[str, str]], name: str, content: bytes, status: int, code: str
) -> None:
    url, keys = text_live
    resp = httpx.post(
        f"{url}/translate_file",
        files={"file": (name, content)},
        data={"source": "en", "target": "es", "api_key": keys["Acme"]},
    )
    assert resp.status_code == status, resp.text
    assert isinstance(resp.json()["error"], str) and resp.json()["code"] == code
