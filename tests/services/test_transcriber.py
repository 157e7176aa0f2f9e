"""The transcriber: real tiny.en on spoken English, and its limits on concurrency and arguments."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from glassbox.errors import ConfigError, InputError, Overloaded
from glassbox.services import Audio, ModelSpec, Transcriber, Transcript
from tests.services._speech import SENTENCE
from tests.services._wer import wer


def test_transcribes_spoken_english(transcript: Transcript, speech: Audio) -> None:
    assert wer(SENTENCE, transcript.text) <= 0.15, transcript.text
    assert transcript.language == "en"
    assert transcript.task == "transcribe"
    assert transcript.duration == speech.duration
    assert transcript.text == transcript.text.strip()
    assert [s.id for s in transcript.segments] == list(range(len(transcript.segments)))
    assert "".join(s.text for s in transcript.segments).strip() == transcript.text


def test_segments_are_ordered_and_inside_the_audio(transcript: Transcript) -> None:
    previous_end = 0.0
    for segment in transcript.segments:
        assert previous_end <= segment.start <= segment.end <= transcript.duration + 0.05
        assert segment.tokens and segment.temperature == 0.0
        assert -5.0 < segment.avg_logprob <= 0.0 and 0.0 <= segment.no_speech_prob <= 1.0
        previous_end = segment.end


def test_numbers_are_plain_python_numbers(transcript: Transcript) -> None:
    """NumPy scalars from the model do not leak into transcripts (and so into records)."""
    for segment in transcript.segments:
        for name in ("start", "end", "temperature", "avg_logprob", "compression_ratio"):
            assert type(getattr(segment, name)) is float, name
        assert type(segment.no_speech_prob) is float
        assert type(segment.seek) is int and all(type(t) is int for t in segment.tokens)
    for word in transcript.words:
        assert type(word.start) is float and type(word.end) is float


def test_word_timestamps_are_monotonic_and_inside_the_audio(transcript: Transcript) -> None:
    assert wer(SENTENCE, " ".join(w.word for w in transcript.words)) <= 0.15
    previous = 0.0
    for word in transcript.words:
        assert word.word == word.word.strip() and word.word
        assert previous <= word.start <= word.end <= transcript.duration
        previous = word.start


def test_words_only_when_asked(transcriber: Transcriber, speech: Audio) -> None:
    plain = transcriber.transcribe(speech, model="tiny.en", language="en", prompt="Glassbox.")
    assert plain.words == ()
    assert wer(SENTENCE, plain.text) <= 0.15, plain.text


def test_silence_transcribes_to_little_or_nothing(transcriber: Transcriber) -> None:
    silence = Audio(np.zeros(16_000 * 2, dtype=np.float32), 2.0)
    assert len(transcriber.transcribe(silence, model="tiny.en").text.split()) <= 3


def test_a_set_temperature_is_used(transcriber: Transcriber, speech: Audio) -> None:
    # Sampling makes the text vary from run to run; only where decoding starts is fixed.
    result = transcriber.transcribe(speech, model="tiny.en", temperature=0.9)
    assert all(segment.temperature in (0.9, 1.0) for segment in result.segments)


def test_model_names_include_aliases(transcriber: Transcriber) -> None:
    assert transcriber.model_names() == ["tiny.en", "whisper-1"]
    assert transcriber.resolve("whisper-1") is transcriber.resolve("tiny.en")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"model": "large-v3"}, "model 'large-v3' is not available; available: tiny.en, whisper-1"),
        ({"language": "fr"}, "English-only; language must be 'en'"),
        ({"language": "xx"}, "not a supported ISO-639-1 code"),
        ({"task": "translate"}, "translation needs a multilingual model"),
        ({"task": "summarise"}, "task 'summarise'"),
        ({"temperature": 1.5}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
    ],
)
def test_bad_arguments(
    transcriber: Transcriber, speech: Audio, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        transcriber.transcribe(speech, **{"model": "tiny.en", **options})
    assert caught.value.status == 400


def test_aliases_must_point_at_configured_models() -> None:
    spec = ModelSpec("tiny.en", Path("."), multilingual=False)
    with pytest.raises(ConfigError, match="whisper-1"):
        Transcriber({"tiny.en": spec}, aliases={"whisper-1": "large-v3"})
    with pytest.raises(ConfigError):
        Transcriber({"tiny.en": spec}, aliases={"tiny.en": "tiny.en"})
    with pytest.raises(ConfigError, match="whisper_models"):
        Transcriber({})


def test_a_model_that_does_not_load_is_a_config_error(tmp_path: Path) -> None:
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (tmp_path / name).write_text("not a model")
    broken = Transcriber({"broken.en": ModelSpec("broken.en", tmp_path, multilingual=False)})
    with pytest.raises(ConfigError, match=r"'broken\.en' could not be loaded"):
        broken.transcribe(Audio(np.zeros(1600, np.float32), 0.1), model="broken.en")


# Below, a fake model stands in at the one seam where the real one is made
# (Transcriber._load_model), so a test can hold a transcription open or count loads.


class _FakeModel:
    """Answers like faster-whisper's WhisperModel.transcribe; blocks until released."""

    def __init__(self) -> None:
        self.running = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Iterator[Any], Any]:
        self.running.set()
        assert self.release.wait(timeout=10)
        return iter(()), SimpleNamespace(language="en")


