"""Translation benchmark: characters per second through each engine on this machine.

Every engine gets the same English texts, called directly (no HTTP, no
governance): Apertium when it and its English-Spanish pair are installed, the
engines named with --engine (translation_engine setting syntax, e.g.
"ct2:en-es=/models/opus-mt-en-es" or "argos:/models/en_es.argosmodel"), and a
tiny random-weight CTranslate2 model built on the spot, which measures the
engine's own overhead (its output is gibberish). With --url and --key the same
texts also go through a node's LibreTranslate-compatible /translate route
(`governed`, the hook the integrator completes). Run: `python bench/translate.py`.
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

from glassbox.services.text import ApertiumTranslator, Translator, build_translator
from tests.text._tiny_model import build_model

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


# ---- HOOK for the integrator: the governed half ---------------------------------------------
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


# ---- end of hook ----------------------------------------------------------------------------


def engines(settings: Sequence[str], cache_dir: Path) -> list[tuple[str, Translator]]:
    """(label, engine) for every engine available here."""
    found: list[tuple[str, Translator]] = []
    if shutil.which("apertium"):
        modes = subprocess.run(["apertium", "-l"], capture_output=True, text=True).stdout.split()
        if "eng-spa" in modes:
            found.append(("apertium eng-spa", ApertiumTranslator()))
    for setting in settings:
        engine = build_translator(setting, cache_dir=cache_dir)
        if engine is not None:
            found.append((setting.split(":", 1)[0] + " " + setting.split(":", 1)[-1][:40], engine))
    tiny = build_model(cache_dir / "tiny-random")
    found.append(
        (
            "ctranslate2 tiny random (overhead)",
            build_translator(f"ct2:en-es={tiny}", cache_dir=cache_dir),
        )
    )  # type: ignore[arg-type]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--engine", action="append", default=[], help="a translation_engine value")
    parser.add_argument("--rounds", type=int, default=3, help="runs per engine (median)")
    parser.add_argument("--repeat", type=int, default=4, help="copies of the sample texts")
    parser.add_argument("--url", help="a running node, for the governed path")
    parser.add_argument("--key", help="an API key of that node")
    args = parser.parse_args()

    texts = TEXTS * args.repeat
    chars = sum(len(t) for t in texts)
    print(f"{len(texts)} texts, {chars} characters, median of {args.rounds} rounds")
    print(f"{'engine':<48}{'chars/s':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, engine in engines(args.engine, Path(tmp)):
            print(f"{label:<48}{direct(engine, texts, rounds=args.rounds):>12,.0f}")
    if args.url and args.key:
        print(
            f"{'governed /translate at ' + args.url:<48}"
            f"{governed(args.url, args.key, texts, rounds=args.rounds):>12,.0f}"
        )


if __name__ == "__main__":
    main()
