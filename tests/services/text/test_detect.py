"""Language identification with lingua: accurate on ordinary sentences, honest on nonsense."""

from __future__ import annotations

import statistics
import threading

import pytest

from glassbox.errors import InputError
from glassbox.services.text import DetectedLanguage, LanguageDetector

SAMPLE = {
    "en": [
        "The weather was lovely, so we walked along the river after lunch.",
        "Could you send me the minutes of yesterday's meeting, please?",
        "My grandmother grows tomatoes and beans in her small garden.",
    ],
    "de": [
        "Wir treffen uns morgen früh am Bahnhof und fahren gemeinsam in die Stadt.",
        "Das Buch, das du mir empfohlen hast, hat mir sehr gut gefallen.",
        "Im Winter ist es hier oft kalt und es schneit fast jede Woche.",
    ],
    "fr": [
        "Nous avons mangé une excellente soupe dans un petit restaurant du quartier.",
        "Est-ce que tu peux m'aider à porter ces cartons jusqu'à la voiture ?",
        "Les enfants jouent dans le jardin pendant que leurs parents discutent.",
    ],
    "es": [
        "Mañana vamos a visitar a mis abuelos que viven cerca de la playa.",
        "¿Sabes a qué hora abre la farmacia los domingos?",
        "El concierto de anoche fue increíble y la gente bailó hasta muy tarde.",
    ],
    "it": [
        "Questa sera cuciniamo la pasta con il pomodoro fresco e il basilico.",
        "Il treno per Milano è partito con venti minuti di ritardo.",
        "Mi piacerebbe imparare a suonare la chitarra quest'estate.",
    ],
    "pt": [
        "Ontem à noite fomos ao cinema e depois jantámos num restaurante novo.",
        "Você sabe onde fica a estação de comboios mais próxima?",
        "A minha irmã trabalha num hospital e gosta muito do que faz.",
    ],
    "nl": [
        "We gaan dit weekend fietsen langs de rivier als het niet regent.",
        "Kun je me vertellen hoe laat de winkel vandaag dichtgaat?",
        "Mijn buurman heeft een nieuwe hond gekocht die de hele nacht blaft.",
    ],
    "sv": [
        "Vi ska åka till landet i sommar och bo i en röd stuga vid sjön.",
        "Kan du hjälpa mig att flytta soffan till vardagsrummet?",
        "Barnen lekte ute i snön hela eftermiddagen.",
    ],
    "pl": [
        "W sobotę pojedziemy w góry, jeśli pogoda będzie dobra.",
        "Czy możesz mi powiedzieć, gdzie jest najbliższa apteka?",
        "Moja siostra uczy się grać na skrzypcach od trzech lat.",
    ],
    "ru": [
        "Завтра мы поедем на дачу и будем собирать яблоки.",
        "Скажите, пожалуйста, как пройти к центральной библиотеке?",
        "Мой брат каждое утро бегает в парке перед работой.",
    ],
}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    """All 75 languages, high accuracy: what a node uses by default."""
    return LanguageDetector()


def _accuracy(detector: LanguageDetector) -> float:
    guesses = [
        (code, detector.detect(sentence, top=1)[0].language)
        for code, sentences in SAMPLE.items()
        for sentence in sentences
    ]
    return sum(code == guess for code, guess in guesses) / len(guesses)


def test_at_least_90_percent_right_on_ten_languages(detector: LanguageDetector) -> None:
    assert len(SAMPLE) >= 8 and all(len(s) == 3 for s in SAMPLE.values())
    assert _accuracy(detector) >= 0.9


def test_low_accuracy_mode_is_still_right_on_whole_sentences() -> None:
    assert _accuracy(LanguageDetector(low_accuracy=True)) >= 0.9


def test_results_are_ranked_with_confidence_out_of_100(detector: LanguageDetector) -> None:
    found = detector.detect(SAMPLE["de"][0], top=3)
    assert 1 <= len(found) <= 3
    assert found[0].language == "de"
    assert all(0 < d.confidence <= 100 for d in found)
    assert [d.confidence for d in found] == sorted((d.confidence for d in found), reverse=True)


def test_confidence_says_how_sure_the_choice_is(detector: LanguageDetector) -> None:
    """Whole sentences in their language are called with confidence (LibreTranslate gives
    such texts 80-100; a close neighbour, Portuguese for Spanish, may bring one down to
    about 70); a word that could be anything is close to a coin toss."""
    right = []
    for code, sentences in SAMPLE.items():
        for sentence in sentences:
            [best, *_] = detector.detect(sentence, top=3)
            if best.language == code:
                assert best.confidence >= 60, (sentence, best)
                right.append(best.confidence)
    assert statistics.median(right) >= 90
    [best, second, *_] = detector.detect("ok", top=3)
    assert best.confidence < 60 and best.confidence + second.confidence == pytest.approx(100)


def test_a_restricted_detector_only_names_its_languages() -> None:
    detector = LanguageDetector(["en", "es"])
    found = detector.detect("Das ist ein schönes Haus.", top=3)
    assert {d.language for d in found} <= {"en", "es"}
    assert detector.detect("El perro duerme.", top=1)[0].language == "es"


def test_text_without_language_gives_no_guess(detector: LanguageDetector) -> None:
    assert detector.detect("12345 67890 !!!") == []


def test_blank_text_and_bad_arguments_are_input_errors(detector: LanguageDetector) -> None:
    with pytest.raises(InputError):
        detector.detect("   ")
    with pytest.raises(InputError):
        detector.detect("Hello", top=0)
    with pytest.raises(InputError, match="'xx'"):
        LanguageDetector(["en", "xx"])
    with pytest.raises(InputError, match="two languages"):
        LanguageDetector(["en"])


def test_built_once_when_threads_race() -> None:
    detector = LanguageDetector(["en", "fr"], low_accuracy=True)
    builds = []
    build = detector._build

    def counting_build(preload: bool) -> object:
        builds.append(preload)
        return build(preload)

    detector._build = counting_build  # type: ignore[method-assign, assignment]
    results: list[list[DetectedLanguage]] = []
    threads = [
        threading.Thread(target=lambda: results.append(detector.detect("Bonjour à tous")))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and all(r[0].language == "fr" for r in results)
    assert builds == [False]
