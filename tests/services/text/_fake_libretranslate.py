"""A stand-in LibreTranslate server for tests: `python _fake_libretranslate.py [--api-key K]`.

It binds 127.0.0.1 on a free port, prints the port on one line, and answers
`/languages`, `/translate` and `/detect` in LibreTranslate's shapes. It
"translates" en<->es by prefixing "[target] ". A few magic texts misbehave on
purpose: "__slow__" answers after 5 s, "__busy__" gets 429 with Retry-After 7,
"__broken__" gets a 500, "__script__" comes back with a script appended.
"""

from __future__ import annotations

import argparse
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

# The key the test fixture starts the server with; named so nobody mistakes it for a real one.
UPSTREAM_KEY = "example-test-key-not-a-secret"
LANGUAGES = [
    {"code": "en", "name": "English", "targets": ["es"]},
    {"code": "es", "name": "Spanish", "targets": ["en"]},
]
CODES = {lang["code"] for lang in LANGUAGES}


class Handler(BaseHTTPRequestHandler):
    api_key = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/languages":
            self._send(200, LANGUAGES)
        else:
            self._send(404, {"error": "Not Found"})

    def do_POST(self) -> None:
        body = self._body()
        if self.api_key and body.get("api_key") != self.api_key:
            self._send(403, {"error": "Invalid API key"})
        elif self.path == "/translate":
            self._translate(body)
        elif self.path == "/detect":
            self._send(200, [{"confidence": 90.0, "language": "en"}])
        else:
            self._send(404, {"error": "Not Found"})

    def _translate(self, body: dict[str, Any]) -> None:
        q, source, target = body.get("q"), body.get("source"), body.get("target")
        texts = q if isinstance(q, list) else [q]
        if not all(isinstance(t, str) for t in texts) or not texts:
            self._send(400, {"error": "Invalid request: missing q parameter"})
            return
        for code in (source, target):
            if code != "auto" and code not in CODES:
                self._send(400, {"error": f"{code} is not supported"})
                return
        if "__slow__" in texts:
            time.sleep(5)
        if "__busy__" in texts:
            self._send(429, {"error": "Slowdown: 1 per 1 second"}, {"Retry-After": "7"})
            return
        if "__broken__" in texts:
            self._send(500, {"error": "Internal error"})
            return
        out = [f"[{target}] {t}" for t in texts]
        out = [t + "<script>alert(1)</script>" if "__script__" in t else t for t in out]
        answer: dict[str, Any] = {"translatedText": out if isinstance(q, list) else out[0]}
        alternatives = int(body.get("alternatives") or 0)
        if alternatives:
            alts = [[f"[{target}#{i}] {t}" for i in range(1, alternatives + 1)] for t in texts]
            answer["alternatives"] = alts if isinstance(q, list) else alts[0]
        if source == "auto":
            found = {"confidence": 90.0, "language": "en"}
            answer["detectedLanguage"] = [found] * len(texts) if isinstance(q, list) else found
        self._send(200, answer)

    def _body(self) -> dict[str, Any]:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Type", "").startswith("application/json"):
            data = json.loads(raw or b"{}")
            return data if isinstance(data, dict) else {}
        form = parse_qs(raw.decode())
        return {k: v if len(v) > 1 else v[0] for k, v in form.items()}

    def _send(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api-key", default="")
    args = parser.parse_args()
    Handler.api_key = args.api_key
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()  # until the test run terminates the process


if __name__ == "__main__":
    main()