class _FakeTranscriber(Transcriber):
    def __init__(self, model: _FakeModel, *, load_seconds: float = 0.0, **options: Any) -> None:
        spec = ModelSpec("fake.en", Path("."), multilingual=False)
        super().__init__({"fake.en": spec}, **options)
        self.model, self.load_seconds, self.loads = model, load_seconds, 0

    def _load_model(self, spec: ModelSpec) -> Any:
        self.loads += 1
        time.sleep(self.load_seconds)
        return self.model


def _audio() -> Audio:
    return Audio(np.zeros(1600, np.float32), 0.1)


def test_overloaded_when_the_queue_wait_exceeds_the_timeout() -> None:
    model = _FakeModel()
    transcriber = _FakeTranscriber(model, max_concurrent=1, queue_timeout=0.05)
    model.release.clear()
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(transcriber.transcribe, _audio(), model="fake.en")
        assert model.running.wait(timeout=5)
        started = time.monotonic()
        with pytest.raises(Overloaded, match="retry") as caught:
            transcriber.transcribe(_audio(), model="fake.en")
        assert time.monotonic() - started >= 0.04  # it waited (about) the queue timeout
        model.release.set()
        assert first.result(timeout=5).text == ""
    assert caught.value.status == 503
    assert 1 <= caught.value.retry_after <= 60
    # The slot is free again once the first transcription ends.
    assert transcriber.transcribe(_audio(), model="fake.en").segments == ()


def test_waits_for_a_slot_within_the_timeout() -> None:
    model = _FakeModel()
    transcriber = _FakeTranscriber(model, max_concurrent=1, queue_timeout=5)
    model.release.clear()
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(transcriber.transcribe, _audio(), model="fake.en")
        assert model.running.wait(timeout=5)
        second = pool.submit(transcriber.transcribe, _audio(), model="fake.en")
        time.sleep(0.05)
        model.release.set()
        assert first.result(timeout=5).text == second.result(timeout=5).text == ""


def test_model_loads_once_under_concurrent_first_use() -> None:
    transcriber = _FakeTranscriber(_FakeModel(), load_seconds=0.1, max_concurrent=8)
    start = threading.Barrier(8)

    def first_use() -> Transcript:
        start.wait()
        return transcriber.transcribe(_audio(), model="fake.en")

    with ThreadPoolExecutor(8) as pool:
        results = [f.result(timeout=10) for f in [pool.submit(first_use) for _ in range(8)]]
    assert len(results) == 8
    assert transcriber.loads == 1


