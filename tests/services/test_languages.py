"""Speech in other languages: identified, transcribed in that language, or not invented.

The speech is espeak-ng's, which Whisper base recognises well in French and Spanish and
poorly in German, Russian and Arabic: for those the identification is unsure, and the
rule under test is the one a user depends on: the text is in the spoken language, or it
is empty; it is never confident English made up from speech in another language.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassbox.errors import InputError
from glassbox.services import Audio, Prepared, SpeechService, decode_audio
from tests.services._speech import SENTENCES
from tests.services._wer import wer

# Word error rate bounds for espeak-ng's voices through Whisper base: its Spanish is
# understood nearly word for word; its French only in part ("Bonjour, je voudrais ... ce
# soir ..."), though every word heard is French.
WER_BOUNDS = {"es": 0.2, "fr": 0.6}


def _run(service: SpeechService, upload: bytes, **fields: str) -> tuple[Prepared, dict]:  # type: ignore[type-arg]
    prepared = service.prepare({"file": upload, "model": "whisper-1", **fields})
    result = service.run(prepared)
    return prepared, result.document


@pytest.mark.parametrize("code", ["fr", "es"])
def test_french_and_spanish_are_identified_and_transcribed_in_their_language(
    speech_service: SpeechService, voices: dict[str, bytes], code: str
) -> None:
    prepared, document = _run(speech_service, voices[code], response_format="verbose_json")
    assert prepared.language == code and prepared.details["language"] == code
    assert prepared.details["language_probability"] >= 0.7
    assert document["language"] == {"fr": "french", "es": "spanish"}[code]
    assert document["language_probability"] == prepared.details["language_probability"]
    assert wer(SENTENCES[code], document["text"]) <= WER_BOUNDS[code], document["text"]


@pytest.mark.parametrize("code", ["de", "ru", "ar"])
def test_unsure_languages_give_their_own_text_or_none_never_invented_english(
    speech_service: SpeechService, voices: dict[str, bytes], code: str
) -> None:
    prepared, document = _run(speech_service, voices[code])
    if document["text"]:
        assert prepared.language == code, (prepared.details, document["text"])
    else:
        assert prepared.params["speech"] is False  # not trusted: nothing was decoded
        assert prepared.details.get("language_probability", 0) < 0.7


def test_naming_the_language_transcribes_in_it(
    speech_service: SpeechService, voices: dict[str, bytes]
) -> None:
    prepared, document = _run(speech_service, voices["ru"], language="ru")
    assert prepared.language == "ru" and "language_probability" not in prepared.details
    cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in document["text"])
    assert cyrillic > len(document["text"]) / 2, document["text"]


def test_an_english_only_model_refuses_speech_it_cannot_understand(
    speech_service: SpeechService, voices: dict[str, bytes]
) -> None:
    with pytest.raises(InputError, match=r"in Spanish \(es.*'tiny.en' is English-only"):
        speech_service.prepare({"file": voices["es"], "model": "tiny.en"})


def test_english_still_goes_to_the_model_asked_for(
    speech_service: SpeechService, spoken_wav: bytes
) -> None:
    prepared = speech_service.prepare({"file": spoken_wav, "model": "tiny.en"})
    assert prepared.language == "en" and prepared.params["model"] == "tiny.en"


def _wav(samples: np.ndarray) -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["silence", "noise"])
def test_no_speech_gives_empty_text_not_a_hallucination(
    speech_service: SpeechService, kind: str
) -> None:
    rng = np.random.default_rng(7)
    samples = np.zeros(16_000 * 8) if kind == "silence" else rng.normal(0, 0.05, 16_000 * 8)
    prepared, document = _run(speech_service, _wav(samples), response_format="verbose_json")
    assert prepared.params["speech"] is False
    assert document["text"] == "" and document["segments"] == []
    assert document["usage"] == {"type": "duration", "seconds": 8}


def test_identification_needs_only_the_audio(speech_service: SpeechService) -> None:
    """A multilingual model is what identifies: without one, nothing is guessed."""
    from glassbox.services import Transcriber, bundled_models

    english_only = Transcriber(bundled_models())
    silent = Audio(np.zeros(16_000, dtype=np.float32), 1.0)
    assert english_only.identify(silent).speech is False
    spoken = english_only.identify(decode_audio(_wav(np.sin(np.arange(16_000 * 3) / 3) * 0.5)))
    assert spoken.language is None
