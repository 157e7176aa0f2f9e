"""The documents the HTTP API sends and reads, as the OpenAPI document describes them.

The routes build their answers themselves (and read governed bodies themselves, so
that every request is logged however malformed), so these models are for the
document only: each says what a route's body holds, fields in the order sent.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from glassbox.services.text import MAX_FILE_BYTES

PURPOSE_PATTERN = "^(?:[a-z0-9][a-z0-9_-]{0,63})?$"  # empty: none declared
# A text worth serving holds something besides white space.
Text = Annotated[str, Field(pattern=r"\S")]
Texts = Text | Annotated[list[Text], Field(min_length=1)]


class Reason(BaseModel):
    id: str
    description: str


class Receipt(BaseModel):
    """What the client keeps to check later that its request was logged as it was."""

    origin: str
    index: int = Field(ge=0)
    leaf_hash: str = Field(description="base64")
    entry: str = Field(description="the log entry, exactly as logged")
    salts: dict[str, str] = Field(description="`input`, `output`: base64")


class Hold(BaseModel):
    """A request held for human review (202 to `Prefer: respond-async`, else `error.hold`)."""

    id: str
    object: Literal["glassbox.hold"]
    status: Literal["pending"]
    reviewers_required: int
    approvals: int
    expires_at: str
    reasons: list[Reason]
    url: str | None = Field(default=None, description="in `error.hold`")
    glassbox_receipt: Receipt | None = None


class HoldStatus(BaseModel):
    """A hold not yet served (once served, its result is answered instead)."""

    id: str
    object: Literal["glassbox.hold"]
    status: Literal["pending", "approved", "denied", "expired", "failed"]
    reviewers_required: int
    approvals: int
    expires_at: str
    log_index: int
    final_log_index: int | None


class HoldDecided(BaseModel):
    """The webhook notice a key's URL gets when one of its held requests is decided."""

    type: Literal["hold.decided"]
    id: str = Field(description="the notice's id (whd_...), the same at every attempt")
    hold: str = Field(description="the hold's id")
    status: Literal["served", "denied", "expired", "failed"]
    url: str = Field(description="where to fetch the hold, with the key")
    time: str = Field(description="when it was decided, RFC 3339")


# Requests: a governed route reads its body itself, so these are what it documents.


class SpeechForm(BaseModel):
    """`POST /v1/audio/translations`: OpenAI's multipart form."""

    file: bytes = Field(description="wav, mp3, m4a, ogg, flac or webm; at most max_upload_bytes")
    model: str = Field(
        default="whisper-1", max_length=100, description="`whisper-1`, or see GET /v1/models"
    )
    prompt: str | None = Field(default=None, max_length=4000)
    response_format: Literal["json", "text", "srt", "vtt", "verbose_json"] = "json"
    temperature: float = Field(default=0.0, ge=0.0, le=1.0)
    purpose: str | None = Field(default=None, pattern=PURPOSE_PATTERN)


class TranscriptionForm(SpeechForm):
    """`POST /v1/audio/transcriptions`: OpenAI's multipart form."""

    language: str | None = Field(default=None, max_length=100, description="ISO 639-1")
    timestamp_granularities: list[Literal["segment", "word"]] = Field(
        default=[],
        alias="timestamp_granularities[]",
        description="only with response_format `verbose_json`",
    )
    stream: bool = Field(default=False, description="only with response_format json or text")


class TranslateRequest(BaseModel):
    """`POST /translate`: LibreTranslate's fields, as JSON or a form."""

    q: Texts = Field(description="a text or a list of texts")
    source: str = Field(default="auto", description="a code from /languages, or `auto`")
    target: str = Field(description="a code from /languages")
    format: Literal["text", "html"] = "text"
    alternatives: int = Field(default=0, ge=0, le=3)
    api_key: str | None = Field(default=None, description="or the Authorization header")
    purpose: str | None = Field(default=None, pattern=PURPOSE_PATTERN)


class TranslateFileForm(BaseModel):
    """`POST /translate_file`: LibreTranslate's multipart form."""

    file: bytes = Field(description=f".txt, .html, .docx or .odt; at most {MAX_FILE_BYTES} bytes")
    source: str = Field(default="auto", description="a code from /languages, or `auto`")
    target: str = Field(description="a code from /languages")
    api_key: str | None = Field(default=None, description="or the Authorization header")
    purpose: str | None = Field(default=None, pattern=PURPOSE_PATTERN)


class DetectRequest(BaseModel):
    """`POST /detect`: LibreTranslate's fields, as JSON or a form."""

    q: Texts = Field(description="a text or a list of texts")
    api_key: str | None = Field(default=None, description="or the Authorization header")
    purpose: str | None = Field(default=None, pattern=PURPOSE_PATTERN)


class RedactRequest(BaseModel):
    text: Text
    language: str = Field(default="en", pattern="^[a-z]{2,3}$", description="ISO 639")
    purpose: str | None = Field(default=None, pattern=PURPOSE_PATTERN)


# Answers.


class _Logged(BaseModel):
    glassbox_receipt: Receipt


class Usage(BaseModel):
    type: Literal["duration"]
    seconds: int


class Transcription(_Logged):
    """`json` and `verbose_json` (which adds `language`, `duration`, `segments`, `words`)."""

    model_config = ConfigDict(extra="allow")
    text: str
    usage: Usage


class Translated(_Logged):
    translatedText: str | list[str]  # LibreTranslate's names
    detectedLanguage: dict[str, Any] | list[dict[str, Any]] | None = None
    alternatives: list[str] | list[list[str]] | None = None
    alternativesNote: str | None = None
    route: list[str] | list[list[str]] = Field(description="`engine:source-target`, each step")


class TranslatedFile(_Logged):
    translatedFileUrl: str


class Detected(BaseModel):
    language: str
    confidence: float


class Entity(BaseModel):
    type: str
    start: int
    end: int
    score: float


class Redacted(_Logged):
    text: str
    entities: list[Entity]
    detectors: list[str]


class Language(BaseModel):
    code: str
    name: str
    targets: list[str]


class LanguageName(BaseModel):
    code: str
    name: str


class LanguagePair(BaseModel):
    source: LanguageName
    target: LanguageName


class FrontendSettings(BaseModel):
    apiKeys: bool  # LibreTranslate's names
    keyRequired: bool
    charLimit: int
    frontendTimeout: int
    suggestions: bool
    filesTranslation: bool
    supportedFilesFormat: list[str]
    language: LanguagePair


class Status(BaseModel):
    status: Literal["ok"]


class Model(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str
    model: str
    multilingual: bool
    languages: list[str]
    translates: bool
    size_bytes: int
    sha256: str


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[Model]


class Proof(BaseModel):
    size: int
    hashes: list[str]


class ReceiptWithProof(Receipt):
    proof: Proof
    checkpoint: str = Field(description="the signed note")
    tlog_proof: str = Field(description="C2SP tlog-proof")


class InclusionProof(BaseModel):
    index: int
    size: int
    proof: list[str] = Field(description="base64 hashes")


class ConsistencyProof(BaseModel):
    from_: int = Field(alias="from")
    to: int
    proof: list[str] = Field(description="base64 hashes")


class Entries(BaseModel):
    start: int
    entries: list[str] = Field(description="base64")


class Appended(BaseModel):
    indices: list[int]
