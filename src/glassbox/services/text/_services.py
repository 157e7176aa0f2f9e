"""Translation, language detection and redaction as governed services.

Their fields are LibreTranslate's (`q`, `source`, `target`, `format`,
`alternatives` for `/translate`; `q` for `/detect`) and Glassbox's own for
`/v1/redact` (`text`, `language`). The input commitment covers the canonical JSON
of the validated request, so it does not depend on how the client encoded it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from glassbox.entries import Action, canonical
from glassbox.errors import InputError, PayloadTooLarge

from .._interface import Prepared, Result
from ._checks import FORMATS, MAX_ALTERNATIVES, check_text
from ._detect import LanguageDetector
from ._files import check_pieces, read_document
from ._redact import Redactor
from ._types import DetectedLanguage, Translation, Translator

_JSON = "application/json"
MAX_FILE_BYTES = 5 * 1024 * 1024  # an upload to /translate_file
NO_ENGINE = (
    "no translation engine is installed or configured: install Apertium pairs (Debian: "
    "apertium-eng-spa), put models in <data>/models, or see setting 'translation_engine'"
)


def _texts(q: Any) -> tuple[list[str], bool]:
    """`q` as a list of strings, and whether it came as a list."""
    if isinstance(q, str):
        return [q], False
    if isinstance(q, list) and q and all(isinstance(t, str) for t in q):
        return list(q), True
    raise InputError("'q' must be a non-empty string or a list of strings")


def _prepared(params: dict[str, Any], max_chars: int) -> Prepared:
    characters = check_text(params["texts"], max_chars=max_chars)
    return Prepared(payload=canonical(params), params=params, characters=characters)


def _result(document: Any, redacted: bool = False, details: dict[str, Any] | None = None) -> Result:
    details = {**(details or {}), **({"redacted": True} if redacted else {})}
    return Result(json.dumps(document).encode(), _JSON, document, details)


def _no_alternatives(fmt: str, results: list[Translation]) -> str:
    """Why a request for alternatives got none."""
    if fmt == "html":
        return "HTML is translated one way only: ask with format=text for alternatives"
    last = sorted({r.route[-1].partition(":")[0] for r in results if r.route})
    if not last:
        return "the text needs no translation into this language"
    return f"the {' and '.join(last)} engine gives one translation only, without alternatives"


def _detected(found: DetectedLanguage | None) -> dict[str, Any]:
    """A detected source as LibreTranslate gives it; a blank text has none."""
    if found is None:
        return {"confidence": 0.0, "language": ""}
    return {"confidence": found.confidence, "language": found.language}


class TranslateService:
    """LibreTranslate's `/translate`, with any `Translator` engine."""

    action = Action.TRANSLATE

    def __init__(self, translator: Translator | None, redactor: Redactor, *, max_chars: int):
        self.translator = translator
        self._redactor = redactor
        self._max_chars = max_chars

    def prepare(self, fields: Mapping[str, Any]) -> Prepared:
        if self.translator is None:
            raise InputError(NO_ENGINE)
        if "file" in fields:
            return self._prepare_file(fields)
        texts, as_list = _texts(fields.get("q"))
        fmt = fields.get("format") or "text"
        if fmt not in FORMATS:
            raise InputError(f"format must be one of {', '.join(FORMATS)}")
        source, target = self._languages(fields)
        try:
            alternatives = int(fields.get("alternatives") or 0)
        except (TypeError, ValueError):
            raise InputError("'alternatives' must be a whole number") from None
        if not 0 <= alternatives <= MAX_ALTERNATIVES:
            raise InputError(f"'alternatives' must be 0..{MAX_ALTERNATIVES}")
        params = {
            "texts": texts,
            "list": as_list,
            "source": source,
            "target": target,
            "format": fmt,
            "alternatives": alternatives,
        }
        return _prepared(params, self._max_chars)

    def _languages(self, fields: Mapping[str, Any]) -> tuple[str, str]:
        assert self.translator is not None
        source, target = fields.get("source") or "auto", fields.get("target")
        codes = {lang.code for lang in self.translator.languages()}
        if not isinstance(target, str) or target not in codes:
            raise InputError(f"unknown target language {target!r}; see /languages")
        if not isinstance(source, str) or (source != "auto" and source not in codes):
            raise InputError(f"unknown source language {source!r}; see /languages")
        return source, target

    def _prepare_file(self, fields: Mapping[str, Any]) -> Prepared:
        """LibreTranslate's `/translate_file`: the input commitment covers the file itself."""
        upload, filename = fields.get("file"), fields.get("filename")
        if not isinstance(upload, bytes) or not isinstance(filename, str):
            raise InputError("the 'file' field must be a file upload with a file name")
        if len(upload) > MAX_FILE_BYTES:
            raise PayloadTooLarge(
                f"the file is {len(upload)} bytes; the limit is {MAX_FILE_BYTES} bytes"
            )
        source, target = self._languages(fields)
        document = read_document(filename, upload)
        check_pieces(document)
        characters = check_text(document.pieces, max_chars=self._max_chars)
        params = {"file": document.filename, "source": source, "target": target}
        return Prepared(payload=upload, params=params, characters=characters)

    def _run_file(self, prepared: Prepared) -> Result:
        assert self.translator is not None
        params = prepared.params
        document = read_document(params["file"], prepared.payload)
        results = self.translator.translate(
            document.pieces, params["source"], params["target"], fmt=document.fmt
        )
        out = [r.text for r in results]
        redact = bool(params.get("redact"))
        if redact:
            out = [self._redactor.redact(t, language=params["target"]).text for t in out]
        stem, dot, suffix = document.filename.rpartition(".")
        name = f"{stem}.{params['target']}.{suffix}" if dot else f"{suffix}.{params['target']}"
        details: dict[str, Any] = {
            "route": sorted({" > ".join(r.route) for r in results if r.route}),
            **({"redacted": True} if redact else {}),
        }
        body = document.rebuild(out)
        return Result(body, document.media_type, None, details, filename=name)

    def run(self, prepared: Prepared) -> Result:
        if self.translator is None:
            raise InputError(NO_ENGINE)
        if "file" in prepared.params:
            return self._run_file(prepared)
        params = prepared.params
        # "auto" goes to the engine, which detects among the languages it can translate.
        results = self.translator.translate(
            params["texts"],
            params["source"],
            params["target"],
            fmt=params["format"],
            alternatives=params["alternatives"],
        )
        out = [r.text for r in results]
        redact = bool(params.get("redact"))
        if redact:
            out = [self._redactor.redact(t, language=params["target"]).text for t in out]
        as_list = params["list"]
        body: dict[str, Any] = {"translatedText": out if as_list else out[0]}
        if params["source"] == "auto":
            found = [_detected(r.detected) for r in results]
            body["detectedLanguage"] = found if as_list else found[0]
        if params["alternatives"]:
            alts = [list(r.alternatives) for r in results]
            body["alternatives"] = alts if as_list else alts[0]
            if not any(alts):
                body["alternativesNote"] = _no_alternatives(params["format"], results)
        routes = [list(r.route) for r in results]
        body["route"] = routes if as_list else routes[0]  # engine:source-target, each step
        details = {"route": sorted({" > ".join(r.route) for r in results if r.route})}
        return _result(body, redact, details)


