"""What a transcription produces: text, language, timed segments and (optionally) words."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    """One word (without surrounding spaces) and when it is spoken, in seconds."""

    word: str
    start: float
    end: float


@dataclass(frozen=True)
class Segment:
    """A stretch of speech as Whisper decoded it, with the fields of OpenAI's `verbose_json`.

    `seek` is the offset, in 10 ms frames, of the 30-second window it was decoded in.
    """

    id: int
    start: float
    end: float
    text: str
    tokens: tuple[int, ...]
    temperature: float
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float
    seek: int = 0


@dataclass(frozen=True)
class Transcript:
    """The result of transcribing (or translating into English) one audio file.

    `language` is the ISO-639-1 code of the spoken language; `duration` is in seconds;
    `words` is empty unless word timestamps were asked for.
    """

    text: str
    language: str
    duration: float
    segments: tuple[Segment, ...]
    words: tuple[Word, ...]
    task: str = "transcribe"
    language_probability: float | None = None  # when the language was identified, not given
