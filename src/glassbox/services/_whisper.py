"""Transcribe decoded audio with faster-whisper, a bounded number of requests at a time."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from glassbox.errors import ConfigError, InputError

from ._audio import Audio
from ._languages import LANGUAGE_NAMES
from ._models import ModelSpec, model_sha256
from ._slots import Slots
from ._transcript import Segment, Transcript, Word

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

TASKS = ("transcribe", "translate")


@dataclass(frozen=True)
class ModelInfo:
    """A model as `GET /v1/models` describes it; `model` is what an alias resolves to."""

    id: str
    model: str
    multilingual: bool
    languages: tuple[str, ...]
    translates: bool
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class Spoken:
    """What language identification found: speech or not, and its likeliest language."""

    speech: bool
    language: str | None  # ISO-639-1 code (Whisper's own for a few), None if not identified
    probability: float


# Whisper's fallback: when a decode looks like a failure, retry it this much hotter.
_TEMPERATURE_STEP = 0.2
_VAD_FROM_SECONDS = 30.0  # longer audio is decoded only where Silero VAD hears speech
# A transcription that has held its slot this long lets waiting requests go first.
_TURN_SECONDS = 5.0


class Transcriber:
    """Serves transcriptions from a fixed set of Whisper models.

    Each model is loaded on first use, once, and shared by all threads. At most
    `max_concurrent` transcriptions run at once; a request that waits longer
    than `queue_timeout` seconds for its turn raises `Overloaded`; a long one
    lets waiting requests go first every few seconds of decoding, so that it does
    not make them time out. `aliases` map extra names (say OpenAI's "whisper-1")
    onto configured models.
    """

    def __init__(
        self,
        models: Mapping[str, ModelSpec],
        *,
        aliases: Mapping[str, str] | None = None,
        max_concurrent: int = 2,
        queue_timeout: float = 30.0,
        cpu_threads: int = 0,
        batch_seconds: float = 0.0,
        batch_size: int = 8,
    ) -> None:
        if not models:
            raise ConfigError("setting 'whisper_models' names no models")
        aliases = dict(aliases or {})
        for alias, target in aliases.items():
            if alias in models or target not in models:
                raise ConfigError(
                    f"model alias {alias!r} -> {target!r} must map a new name onto one of "
                    f"the configured models: {', '.join(sorted(models))}"
                )
        if cpu_threads < 0:
            raise ValueError("cpu_threads must be >= 0")
        self._slots = Slots(max_concurrent, queue_timeout=queue_timeout, what="transcription")
        self._models = dict(models)
        self._aliases = aliases
        self._max_concurrent = max_concurrent
        self._cpu_threads = cpu_threads
        self._batch_seconds = batch_seconds
        self._batch_size = batch_size
        self._batched: dict[str, Any] = {}  # model name -> its BatchedInferencePipeline
        self._loaded: dict[str, WhisperModel] = {}
        self._load_locks = {name: threading.Lock() for name in models}

    @property
    def slots(self) -> Slots:
        """The transcription slots: how many, busy and waiting."""
        return self._slots

    def model_names(self) -> list[str]:
        """Every name a request may use: configured models and aliases, sorted."""
        return sorted([*self._models, *self._aliases])

    def describe(self, model: str) -> ModelInfo:
        """What a request naming `model` gets: its languages, size, and whether it translates."""
        spec = self.resolve(model)
        return ModelInfo(
            id=model,
            model=spec.name,
            multilingual=spec.multilingual,
            languages=tuple(LANGUAGE_NAMES) if spec.multilingual else ("en",),
            translates=spec.multilingual,
            size_bytes=(spec.path / "model.bin").stat().st_size,
            sha256=model_sha256(spec),
        )

    def multilingual_names(self) -> list[str]:
        """The names (aliases too) of the models that know more than English."""
        return [name for name in self.model_names() if self.resolve(name).multilingual]

    def resolve(self, model: str) -> ModelSpec:
        """The model a request names, directly or by alias; `InputError` if there is none."""
        spec = self._models.get(self._aliases.get(model, model))
        if spec is None:
            raise InputError(
                f"model {model!r} is not available; available: {', '.join(self.model_names())}"
            )
        return spec

    def deadline(self) -> float:
        """When a request that starts now must have a slot by (time.monotonic's clock)."""
        return self._slots.deadline()

    def identify(self, audio: Audio, *, deadline: float | None = None) -> Spoken:
        """Whether `audio` holds speech (Silero VAD) and, if so, which language.

        The language comes from the first multilingual model's language identification
        over (at most) the first 30 seconds of speech; without a multilingual model it
        is None. Raises `Overloaded` when no slot frees up within the queue timeout.
        """
        from faster_whisper.vad import collect_chunks, get_speech_timestamps

        chunks = get_speech_timestamps(audio.samples)
        if not chunks:
            return Spoken(speech=False, language=None, probability=0.0)
        spec = next((s for s in self._models.values() if s.multilingual), None)
        if spec is None:
            return Spoken(speech=True, language=None, probability=0.0)
        pieces, _ = collect_chunks(audio.samples, chunks, max_duration=30.0)
        whisper = self._model(spec)
        self._slots.acquire(deadline)
        try:
            language, probability, _ = whisper.detect_language(audio=pieces[0])
        finally:
            self._slots.release()
        return Spoken(speech=True, language=language, probability=round(float(probability), 3))

    def check_language(self, model: str, language: str | None) -> str | None:
        """The request's language as a code `model` can take, or None; `InputError` if not."""
        return _check_language(self.resolve(model), language)

    def transcribe(
        self,
        audio: Audio,
        *,
        model: str,
        language: str | None = None,
        prompt: str | None = None,
        temperature: float = 0.0,
        word_timestamps: bool = False,
        task: str = "transcribe",
    ) -> Transcript:
        """Transcribe `audio` (or, with task "translate", translate it into English).

        `language` is an ISO-639-1 code, or None to detect it. `temperature` 0
        lets Whisper raise it step by step when a decode fails, as OpenAI does.
        Raises `InputError` for a bad argument and `Overloaded` when no slot
        frees up within the queue timeout.
        """
        running = self.stream(
            audio,
            model=model,
            language=language,
            prompt=prompt,
            temperature=temperature,
            word_timestamps=word_timestamps,
            task=task,
        )
        for _ in running:
            pass
        return running.transcript()

    def stream(
        self,
        audio: Audio,
        *,
        model: str,
        language: str | None = None,
        prompt: str | None = None,
        temperature: float = 0.0,
        word_timestamps: bool = False,
        task: str = "transcribe",
        deadline: float | None = None,
    ) -> RunningTranscription:
        """`transcribe`, one segment at a time: iterate it for each segment's text as it is
        decoded, then ask for the whole `transcript()`. It holds a transcription slot
        until it is exhausted or closed; it waits for one until `deadline` at most.

        Audio longer than 30 s is decoded where Silero VAD finds speech only; audio
        longer than `batch_seconds` (if set) is cut at its pauses and decoded in
        batches of `batch_size` pieces (faster-whisper's batched pipeline).
        """
        spec = self.resolve(model)
        language = _check_language(spec, language)
        self._check_task(spec, task)
        if not 0.0 <= temperature <= 1.0:
            raise InputError("temperature must be between 0 and 1")
        temperatures = _fallback_temperatures(temperature)
        whisper = self._model(spec)
        batched = bool(self._batch_seconds) and audio.duration > self._batch_seconds
        decoder = self._pipeline(spec, whisper) if batched else whisper
        options: dict[str, Any] = {"batch_size": self._batch_size} if batched else {}
        self._slots.acquire(deadline)
        try:
            segments, info = decoder.transcribe(
                audio.samples,
                language=language,
                task=task,
                initial_prompt=prompt or None,
                temperature=temperatures,
                word_timestamps=word_timestamps,
                vad_filter=audio.duration > _VAD_FROM_SECONDS,
                **options,
            )
        except BaseException:
            self._slots.release()
            raise
        return RunningTranscription(
            segments, info.language, audio.duration, task, temperatures[0], self._slots
        )

    def _pipeline(self, spec: ModelSpec, whisper: WhisperModel) -> Any:
        pipeline = self._batched.get(spec.name)
        if pipeline is None:
            from faster_whisper import BatchedInferencePipeline

            pipeline = self._batched.setdefault(spec.name, BatchedInferencePipeline(whisper))
        return pipeline

    def _check_task(self, spec: ModelSpec, task: str) -> None:
        if task not in TASKS:
            raise InputError(f"task {task!r} is not one of {', '.join(TASKS)}")
        if task == "translate" and not spec.multilingual:
            multilingual = sorted(name for name, s in self._models.items() if s.multilingual)
            hint = (
                f"available: {', '.join(multilingual)}"
                if multilingual
                else "none is configured (see setting 'whisper_models')"
            )
            raise InputError(
                f"translation needs a multilingual model, and {spec.name!r} is English-only; {hint}"
            )

    def _model(self, spec: ModelSpec) -> WhisperModel:
        whisper = self._loaded.get(spec.name)
        if whisper is None:
            with self._load_locks[spec.name]:
                whisper = self._loaded.get(spec.name)
                if whisper is None:
                    whisper = self._load_model(spec)
                    self._loaded[spec.name] = whisper
        return whisper

    def _load_model(self, spec: ModelSpec) -> WhisperModel:
        """Load `spec` from its directory; the one place a model is made (tests replace it)."""
        from faster_whisper import WhisperModel

        try:
            return WhisperModel(
                str(spec.path),
                device="cpu",
                compute_type="int8",
                cpu_threads=self._cpu_threads,
                num_workers=self._max_concurrent,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ConfigError(
                f"model {spec.name!r} could not be loaded; check setting 'whisper_models'"
            ) from exc


def _check_language(spec: ModelSpec, language: str | None) -> str | None:
    if not language:
        return None
    code = language.strip().lower()
    if code not in LANGUAGE_NAMES:
        raise InputError(f"language {language!r} is not a supported ISO-639-1 code, such as 'en'")
    if code != "en" and not spec.multilingual:
        raise InputError(f"model {spec.name!r} is English-only; language must be 'en' or omitted")
    return code


def _fallback_temperatures(temperature: float) -> tuple[float, ...]:
    steps = math.floor((1.0 - temperature) / _TEMPERATURE_STEP + 1e-6)
    return tuple(round(temperature + i * _TEMPERATURE_STEP, 2) for i in range(steps + 1))


def _seconds(value: float) -> float:
    # faster-whisper hands out NumPy floats; a Transcript holds plain ones, to the millisecond.
    return round(float(value), 3)


class RunningTranscription:
    """A transcription under way: faster-whisper decodes as its segments are consumed.

    Iterating yields each segment's text; `transcript()` is the whole result once
    iteration has ended. The transcription slot is let go when the segments run out,
    when decoding fails, or on `close()`, whichever comes first, and only once; in
    between, after every few seconds holding it, it is passed to any waiting request.
    """

    def __init__(
        self,
        segments: Iterable[Any],
        language: str,
        duration: float,
        task: str,
        temperature: float,
        slots: Slots,
    ) -> None:
        self._segments = iter(segments)
        self._language, self._duration, self._task = language, duration, task
        self._temperature = temperature
        self._slots: Slots | None = slots  # None once the slot is let go
        self._turn_started = time.monotonic()
        self._held = 0.0  # seconds holding the slot, over all turns
        self._collected: list[Segment] = []
        self._words: list[Word] = []
        self._done = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._done:
            raise StopIteration
        try:
            segment = next(self._segments)
        except StopIteration:
            self._done = True
            self.close()
            raise
        except BaseException:
            self.close()
            raise
        self._next_turn()
        self._collected.append(
            Segment(
                id=len(self._collected),
                start=_seconds(segment.start),
                end=_seconds(segment.end),
                text=segment.text,
                tokens=tuple(segment.tokens),
                temperature=float(
                    self._temperature if segment.temperature is None else segment.temperature
                ),
                avg_logprob=float(segment.avg_logprob),
                compression_ratio=float(segment.compression_ratio),
                no_speech_prob=float(segment.no_speech_prob),
                seek=segment.seek,
            )
        )
        for word in segment.words or ():
            self._words.append(
                Word(word=word.word.strip(), start=_seconds(word.start), end=_seconds(word.end))
            )
        return str(segment.text)

    def transcript(self) -> Transcript:
        """The whole transcript; only once every segment was consumed."""
        if not self._done:
            raise RuntimeError("the transcription has not finished")
        return Transcript(
            text="".join(segment.text for segment in self._collected).strip(),
            language=self._language,
            duration=self._duration,
            segments=tuple(self._collected),
            words=tuple(self._words),
            task=self._task,
        )

    def close(self) -> None:
        """Stop decoding (if it has not ended) and let go of the slot."""
        slots, self._slots = self._slots, None
        if slots is not None:
            close = getattr(self._segments, "close", None)
            if close is not None and not self._done:
                close()
            slots.release(self._held + time.monotonic() - self._turn_started)

    def _next_turn(self) -> None:
        """After holding the slot for a turn, let whoever waits go first."""
        now = time.monotonic()
        if self._slots is None or now - self._turn_started < _TURN_SECONDS:
            return
        self._held += now - self._turn_started
        self._turn_started = now + self._slots.pass_turn()
