"""The translation engines named by the `translation_engine` setting, or found."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

from glassbox.errors import ConfigError

from ._apertium import ApertiumTranslator
from ._argos import ArgosTranslator
from ._ct2 import SETTING, CTranslate2Translator
from ._router import PREFERENCE, Router
from ._types import Translator
from ._upstream import UpstreamLibreTranslate

_CODE = r"[a-z]{2,3}(?:_[A-Za-z]{4})?"
_PAIR = re.compile(rf"({_CODE})-({_CODE})")
FORMS = (
    '"auto" (every engine found on this machine)',
    '"none" (no translation)',
    '"apertium"',
    '"ct2:en-es=/path/to/model;es-en=/path/to/other"',
    '"argos:/path/a.argosmodel,/path/b.argosmodel"',
    '"libretranslate:http://host:5000" (optionally "?api_key=…")',
)
ENGINE_SEPARATOR = "|"


def build_translator(
    setting: str,
    *,
    cache_dir: Path,
    models_dir: Path | None = None,
    preference: Sequence[str] = PREFERENCE,
    max_concurrent: int = 2,
    queue_timeout: float = 30.0,
) -> Router | None:
    """The engines `setting` names, routed between as one; None if there are none.

    `setting` lists engines separated by "|", each one of `FORMS`: "auto" is
    every engine found without configuration (the installed Apertium pairs,
    CTranslate2 model directories named for their pair, such as `en-de/`, and
    Argos `.argosmodel` files in `models_dir`, if given); "apertium"; "ct2:" with
    `source-target=directory` pairs separated by ";"; "argos:" with package files
    separated by ","; "libretranslate:" with the server's URL, whose `api_key`
    query parameter is taken out and sent as the key. `preference` ranks the engines
    by name where several translate a pair. Raises `ConfigError` naming the setting
    for anything else, or for a model, package or program that is not there.
    """
    engines: list[Translator] = []
    for form in (f.strip() for f in setting.split(ENGINE_SEPARATOR)):
        if form.lower() in ("", "none"):
            continue
        if form.lower() == "auto":
            engines += discover(models_dir, cache_dir, max_concurrent, queue_timeout)
        else:
            engines.append(_engine(form, cache_dir, max_concurrent, queue_timeout))
    return Router(engines, preference) if engines else None


def discover(
    models_dir: Path | None, cache_dir: Path, max_concurrent: int = 2, queue_timeout: float = 30.0
) -> list[Translator]:
    """Every engine this machine has without configuration; nothing is downloaded."""
    found: list[Translator] = []
    pairs: dict[tuple[str, str], Path] = {}
    packages: list[Path] = []
    if models_dir is not None and models_dir.is_dir():
        for entry in sorted(models_dir.iterdir()):
            match = _PAIR.fullmatch(entry.name)
            if match and entry.is_dir() and (entry / "model.bin").is_file():
                pairs[(match[1], match[2])] = entry
            elif entry.suffix == ".argosmodel" and entry.is_file():
                packages.append(entry)
    if pairs:
        found.append(
            CTranslate2Translator(pairs, max_concurrent=max_concurrent, queue_timeout=queue_timeout)
        )
    if packages:
        found.append(
            ArgosTranslator(
                packages,
                cache_dir=cache_dir,
                max_concurrent=max_concurrent,
                queue_timeout=queue_timeout,
            )
        )
    if shutil.which("apertium"):
        with contextlib.suppress(ConfigError):  # the program but no pair: nothing to offer
            found.append(
                ApertiumTranslator(max_concurrent=max_concurrent, queue_timeout=queue_timeout)
            )
    return found


def _engine(form: str, cache_dir: Path, max_concurrent: int, queue_timeout: float) -> Translator:
    """The one engine `form` names."""
    kind, _, rest = form.partition(":")
    kind, rest = kind.strip().lower(), rest.strip()
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
    raise ConfigError(
        f"setting {SETTING!r}: {_shown(form)!r} is not one of: {'; '.join(FORMS)} "
        f"(several separated by {ENGINE_SEPARATOR!r})"
    )


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
