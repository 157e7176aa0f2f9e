"""Several engines as one: each pair by the preferred engine, and pivots where none is direct.

A request from `source` into `target` takes the shortest chain of pairs that
the engines offer between them (fr -> es -> en when only fr-es and es-en are
installed), at most `MAX_HOPS` long; among chains as short, the one whose
engines come first in the preference order (by default neural before
rule-based: ctranslate2, argos, libretranslate, apertium). Each translation says which
engines and pairs it went through.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace

from glassbox.errors import ConfigError, InputError

from ._checks import check_options
from ._codes import language_name
from ._detect import LanguageDetector, detectable
from ._html import parse_html, sanitize_html
from ._types import DetectedLanguage, Language, Translation, Translator

MAX_HOPS = 3  # at most two pivot languages
PREFERENCE = ("ctranslate2", "argos", "libretranslate", "apertium")


@dataclass(frozen=True)
class Hop:
    """One step of a route: `engine` translates `source` into `target`."""

    engine: Translator
    source: str
    target: str

    def __str__(self) -> str:
        return f"{self.engine.name}:{self.source}-{self.target}"


class Router:
    """The `Translator` over `engines`, ranked by `preference` (engine names, best first)."""

    name = "auto"

    def __init__(
        self, engines: Sequence[Translator], preference: Sequence[str] = PREFERENCE
    ) -> None:
        if not engines:
            raise ConfigError("no translation engine to route between")
        unknown = sorted({e.name for e in engines} - set(preference))
        self._rank = {name: i for i, name in enumerate([*preference, *unknown])}
        self.engines = sorted(engines, key=lambda e: self._rank[e.name])  # best first
        self._pairs: dict[tuple[str, str], Hop] | None = None
        self._routes: dict[tuple[str, str], tuple[Hop, ...] | None] = {}
        self._detector: LanguageDetector | None = None
        self._lock = threading.Lock()

    @property
    def _direct(self) -> dict[tuple[str, str], Hop]:
        """Each pair some engine translates directly, by its best engine. Asked of the
        engines on first use (an upstream server is asked then, not at start-up)."""
        if self._pairs is None:
            pairs: dict[tuple[str, str], Hop] = {}
            for engine in self.engines:
                for language in engine.languages():
                    for target in language.targets:
                        pairs.setdefault(
                            (language.code, target), Hop(engine, language.code, target)
                        )
            self._pairs = pairs
        return self._pairs

    def languages(self) -> list[Language]:
        codes = sorted({code for pair in self._direct for code in pair})
        return [
            Language(code, language_name(code), tuple(t for t in codes if self.route(code, t)))
            for code in codes
        ]

    def route(self, source: str, target: str) -> tuple[Hop, ...] | None:
        """The chain of hops from `source` into `target` (empty if they are the same
        language), or None if there is none within `MAX_HOPS`."""
        if source == target:
            return ()
        key = (source, target)
        if key not in self._routes:
            self._routes[key] = self._search(source, target)
        return self._routes[key]

    def _search(self, source: str, target: str) -> tuple[Hop, ...] | None:
        # Breadth first: the first chains to arrive are the shortest; among those, the
        # best ranked (the list of engine ranks along the way, compared in order).
        best: tuple[list[int], tuple[Hop, ...]] | None = None
        frontier: deque[tuple[Hop, ...]] = deque(
            (hop,) for pair, hop in self._direct.items() if pair[0] == source
        )
        while frontier:
            chain = frontier.popleft()
            if best is not None and len(chain) > len(best[1]):
                break
            last = chain[-1].target
            if last == target:
                ranks = [self._rank[hop.engine.name] for hop in chain]
                if best is None or ranks < best[0]:
                    best = (ranks, chain)
                continue
            if len(chain) == MAX_HOPS:
                continue
            seen = {source, *(hop.target for hop in chain)}
            for (start, end), hop in self._direct.items():
                if start == last and end not in seen:
                    frontier.append((*chain, hop))
        return best[1] if best else None

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
        codes = {code for pair in self._direct for code in pair}
        if target not in codes:
            raise InputError(
                f"target language {target!r} is not one this server translates into; see /languages"
            )
        detected: list[DetectedLanguage | None] = [None] * len(texts)
        if source == "auto":
            detected = [self._detect(text, target, fmt) if text.strip() else None for text in texts]
            sources = [d.language if d else target for d in detected]
        else:
            self._route(source, target)
            sources = [source] * len(texts)
        results: list[Translation | None] = [None] * len(texts)
        for src in sorted(set(sources)):
            indices = [i for i, s in enumerate(sources) if s == src]
            done = self._along(
                self._route(src, target), [texts[i] for i in indices], fmt, alternatives
            )
            for i, result in zip(indices, done, strict=True):
                results[i] = replace(result, detected=detected[i])
        return [r for r in results if r is not None]

    def _route(self, source: str, target: str) -> tuple[Hop, ...]:
        route = self.route(source, target)
        if route is not None:
            return route
        if not any(pair[0] == source for pair in self._direct):
            raise InputError(
                f"source language {source!r} is not one this server translates from; see /languages"
            )
        reachable = [t for t in sorted({p[1] for p in self._direct}) if self.route(source, t)]
        raise InputError(
            f"there is no way to translate {source!r} into {target!r} here, even through "
            f"another language; from {source!r}: {', '.join(reachable)}"
        )

    def _along(
        self, route: tuple[Hop, ...], texts: list[str], fmt: str, alternatives: int
    ) -> list[Translation]:
        if not route:  # the same language: nothing to translate, but HTML is still sanitised
            return [Translation(sanitize_html(t) if fmt == "html" else t) for t in texts]
        current = texts
        results: list[Translation] = []
        for n, hop in enumerate(route):
            last = n == len(route) - 1
            results = hop.engine.translate(
                current, hop.source, hop.target, fmt=fmt, alternatives=alternatives if last else 0
            )
            current = [r.text for r in results]
        path = tuple(str(hop) for hop in route)
        return [replace(r, route=path, detected=None) for r in results]

    def _detect(self, text: str, target: str, fmt: str) -> DetectedLanguage:
        """The likeliest language of `text` among those with a route into `target`."""
        sources = sorted({p[0] for p in self._direct if self.route(p[0], target) is not None})
        if len(sources) == 1:
            return DetectedLanguage(sources[0], 100.0)
        candidates = sorted({p[0] for p in self._direct if detectable(p[0])})
        if len(candidates) < 2:
            raise InputError(
                f"the source languages ({', '.join(sources)}) cannot be told apart "
                "automatically; name one in 'source'"
            )
        if self._detector is None:
            with self._lock:
                if self._detector is None:
                    self._detector = LanguageDetector(candidates)
        plain = " ".join(parse_html(text).texts) if fmt == "html" else text
        for found in self._detector.detect(plain, top=5) if plain.strip() else []:
            if found.language in sources:
                return found
        raise InputError(
            f"could not tell which language the text is in among {', '.join(sources)}; "
            "name it in 'source'"
        )
