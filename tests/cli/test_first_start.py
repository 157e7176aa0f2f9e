"""The main job on the embedded default: first start prints a demo key and a working curl."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

from tests.live import Server, run_cli
from tests.services._wer import FLOW_WER, wer


def test_first_start_prints_a_demo_key_and_a_curl_that_transcribes(tmp_path: Path) -> None:
    from glassbox.assets import SAMPLE_TEXT

    data = tmp_path / "data"
    init = run_cli("init", "--data", data, check=True)
    assert "Published the default policy sha256:" in init.stdout
    server = Server(data).start()
    try:
        out = server.output()
        assert "registered client 'demo'" in out
        match = re.search(r"^(curl .*)$", out, flags=re.M)
        assert match, out
        command = shlex.split(match.group(1).replace("http://127.0.0.1:8080", server.url))
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
        body = json.loads(done.stdout)
        assert wer(SAMPLE_TEXT, body["text"]) <= FLOW_WER, body["text"]
        assert body["glassbox_receipt"]["index"] >= 1
    finally:
        server.stop()
    again = Server(data).start()  # the second start creates no more demo clients
    try:
        assert "registered client 'demo'" not in again.output()
    finally:
        again.stop()
    listed = run_cli("clients", "list", "--data", data, check=True).stdout
    assert listed.count("demo") == 1