def test_a_stream_holds_its_slot_until_it_ends_or_is_closed() -> None:
    transcriber = _FakeTranscriber(_FakeModel(), max_concurrent=1, queue_timeout=5)
    running = transcriber.stream(_audio(), model="fake.en")  # started, not consumed
    with pytest.raises(Overloaded):  # the deadline has passed: no waiting for the slot
        transcriber.stream(_audio(), model="fake.en", deadline=time.monotonic())
    running.close()
    running.close()  # once only: the slot is not let go twice
    assert list(transcriber.stream(_audio(), model="fake.en")) == []
    with pytest.raises(RuntimeError):
        running.transcript()  # closed before the end: there is no whole transcript


def test_one_deadline_covers_identifying_and_transcribing() -> None:
    """The queue timeout counts from when the request arrived, not anew for each step."""
    transcriber = _FakeTranscriber(_FakeModel(), max_concurrent=1, queue_timeout=0.3)
    deadline = transcriber.deadline()
    assert deadline - time.monotonic() == pytest.approx(0.3, abs=0.05)
    busy = transcriber.stream(_audio(), model="fake.en")
    started = time.monotonic()
    with pytest.raises(Overloaded):
        transcriber.stream(_audio(), model="fake.en", deadline=deadline)
    assert time.monotonic() - started <= 0.35  # what was left of the 0.3 s, not another 0.3
    busy.close()


class _Segments(_FakeModel):
    """A segment a second of audio, decoded one at a time as they are consumed."""

    def __init__(self) -> None:
        super().__init__()
        self.decoded: list[float] = []  # the seconds of each audio, in the order decoded

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Iterator[Any], Any]:
        self.decoded.append(len(audio) / 16_000)
        segment = SimpleNamespace(
            start=0.0,
            end=1.0,
            text=" word",
            tokens=[1],
            temperature=0.0,
            avg_logprob=-0.1,
            compression_ratio=1.0,
            no_speech_prob=0.0,
            seek=0,
            words=None,
        )
        return iter([segment] * (len(audio) // 16_000)), SimpleNamespace(language="en")


def test_a_long_transcription_lets_a_waiting_request_go_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Between segments, past its turn, a long decode hands its slot to who waits."""
    monkeypatch.setattr("glassbox.services._whisper._TURN_SECONDS", 0.0)
    model = _Segments()
    transcriber = _FakeTranscriber(model, max_concurrent=1, queue_timeout=5)
    long = transcriber.stream(Audio(np.zeros(3 * 16_000, np.float32), 3.0), model="fake.en")
    try:
        assert next(long) == " word"
        with ThreadPoolExecutor(1) as pool:
            short = pool.submit(transcriber.transcribe, _audio(), model="fake.en")
            while not transcriber._slots._waiting:
                time.sleep(0.001)
            assert next(long) == " word"  # it passed its turn: the short one ran meanwhile
            assert model.decoded == [3.0, 0.1]
            assert short.result(timeout=5).text == ""
        assert list(long) == [" word"]
        assert long.transcript().text == "word word word"
    finally:
        long.close()
    assert transcriber.transcribe(_audio(), model="fake.en").text == ""  # the slot is back


class _Recording(_FakeModel):
    def __init__(self) -> None:
        super().__init__()
        self.options: list[dict[str, Any]] = []

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Iterator[Any], Any]:
        self.options.append(options)
        return super().transcribe(audio, **options)


@pytest.mark.parametrize(
    ("seconds", "batched", "vad"), [(10, False, False), (40, False, True), (700, True, True)]
)
def test_long_audio_is_decoded_where_there_is_speech_and_in_batches(
    monkeypatch: pytest.MonkeyPatch, seconds: float, batched: bool, vad: bool
) -> None:
    model = _Recording()
    pipeline = _Recording()
    transcriber = _FakeTranscriber(model, batch_seconds=600, batch_size=4)
    monkeypatch.setattr(transcriber, "_pipeline", lambda spec, whisper: pipeline)
    audio = Audio(np.zeros(1600, np.float32), seconds)
    transcriber.transcribe(audio, model="fake.en")
    (options,) = (pipeline if batched else model).options
    assert options["vad_filter"] is vad
    assert options.get("batch_size") == (4 if batched else None)
