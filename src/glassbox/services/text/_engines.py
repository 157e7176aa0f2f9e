"""The translation engine named by the `translation_engine` setting."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

from glassbox.errors import ConfigError

from ._apertium import ApertiumTranslator
from ._argos import ArgosTranslator
from ._ct2 import SETTING, CTranslate2Translator
from ._types import Translator
from ._upstream import UpstreamLibreTranslate

_CODE = r"[a-z]{2,3}(?:_[A-Za-z]{4})?"
_PAIR = re.compile(rf"({_CODE})-({_CODE})")
FORMS = (
    '"" (no translation)',
    '"apertium"',
    '"ct2:en-es=/path/to/model;es-en=/path/to/other"',
    '"argos:/path/a.argosmodel,/path/b.argosmodel"',
    '"libretranslate:http://host:5000" (optionally "?api_key=…")',
)


def build_translator(
    setting: str, *, cache_dir: Path, max_concurrent: int = 2, queue_timeout: float = 30.0
) -> Translator | None:
    """The engine `setting` names, or None for "" (no translation).

    Forms: "apertium"; "ct2:" with `source-target=directory` pairs separated
    by ";"; "argos:" with package files separated by ","; "libretranslate:"
    with the server's URL, whose `api_key` query parameter is taken out and
    sent as the key. Argos packages are unpacked under `cache_dir`. Raises
    `ConfigError` naming the setting for anything else, or for a model,
    package or program that is not there.
    """
    kind, _, rest = setting.strip().partition(":")
    kind, rest = kind.strip().lower(), rest.strip()
    if not kind and not rest:
        return None
    if kind == "apertium" and not rest:
        return ApertiumTranslator(max_concurrent=max_concurrent, queue_timeout=queue_timeout)
    if kind == "ct2" and rest:
        return CTranslate2Translator(
            _pairs(rest), max_concurrent=max_concurrent, queue_timeout=queue_timeout
        )
    if kind == "argos" and rest:
        packages = [Path(p.strip()) for p in rest.split(",") if p.strip()]
        return ArgosTranslator(
            packages,
            cache_dir=cache_dir,
            max_concurrent=max_concurrent,
            queue_timeout=queue_timeout,
        )
    if kind == "libretranslate" and rest:
        return _upstream(rest)
    raise ConfigError(f"setting {SETTING!r}: {_shown(setting)!r} is not one of: {'; '.join(FORMS)}")


def _pairs(value: str) -> dict[tuple[str, str], Path]:
    pairs: dict[tuple[str, str], Path] = {}
    for item in value.split(";"):
        if not item.strip():
            continue
        names, sep, path = (part.strip() for part in item.partition("="))
        match = _PAIR.fullmatch(names)
        if not sep or not path or match is None:
            raise ConfigError(
                f"setting {SETTING!r}: {item.strip()!r} is not of the form "
                "source-target=/path/to/model (codes such as en, spa or eng_Latn)"
            )
        pair = (match[1], match[2])
        if pair in pairs or pair[0] == pair[1]:
            raise ConfigError(f"setting {SETTING!r}: pair {names} is repeated or goes nowhere")
        pairs[pair] = Path(path)
    return pairs


def _upstream(url: str) -> UpstreamLibreTranslate:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"setting {SETTING!r}: the LibreTranslate URL must start with http:// or https:// "
            "and name a host"
        )
    if parts.username or parts.password:
        raise ConfigError(
            f"setting {SETTING!r}: put the LibreTranslate key in ?api_key=, not in the URL's "
            "user part"
        )
    query = parse_qs(parts.query)
    keys = query.pop("api_key", [""])
    if query or len(keys) != 1:
        raise ConfigError(
            f"setting {SETTING!r}: the LibreTranslate URL takes one query parameter, api_key"
        )
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return UpstreamLibreTranslate(base, api_key=keys[0])


def _shown(setting: str) -> str:
    """`setting` with any api_key value hidden, for error messages."""
    return re.sub(r"(api_key=)[^&]*", r"\1…", setting)
