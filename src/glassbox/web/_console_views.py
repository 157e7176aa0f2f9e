"""What the console shows: its templates, and the small helpers that format for them."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from glassbox.errors import GlassboxError
from glassbox.review import Session
from glassbox.tlog import Checkpoint, parse_note


@functools.cache
def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("glassbox.web", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(utc=utc, iso=iso, duration=duration, size=size, sentence=sentence)
    env.globals.update(time_left=time_left)
    return env


def page(
    request: Request, template: str, session: Session | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """Render a console page; `session` is None on the login and some error pages."""
    values = {"message": None, "error": None, **context}
    html = (
        _templates().get_template(template).render(session=session, path=request.url.path, **values)
    )
    return HTMLResponse(html, status)


def sentence(text: str) -> str:
    """An error message as a sentence: capitalised, with a full stop."""
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]


# -- times and sizes ------------------------------------------------------------------


def utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_left(deadline: datetime, now: datetime) -> str:
    """How long until `deadline`, to the minute: "2 h 14 min left", "past the deadline"."""
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return "past the deadline"
    if seconds < 60:
        return "under a minute left"
    minutes = seconds // 60
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} d {hours} h left"
    if hours:
        return f"{hours} h {mins} min left"
    return f"{mins} min left"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole // 60 % 60:02d} min"


def size(count: int) -> str:
    if count < 1000:
        return f"{count} bytes"
    if count < 1_000_000:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1_000_000:.1f} MB"


def request_settings(params: dict[str, Any]) -> list[tuple[str, str]]:
    """A held request's service parameters as (label, value) pairs, leaving out empty ones."""
    pairs = []
    for name, value in sorted(params.items()):
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        elif isinstance(value, list):
            shown = ", ".join(map(str, value))
        else:
            shown = str(value)
        pairs.append((name.replace("_", " ").capitalize(), shown))
    return pairs


# -- what a hold asks for ------------------------------------------------------------------


@dataclass(frozen=True)
class HeldContent:
    """What a held request would process, as its reviewers need to see it."""

    kind: str  # "audio", "text" or "file"
    texts: tuple[str, ...] = ()
    pair: str = ""  # "en into es" for translations
    language: str = ""
    filename: str = ""


def held_content(action: str, params: dict[str, Any], payload: bytes) -> HeldContent:
    """The content of a held request, from its (decrypted) payload and parameters."""
    if action in ("transcribe", "translate_speech"):
        return HeldContent("audio")
    pair = ""
    if params.get("target"):
        pair = f"{params.get('source') or 'auto'} into {params['target']}"
    if "file" in params:  # a document for /translate_file
        from glassbox.services.text import read_document

        try:
            pieces = tuple(read_document(params["file"], payload).pieces)
        except GlassboxError:
            pieces = ()
        return HeldContent("file", pieces, pair, filename=params["file"])
    try:
        texts = json.loads(payload).get("texts") or []
    except (ValueError, AttributeError):
        texts = []
    return HeldContent("text", tuple(map(str, texts)), pair, str(params.get("language") or ""))


# -- held audio -------------------------------------------------------------------------


def audio_type(data: bytes) -> tuple[str, str]:
    """The media type and a short name of an upload, from its first bytes."""
    head = data[:12]
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "audio/wav", "WAV"
    if head[:4] == b"fLaC":
        return "audio/flac", "FLAC"
    if head[:4] == b"OggS":
        return "audio/ogg", "Ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "audio/webm", "WebM"
    if head[4:8] == b"ftyp":
        return "audio/mp4", "MP4"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return "audio/mpeg", "MP3"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "audio/aac", "AAC"
    return "application/octet-stream", "unrecognised format"


# -- the log ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryView:
    """One log entry, decoded for a table row; fields absent from the entry are empty."""

    index: int
    size: int
    kind: str
    result: str = ""  # a decision's outcome or a review's verdict
    time: str = ""
    category: str = ""
    client: str = ""
    purpose: str = ""
    reviewer: str = ""
    request: str = ""
    held: bool = False  # whether it belongs to a held request, which has a console page
    action: str = ""
    json: str = ""  # the entry itself, as indented JSON

    def matches(self, wanted: dict[str, str]) -> bool:
        """Whether every filter in `wanted` (field name -> value) holds for this entry."""
        return all(getattr(self, name) == value for name, value in wanted.items() if value)


def decode_entry(index: int, data: bytes) -> EntryView:
    try:
        obj = json.loads(data)
    except ValueError:
        obj = None
    if not isinstance(obj, dict):
        return EntryView(index, len(data), "not JSON", json=data.decode("utf-8", "replace"))

    def text(name: str) -> str:
        value = obj.get(name)
        return value if isinstance(value, str) else ""

    return EntryView(
        index=index,
        size=len(data),
        kind=text("kind") or "unknown",
        result=text("outcome") or text("verdict") or text("change"),
        time=text("time"),
        category=text("category"),
        client=text("client") or text("subject"),
        purpose=text("purpose"),
        reviewer=text("reviewer") or text("actor"),
        request=text("request"),
        held="hold" in obj or obj.get("outcome") == "held",
        action=text("action"),
        json=json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False),
    )


def checkpoint_of(note: str) -> Checkpoint:
    """The checkpoint in a signed note (the server's own, so signatures are not checked)."""
    return Checkpoint.parse(parse_note(note).text)
