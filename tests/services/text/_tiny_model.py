"""A tiny translation model with random weights, built on the spot in CTranslate2's format.

It translates nothing meaningfully, but it is a real model directory with a
real SentencePiece tokenizer, so the engines' whole loading and decoding path
runs on it. Also used by bench/translate.py when no real model is installed.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

CORPUS = [
    "The cat sits on the mat.",
    "A dog runs in the park every morning.",
    "Hello world, how are you today?",
    "We read books in the quiet library.",
    "Please send the report before Friday.",
    "The train leaves from platform three.",
    "El gato duerme en la alfombra.",
    "Un perro corre en el parque cada mañana.",
    "Hola mundo, ¿cómo estás hoy?",
    "Leemos libros en la biblioteca tranquila.",
    "Por favor envía el informe antes del viernes.",
    "El tren sale del andén tres.",
]
D_MODEL, FFN = 16, 32


def train_sentencepiece(
    path: Path, *, vocab_size: int = 100, symbols: Sequence[str] = ()
) -> list[str]:
    """Train a SentencePiece model on CORPUS into `path`; return its pieces in id order."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS * 4),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        user_defined_symbols=list(symbols),
        num_threads=1,
        minloglevel=2,
    )
    path.write_bytes(model.getvalue())
    processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def build_model(
    directory: Path, *, layout: str = "argos", seed: int = 0, symbols: Sequence[str] = ()
) -> Path:
    """Write a 1-layer random Transformer and its tokenizer into `directory`.

    layout "argos": `sentencepiece.model` beside model.bin; "opus-mt":
    `source.spm` and `target.spm`; "nllb": `sentencepiece.bpe.model`.
    """
    from ctranslate2.specs import model_spec, transformer_spec

    directory.mkdir(parents=True, exist_ok=True)
    spm_name = {
        "argos": "sentencepiece.model",
        "opus-mt": "source.spm",
        "nllb": "sentencepiece.bpe.model",
    }[layout]
    vocabulary = train_sentencepiece(directory / spm_name, symbols=symbols)
    if layout == "opus-mt":
        shutil.copy(directory / "source.spm", directory / "target.spm")
    size = len(vocabulary)
    rng = np.random.default_rng(seed)
    spec = transformer_spec.TransformerSpec.from_config(num_layers=1, num_heads=2)

    def shape(name: str) -> tuple[int, ...]:
        scope = name.split("/")
        leaf, parent, block = scope[-1], scope[-2], scope[-3]
        if leaf in ("gamma", "beta"):
            return (D_MODEL,)
        if parent.startswith("embeddings") or parent == "projection":
            return (size, D_MODEL)
        index = int(parent.removeprefix("linear_"))
        if block == "ffn":
            return (FFN, D_MODEL) if index == 0 else (D_MODEL, FFN)
        if block == "self_attention":  # fused query/key/value, then output
            return (3 * D_MODEL, D_MODEL) if index == 0 else (D_MODEL, D_MODEL)
        # Encoder-decoder attention: query, fused key/value, output.
        return (2 * D_MODEL, D_MODEL) if index == 1 else (D_MODEL, D_MODEL)

    def fill(layer: object, name: str, value: object) -> None:
        if value is not None:
            return
        leaf = name.split("/")[-1]
        if leaf == "gamma":
            weights = np.ones(shape(name), np.float32)
        elif leaf == "beta":
            weights = np.zeros(shape(name), np.float32)
        else:
            weights = (rng.standard_normal(shape(name)) * 0.5).astype(np.float32)
        setattr(layer, leaf, weights)

    model_spec.visit_spec(spec, fill)
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.save(str(directory))
    return directory


def build_argos_package(
    model_dir: Path, out: Path, *, from_code: str = "en", to_code: str = "es"
) -> Path:
    """Zip `model_dir` (layout "argos") as an Argos Translate package at `out`."""
    root = f"translate-{from_code}_{to_code}-1_0"
    metadata = {
        "package_version": "1.0",
        "argos_version": "1.0",
        "from_code": from_code,
        "from_name": from_code,
        "to_code": to_code,
        "to_name": to_code,
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{root}/metadata.json", json.dumps(metadata))
        archive.write(model_dir / "sentencepiece.model", f"{root}/sentencepiece.model")
        for file in sorted(model_dir.iterdir()):
            if file.name != "sentencepiece.model":
                archive.write(file, f"{root}/model/{file.name}")
    return out
