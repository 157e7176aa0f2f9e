"""What the engines running on this machine share: language checks, "auto", HTML, slots."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from glassbox.errors import InputError

from .._slots import Slots
from ._checks import check_options
from ._codes import language_name
from ._detect import LanguageDetector, detectable
from ._html import parse_html, sanitize_html, translate_html
from ._types import DetectedLanguage, Language, Translation


class LocalTranslator:
    """Base of the engines that translate on this machine.

    A subclass lists its `pairs` (source, target) and implements
    `_translate_texts`; this class checks the request, detects the source for
    "auto" among the engine's own source languages, translates HTML text nodes
    (or hands whole sanitised documents to an engine that reads HTML itself),
    and lets at most `max_concurrent` requests run at once, raising `Overloaded`
    when a request waits more than `queue_timeout` seconds for its turn.
    """

    name = "local"
    # True when `_translate_texts` accepts whole HTML documents (fmt="html").
    reads_html = False

    def __init__(self, *, max_concurrent: int = 2, queue_timeout: float = 30.0) -> None:
        self._max_concurrent = max_concurrent
        self._slots = Slots(
            max_concurrent, queue_timeout=queue_timeout, what=f"{self.name} translation"
        )
        self._detector: LanguageDetector | None = None
        self._detector_lock = threading.Lock()

    # -- what a subclass provides ---------------------------------------------------------

    def pairs(self) -> set[tuple[str, str]]:
        """Every (source, target) the engine translates directly."""
        raise NotImplementedError

    def _translate_texts(
        self, texts: list[str], source: str, target: str, *, fmt: str, alternatives: int
    ) -> list[tuple[str, tuple[str, ...]]]:
        """Translate non-blank `texts`; each result with up to `alternatives` others."""
        raise NotImplementedError

    # -- the shared part --------------------------------------------------------------------

    def languages(self) -> list[Language]:
        pairs = self.pairs()
        codes = sorted({code for pair in pairs for code in pair})
        return [
            Language(code, language_name(code), tuple(sorted(t for s, t in pairs if s == code)))
            for code in codes
        ]

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
        self._check_target(target)
        detected: list[DetectedLanguage | None] = [None] * len(texts)
        if source == "auto":
            # A blank text has no language: it comes back as it is.
            detected = [self._detect(text, fmt) if text.strip() else None for text in texts]
            sources = [d.language if d else target for d in detected]
        else:
            self._check_pair(source, target)
            sources = [source] * len(texts)
        results: list[Translation | None] = [None] * len(texts)
        with self._slot():
            for src in sorted(set(sources)):
                if src == target:  # nothing to translate, but HTML is still sanitised
                    for i, text in enumerate(texts):
                        if sources[i] == src:
                            same = sanitize_html(text) if fmt == "html" else text
                            results[i] = Translation(same, (), detected[i])
                    continue
                self._check_pair(src, target)
                indices = [i for i, s in enumerate(sources) if s == src]
                done = self._translate_group(
                    [texts[i] for i in indices], src, target, fmt, alternatives
                )
                for i, (text, alts) in zip(indices, done, strict=True):
                    results[i] = Translation(text, alts, detected[i])
        return [r for r in results if r is not None]

    def _translate_group(
        self, texts: list[str], source: str, target: str, fmt: str, alternatives: int
    ) -> list[tuple[str, tuple[str, ...]]]:
        if fmt == "html" and not self.reads_html:

            def plain(nodes: list[str]) -> list[str]:
                done = self._translate_texts(nodes, source, target, fmt="text", alternatives=0)
                return [text for text, _ in done]

            return [(translate_html(text, plain), ()) for text in texts]
        if fmt == "html":
            texts = [sanitize_html(text) for text in texts]
            alternatives = 0
        results: list[tuple[str, tuple[str, ...]]] = [(text, ()) for text in texts]
        todo = [i for i, text in enumerate(texts) if text.strip()]
        if todo:
            done = self._translate_texts(
                [texts[i] for i in todo], source, target, fmt=fmt, alternatives=alternatives
            )
            for i, result in zip(todo, done, strict=True):
                results[i] = result
        if fmt == "html":
            results = [(sanitize_html(text), ()) for text, _ in results]
        return results

    def _check_target(self, target: str) -> None:
        known = {code for pair in self.pairs() for code in pair}
        if target not in known:
            raise InputError(
                f"target language {target!r} is not supported by the {self.name} engine; "
                f"targets: {', '.join(sorted({t for _, t in self.pairs()}))}"
            )

    def _check_pair(self, source: str, target: str) -> None:
        pairs = self.pairs()
        if (source, target) in pairs or (source == target and any(source in p for p in pairs)):
            return
        sources = sorted({s for s, _ in pairs})
        if source not in sources:
            raise InputError(
                f"source language {source!r} is not supported by the {self.name} engine; "
                f"sources: {', '.join(sources)}"
            )
        targets = sorted(t for s, t in pairs if s == source)
        raise InputError(
            f"the {self.name} engine cannot translate {source!r} into {target!r}; "
            f"from {source!r} it translates into: {', '.join(targets)}"
        )

    def _detect(self, text: str, fmt: str) -> DetectedLanguage:
        """The most likely of the engine's source languages for `text`."""
        sources = sorted({s for s, _ in self.pairs()})
        if len(sources) == 1:
            # Nothing to choose from: "auto" can only mean the one source language.
            return DetectedLanguage(sources[0], 100.0)
        candidates = [code for code in sources if detectable(code)]
        if len(candidates) < 2:
            raise InputError(
                f"the {self.name} engine's source languages cannot be told apart "
                f"automatically; name one of {', '.join(sources)} in 'source'"
            )
        if self._detector is None:
            with self._detector_lock:
                if self._detector is None:
                    self._detector = LanguageDetector(candidates)
        plain = " ".join(parse_html(text).texts) if fmt == "html" else text
        found = self._detector.detect(plain, top=1) if plain.strip() else []
        if not found:
            raise InputError("could not detect the source language; name it in 'source'")
        return found[0]

    @contextmanager
    def _slot(self) -> Iterator[None]:
        self._slots.acquire()
        started = time.monotonic()
        try:
            yield
        finally:
            self._slots.release(time.monotonic() - started)