class DetectService:
    """LibreTranslate's `/detect`: the likeliest languages of each text."""

    action = Action.DETECT

    def __init__(self, detector: LanguageDetector, *, max_chars: int) -> None:
        self._detector = detector
        self._max_chars = max_chars

    def prepare(self, fields: Mapping[str, Any]) -> Prepared:
        texts, as_list = _texts(fields.get("q"))
        return _prepared({"texts": texts, "list": as_list}, self._max_chars)

    def run(self, prepared: Prepared) -> Result:
        params = prepared.params
        found = [self._detector.detect(text, top=3) for text in params["texts"]]
        rows = [[{"confidence": d.confidence, "language": d.language} for d in f] for f in found]
        return _result(rows if params["list"] else rows[0])


class RedactService:
    """`/v1/redact`: personal data in a text replaced by its type, with what was found."""

    action = Action.REDACT

    def __init__(self, redactor: Redactor, *, max_chars: int) -> None:
        self._redactor = redactor
        self._max_chars = max_chars

    def prepare(self, fields: Mapping[str, Any]) -> Prepared:
        text = fields.get("text")
        if not isinstance(text, str):
            raise InputError("'text' must be a string")
        language = fields.get("language", "en")
        if not isinstance(language, str):
            raise InputError("'language' must be a language code")
        return _prepared({"texts": [text], "language": language}, self._max_chars)

    def run(self, prepared: Prepared) -> Result:
        params = prepared.params
        done = self._redactor.redact(params["texts"][0], language=params["language"])
        return _result(
            {
                "text": done.text,
                "entities": [
                    {"type": e.type, "start": e.start, "end": e.end, "score": round(e.score, 3)}
                    for e in done.entities
                ],
                "detectors": list(done.detectors),
            }
        )
