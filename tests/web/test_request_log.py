"""Operators' request log: one JSON line per request, without content, keys or tokens."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from fastapi.testclient import TestClient

from glassbox.clients import ClientRegistry
from glassbox.core import Glassbox, init_data_dir, load_pseudonym_key
from glassbox.entries import OPERATOR
from glassbox.settings import load_settings
from glassbox.web import create_app
from tests.conftest import TEST_KEY, TEST_ORIGIN

SECRET_TEXT = "Write to ada.lovelace@example.com before Friday."


def test_each_request_is_one_line_without_content_keys_or_tokens(tmp_path: Path) -> None:
    data = tmp_path / "data"
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}), signing_key=TEST_KEY
    )
    settings = load_settings({"data_dir": data}, environ={})
    node = Glassbox.open(settings)
    reg = ClientRegistry(node.log, load_pseudonym_key(settings))
    client = reg.add(
        "Acme", category="commercial", purposes=["accessibility"], daily_audio_hours=1, by=OPERATOR
    )
    key = reg.create_key("Acme", by=OPERATOR)[1]
    node.close()
    lines = io.StringIO()
    token = "t" * 43
    with TestClient(create_app(settings, integrate=False, request_log=lines)) as c:
        served = c.post(
            "/v1/redact",
            json={"text": SECRET_TEXT, "language": "de"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert served.status_code == 200
        assert c.post("/v1/redact", json={"text": "x"}).status_code == 401
        assert c.get(f"/download_file/{token}/secret-plans.txt").status_code == 404
    records = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [r["status"] for r in records] == [200, 401, 404]
    first = records[0]
    assert first["route"] == "/v1/redact" and first["method"] == "POST"
    assert first["client"] == client.pseudonym and first["outcome"] == "served"
    assert first["action"] == "redact" and first["request_id"].startswith("req_")
    assert first["log_index"] == served.json()["glassbox_receipt"]["index"]
    assert first["ms"] >= 0 and first["time"].endswith("Z")
    assert records[2]["route"] == "/download_file/{token}/{filename}"
    everything = lines.getvalue()
    for secret in (key, token, "secret-plans", "ada.lovelace", "Friday"):
        assert secret not in everything


def test_metrics_scrape_for_the_operator(tmp_path: Path) -> None:
    data = tmp_path / "data"
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}), signing_key=TEST_KEY
    )
    token = "gbo_metrics-test-token"
    digest = hashlib.sha256(token.encode()).hexdigest()
    settings = load_settings(
        {"data_dir": data, "operator_token_sha256": digest, "request_log": "off"}, environ={}
    )
    node = Glassbox.open(settings)
    reg = ClientRegistry(node.log, load_pseudonym_key(settings))
    reg.add(
        "Acme", category="commercial", purposes=["accessibility"], daily_audio_hours=1, by=OPERATOR
    )
    key = reg.create_key("Acme", by=OPERATOR)[1]
    node.close()
    lines = io.StringIO()
    with TestClient(create_app(settings, integrate=False, request_log=lines)) as c:
        assert c.get("/metrics").status_code == 401
        redact = c.post(
            "/v1/redact",
            json={"text": SECRET_TEXT, "language": "de"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert redact.status_code == 200
        scraped = c.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert 'glassbox_http_requests_total{route="/v1/redact",status="200"} 1.0' in text
    assert 'glassbox_governed_requests_total{action="redact",outcome="served"} 1.0' in text
    assert 'glassbox_http_request_duration_seconds_count{route="/v1/redact"} 1.0' in text
    # the policy, the client's and its key's admin entries, and the request
    assert "glassbox_log_sequenced 4.0" in text
    assert "glassbox_log_integration_lag" in text and "ada.lovelace" not in text
    assert lines.getvalue() == ""  # request_log off: metrics only
