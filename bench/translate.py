"""Text services benchmark: characters per second through each engine, governed and direct.

Every engine gets the same English texts, called directly (no HTTP, no
governance): Apertium when it and its English-Spanish pair are installed, the
engines named with --engine (translation_engine setting syntax, e.g.
"ct2:en-es=/models/opus-mt-en-es" or "argos:/models/en_es.argosmodel"), and a
tiny random-weight CTranslate2 model built on the spot, which measures the
engine's own overhead (its output is gibberish). The same texts also go through a
live node's LibreTranslate-compatible /translate route (authentication, policy,
durable log entry, receipt), and the ratio governed / direct is printed per engine
(floor 0.9). Also, in the same run: French into English through the pivot
(Apertium fr-es then es-en, when apertium-fr-es is installed) governed against the
two pairs called directly one after the other, and redaction with the default NER
models (English), governed `/v1/redact` against the redactor called directly.
Run: `python bench/translate.py`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from glassbox.clients import ClientRegistry
from glassbox.core import Glassbox, init_data_dir, load_pseudonym_key
from glassbox.entries import OPERATOR
from glassbox.services.text import Redactor, Router, Translator, build_translator
from glassbox.settings import load_settings
from tests.live import Server
from tests.services.text._tiny_model import build_model

TEXTS = [
    "Please send the quarterly report to the finance team before Friday.",
    "We need two more chairs and a projector for the training room.",
    "The new library opens on Monday and stays open until nine every evening.",
    "Remember to water the plants while I am away on holiday next week.",
    "The train to the airport leaves every twenty minutes from platform three.",
    "Our team will present the results of the survey at the annual meeting.",
    "If it rains tomorrow, the football match will be moved to Sunday afternoon.",
    "She has lived in this small town by the sea for more than thirty years.",
]


FRENCH = [
    "Merci d'envoyer le rapport trimestriel à l'équipe financière avant vendredi.",
    "Nous avons besoin de deux chaises et d'un projecteur pour la salle de formation.",
    "La nouvelle bibliothèque ouvre lundi et reste ouverte jusqu'à neuf heures le soir.",
    "Le train pour l'aéroport part toutes les vingt minutes du quai numéro trois.",
]
PEOPLE = [
    "John Smith met Angela Merkel at the offices of Siemens in Munich on Tuesday.",
    "Please call Sarah O'Connor at Goldman Sachs on +1 212 555 0199 before Friday.",
    "Dr. Maria Garcia flew from London to New York with British Airways last week.",
    "Write to tom.baker@example.org about the flat in Glasgow that Tom rents.",
]


def _pair(engine: Translator) -> tuple[str, str]:
    """English to Spanish when the engine has it, else its first pair."""
    pairs = [(lang.code, target) for lang in engine.languages() for target in lang.targets]
    return ("en", "es") if ("en", "es") in pairs else pairs[0]


def direct(engine: Translator, texts: Sequence[str], *, rounds: int = 3) -> float:
    """Characters per second through `engine` called in-process (median of `rounds`)."""
    source, target = _pair(engine)
    engine.translate(texts[:1], source, target)  # warm-up: loads the model
    chars = sum(len(t) for t in texts)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        engine.translate(texts, source, target)
        times.append(time.perf_counter() - start)
    return chars / statistics.median(times)


def governed(
    url: str,
    key: str,
    texts: Sequence[str],
    *,
    source: str = "en",
    target: str = "es",
    rounds: int = 3,
) -> float:
    """Characters per second through a node's `/translate` route (median of `rounds`).

    Posts LibreTranslate's JSON (q, source, target, format, api_key) and expects
    {"translatedText": [...]}. The caller starts the node and creates the key
    (see bench/transcribe.py for how).
    """
    body = {"q": list(texts), "source": source, "target": target, "format": "text", "api_key": key}
    chars = sum(len(t) for t in texts)
    times = []
    with httpx.Client(timeout=600) as client:
        client.post(f"{url}/translate", json={**body, "q": list(texts[:1])}).raise_for_status()
        for _ in range(rounds):
            start = time.perf_counter()
            response = client.post(f"{url}/translate", json=body)
            response.raise_for_status()
            assert len(response.json()["translatedText"]) == len(texts)
            times.append(time.perf_counter() - start)
    return chars / statistics.median(times)


def pivot_direct(router: Router, texts: Sequence[str], *, rounds: int = 3) -> float:
    """Characters per second through fr-es then es-en, each engine called directly."""
    first, second = router.route("fr", "en") or ()
    first.engine.translate(texts[:1], "fr", "es")
    chars = sum(len(t) for t in texts)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        spanish = [r.text for r in first.engine.translate(texts, first.source, first.target)]
        second.engine.translate(spanish, second.source, second.target)
        times.append(time.perf_counter() - start)
    return chars / statistics.median(times)


def redaction(url: str, key: str, texts: Sequence[str], *, rounds: int) -> tuple[float, float]:
    """Characters per second redacting `texts` one request each: (direct, governed)."""
    redactor = Redactor(spacy_models=load_settings({}, environ={}).redaction_models)
    redactor.redact(texts[0])  # warm-up: loads the model
    chars = sum(len(t) for t in texts)
    direct_times, governed_times = [], []
    with httpx.Client(timeout=600) as client:
        client.post(f"{url}/v1/redact", json={"text": texts[0]}, headers=_bearer(key))
        for _ in range(rounds):
            start = time.perf_counter()
            for text in texts:
                redactor.redact(text)
            direct_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            for text in texts:
                resp = client.post(f"{url}/v1/redact", json={"text": text}, headers=_bearer(key))
                resp.raise_for_status()
            governed_times.append(time.perf_counter() - start)
    return chars / statistics.median(direct_times), chars / statistics.median(governed_times)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Glassbox-Purpose": "translation"}


def engines(settings: Sequence[str], cache_dir: Path) -> list[tuple[str, str]]:
    """(label, translation_engine setting) for every engine available here."""
    found: list[tuple[str, str]] = []
    if shutil.which("apertium"):
        modes = subprocess.run(["apertium", "-l"], capture_output=True, text=True).stdout.split()
        if "eng-spa" in modes:
            found.append(("apertium eng-spa", "apertium"))
    for setting in settings:
        found.append((setting.split(":", 1)[0] + " " + setting.split(":", 1)[-1][:40], setting))
    tiny = build_model(cache_dir / "tiny-random")
    found.append(("ctranslate2 tiny random (overhead)", f"ct2:en-es={tiny}"))
    return found


def node(setting: str, root: Path) -> tuple[Server, str]:
    """A running node whose translation engine is `setting`, and a client key for it."""
    data = root / "data"
    init_data_dir(load_settings({"data_dir": data}, environ={}))
    settings = load_settings({"data_dir": data}, environ={})
    n = Glassbox.open(settings)
    reg = ClientRegistry(n.log, load_pseudonym_key(settings))
    reg.add(
        "bench", category="commercial", purposes=["translation"], daily_audio_hours=1, by=OPERATOR
    )
    key = reg.create_key("bench", by=OPERATOR)[1]
    n.close()
    return Server(data, extra_env={"GLASSBOX_TRANSLATION_ENGINE": setting}).start(), key


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--engine", action="append", default=[], help="a translation_engine value")
    parser.add_argument("--rounds", type=int, default=5, help="runs per engine (median)")
    parser.add_argument("--repeat", type=int, default=4, help="copies of the sample texts")
    args = parser.parse_args()

    texts = TEXTS * args.repeat
    chars = sum(len(t) for t in texts)
    print(f"{len(texts)} texts, {chars} characters, median of {args.rounds} rounds")
    print(f"{'engine':<40}{'direct c/s':>12}{'governed c/s':>14}{'ratio':>8}  floor 0.9")

    def row(label: str, direct_cps: float, governed_cps: float, floor: bool = True) -> None:
        ratio = governed_cps / direct_cps
        verdict = ("PASS" if ratio >= 0.9 else "BELOW") if floor else "(no floor)"
        print(f"{label:<40}{direct_cps:>12,.0f}{governed_cps:>14,.0f}{ratio:>8.2f}  {verdict}")

    with tempfile.TemporaryDirectory() as tmp:
        for n, (label, setting) in enumerate(engines(args.engine, Path(tmp))):
            router = build_translator(setting, cache_dir=Path(tmp) / "cache")
            assert router is not None
            [engine] = router.engines
            server, key = node(setting, Path(tmp) / f"node{n}")
            try:
                source, target = _pair(engine)
                gov = governed(
                    server.url, key, texts, source=source, target=target, rounds=args.rounds
                )
                row(label, direct(engine, texts, rounds=args.rounds), gov)
            finally:
                server.stop()
        router = build_translator("auto", cache_dir=Path(tmp) / "cache")
        server, key = node("auto", Path(tmp) / "auto")
        try:
            if router is not None and router.route("fr", "en") not in (None, ()):
                french = FRENCH * args.repeat
                gov = governed(
                    server.url, key, french, source="fr", target="en", rounds=args.rounds
                )
                row("pivot fr-es-en vs both pairs in turn", pivot_direct(router, french), gov)
            letters = [" ".join(PEOPLE * 4)] * args.repeat  # a letter of about 1,200 characters
            direct_cps, gov = redaction(server.url, key, letters, rounds=args.rounds)
            row("redaction with NER (en), a letter each", direct_cps, gov, floor=False)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
