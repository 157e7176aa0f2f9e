"""An upstream LibreTranslate server as the translation engine."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx

from glassbox.errors import FetchError, InputError, Overloaded

from ._checks import check_options
from ._codes import language_name
from ._html import sanitize_html
from ._types import DetectedLanguage, Language, Translation

# How long the upstream's language list is trusted before it is asked again.
_LANGUAGES_TTL = 300.0


class UpstreamLibreTranslate:
    """Translates through a LibreTranslate server at `url`, with `api_key` if it needs one.

    Upstream refusals of a request (HTTP 400) become `InputError`; rate
    limits and overload (429, 503) become `Overloaded`; anything else, and
    every network failure or timeout, becomes `FetchError`. HTML is sanitised
    on the way out and on the way back. The key is never shown in messages.
    """

    name = "libretranslate"

    def __init__(
        self,
        url: str,
        *,
        api_key: str = "",
        timeout: float = 60.0,
        connect_timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._api_key = api_key
        self._client = httpx.Client(
            base_url=self.url,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            follow_redirects=False,
        )
        self._languages: tuple[float, list[Language]] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"UpstreamLibreTranslate({self.url!r})"

    def close(self) -> None:
        self._client.close()

    def languages(self) -> list[Language]:
        with self._lock:
            cached = self._languages
            if cached is not None and time.monotonic() - cached[0] < _LANGUAGES_TTL:
                return cached[1]
        rows = self._call("GET", "/languages", None)
        if not isinstance(rows, list):
            raise FetchError(f"{self.url}/languages did not answer with a list")
        languages = sorted(
            (
                Language(
                    str(row["code"]),
                    str(row.get("name") or language_name(str(row["code"]))),
                    tuple(sorted(str(t) for t in row.get("targets") or ())),
                )
                for row in rows
                if isinstance(row, dict) and "code" in row
            ),
            key=lambda lang: lang.code,
        )
        with self._lock:
            self._languages = (time.monotonic(), languages)
        return languages

    def translate(
        self,
        texts: Sequence[str],
        source: str,
        target: str,
        *,
        fmt: str = "text",
        alternatives: int = 0,
    ) -> list[Translation]:
        check_options(fmt, alternatives)
        texts = list(texts)
        if fmt == "html":
            texts = [sanitize_html(text) for text in texts]
        body: dict[str, Any] = {"q": texts, "source": source, "target": target, "format": fmt}
        if alternatives:
            body["alternatives"] = alternatives
        answer = self._call("POST", "/translate", body)
        try:
            translated = answer["translatedText"]
            alts = answer.get("alternatives") or [[] for _ in texts]
            found = answer.get("detectedLanguage") or [None for _ in texts]
            if not isinstance(translated, list) or len(translated) != len(texts):
                raise ValueError("one translation per text expected")
            results = []
            for text, others, detected in zip(translated, alts, found, strict=True):
                if fmt == "html":
                    text, others = sanitize_html(text), [sanitize_html(o) for o in others]
                results.append(Translation(str(text), tuple(map(str, others)), _detected(detected)))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FetchError(f"{self.url}/translate answered in an unexpected shape") from exc
        return results

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        if body is not None and self._api_key:
            body = {**body, "api_key": self._api_key}
        try:
            response = self._client.request(method, path, json=body)
        except httpx.TimeoutException as exc:
            raise FetchError(f"LibreTranslate at {self.url} did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise FetchError(
                f"LibreTranslate at {self.url} is unreachable ({type(exc).__name__})"
            ) from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        message = data.get("error") if isinstance(data, dict) else None
        detail = f": {message}" if isinstance(message, str) else ""
        if response.status_code == 400:
            raise InputError(f"LibreTranslate refused the request{detail}")
        if response.status_code in (429, 503):
            retry = response.headers.get("retry-after", "")
            raise Overloaded(
                f"LibreTranslate at {self.url} is busy{detail}",
                retry_after=int(retry) if retry.isdigit() and len(retry) < 7 else 1,
            )
        if response.status_code != 200 or data is None:
            raise FetchError(
                f"LibreTranslate at {self.url}{path} answered HTTP {response.status_code}{detail}"
            )
        return data


def _detected(value: object) -> DetectedLanguage | None:
    if not isinstance(value, dict) or "language" not in value:
        return None
    return DetectedLanguage(str(value["language"]), float(value.get("confidence", 0)))
