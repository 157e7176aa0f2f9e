"""Text services through the governed path: translation, language detection, redaction.

The routes speak LibreTranslate (`/translate`, `/detect`) and Glassbox's own
`/v1/redact`; each request takes the same path as speech: purpose, policy with
its own Cedar action, exactly one log entry with commitments, and a receipt.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool

from glassbox.entries import canonical
from glassbox.errors import GlassboxError, InputError
from glassbox.gateway._gateway import Call, Gateway, Reply
from glassbox.gateway._review import Review
from glassbox.services.text import LanguageDetector, Redactor, Translator, check_text

_log = logging.getLogger(__name__)
FORMATS = ("text", "html")
MAX_ALTERNATIVES = 3

Work = Callable[[dict[str, Any]], Awaitable[Any]]


def _texts(q: Any) -> tuple[list[str], bool]:
    """`q` as a list of strings, and whether it came as a list."""
    if isinstance(q, str):
        return [q], False
    if isinstance(q, list) and q and all(isinstance(t, str) for t in q):
        return list(q), True
    raise InputError("'q' must be a non-empty string or a list of strings")


class TextServices:
    """Translation, detection and redaction, governed like every other service."""

    def __init__(
        self,
        gateway: Gateway,
        review: Review,
        *,
        translator: Translator | None,
        detector: LanguageDetector,
        redactor: Redactor,
        max_chars: int,
    ) -> None:
        self._gateway = gateway
        self._review = review
        self._translator = translator
        self._detector = detector
        self._redactor = redactor
        self._max_chars = max_chars
        review.runners["translate"] = self._runner(self._translate)
        review.runners["detect"] = self._runner(self._detect)
        review.runners["redact"] = self._runner(self._redact)

    # -- the common path ------------------------------------------------------------------

    async def handle(
        self, call: Call, request: dict[str, Any] | GlassboxError, purpose_header: str | None
    ) -> Reply:
        work = {"translate": self._translate, "detect": self._detect, "redact": self._redact}[
            call.action
        ]
        try:
            return await self._handle(call, request, purpose_header, work)
        except GlassboxError as exc:
            return await self._gateway.fail(call, exc)
        except Exception:
            _log.exception("%s failed unexpectedly", call.action)
            return await self._gateway.fail(call, GlassboxError("internal error"))

    async def _handle(
        self,
        call: Call,
        request: dict[str, Any] | GlassboxError,
        purpose_header: str | None,
        work: Work,
    ) -> Reply:
        if isinstance(request, GlassboxError):
            raise request
        purpose = request.pop("purpose", None)
        call.resolve_purpose(purpose if isinstance(purpose, str) else purpose_header)
        params = self._validate(call.action, request)
        call.characters = check_text(params["texts"], max_chars=self._max_chars)
        content = canonical(params)
        call.commits.add("input", content)
        decision = await run_in_threadpool(self._gateway.decide, call)
        params["redact"] = decision.redact_output
        if decision.outcome == "deny":
            return await self._gateway.refuse(call, decision)
        if decision.outcome == "review":
            return await self._review.hold(call, decision, content, params)
        result = await work(params)
        if decision.redact_output and call.action != "redact":
            call.details["redacted"] = True
        call.commits.add("output", canonical(result))
        rec = await self._gateway.record(call, "served", reasons=decision.reasons)
        if isinstance(result, dict):
            result = {**result, "glassbox_receipt": rec}
        body = json.dumps(result).encode()
        return Reply(200, body, "application/json", self._gateway.receipt_headers(call, rec))

    def _runner(self, work: Work) -> Callable[[bytes, dict[str, Any]], Awaitable[Any]]:
        async def run(payload: bytes, params: dict[str, Any]) -> tuple[bytes, str, Any]:
            result = await work(params)
            return json.dumps(result).encode(), "application/json", result

        return run

    # -- validation -------------------------------------------------------------------------

    def _validate(self, action: str, request: dict[str, Any]) -> dict[str, Any]:
        if action == "redact":
            text = request.get("text")
            if not isinstance(text, str):
                raise InputError("'text' must be a string")
            language = request.get("language", "en")
            if not isinstance(language, str):
                raise InputError("'language' must be a language code")
            return {"texts": [text], "language": language}
        texts, as_list = _texts(request.get("q"))
        if action == "detect":
            return {"texts": texts, "list": as_list}
        if self._translator is None:
            raise InputError("no translation engine is configured (setting 'translation_engine')")
        fmt = request.get("format") or "text"
        if fmt not in FORMATS:
            raise InputError(f"format must be one of {', '.join(FORMATS)}")
        source, target = request.get("source") or "auto", request.get("target")
        codes = {lang.code for lang in self._translator.languages()}
        if not isinstance(target, str) or target not in codes:
            raise InputError(f"unknown target language {target!r}; see /languages")
        if not isinstance(source, str) or (source != "auto" and source not in codes):
            raise InputError(f"unknown source language {source!r}; see /languages")
        try:
            alternatives = int(request.get("alternatives") or 0)
        except (TypeError, ValueError):
            raise InputError("'alternatives' must be a whole number") from None
        if not 0 <= alternatives <= MAX_ALTERNATIVES:
            raise InputError(f"'alternatives' must be 0..{MAX_ALTERNATIVES}")
        return {
            "texts": texts,
            "list": as_list,
            "source": source,
            "target": target,
            "format": fmt,
            "alternatives": alternatives,
        }

    # -- the work itself ---------------------------------------------------------------------

    async def _translate(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self._translator is not None
        texts: Sequence[str] = params["texts"]
        # "auto" goes to the engine, which detects among the languages it can translate.
        results = await run_in_threadpool(
            self._translator.translate,
            texts,
            params["source"],
            params["target"],
            fmt=params["format"],
            alternatives=params["alternatives"],
        )
        detected = None
        if params["source"] == "auto" and results and results[0].detected is not None:
            found = results[0].detected
            detected = {"confidence": found.confidence, "language": found.language}
        out = [r.text for r in results]
        if params.get("redact"):
            out = [self._redactor.redact(t).text for t in out]
        body: dict[str, Any] = {"translatedText": out if params["list"] else out[0]}
        if detected is not None:
            body["detectedLanguage"] = [detected] * len(out) if params["list"] else detected
        if params["alternatives"]:
            alts = [list(r.alternatives) for r in results]
            body["alternatives"] = alts if params["list"] else alts[0]
        return body

    async def _detect(self, params: dict[str, Any]) -> list[Any]:
        found = [
            await run_in_threadpool(self._detector.detect, text, top=3) for text in params["texts"]
        ]
        rows = [[{"confidence": d.confidence, "language": d.language} for d in f] for f in found]
        return rows if params["list"] else rows[0]

    async def _redact(self, params: dict[str, Any]) -> dict[str, Any]:
        done = await run_in_threadpool(
            self._redactor.redact, params["texts"][0], language=params["language"]
        )
        return {
            "text": done.text,
            "entities": [
                {"type": e.type, "start": e.start, "end": e.end, "score": round(e.score, 3)}
                for e in done.entities
            ],
            "detectors": list(done.detectors),
        }
