"""Translation with CTranslate2 models and their SentencePiece tokenizers.

A model directory is what CTranslate2's converters write (model.bin,
config.json, vocabularies) plus the SentencePiece model(s) it was trained
with: `source.spm` and `target.spm` (OPUS-MT), `sentencepiece.model` (Argos
Translate, also one level up from a `model/` directory), or
`sentencepiece.bpe.model` (NLLB). Language tokens are found in the
vocabulary: NLLB's `spa_Latn` (source token first, target token forced as the
first output) and OPUS-MT's multi-target `>>spa<<`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from glassbox.errors import ConfigError

from ._codes import ISO639_1_TO_3
from ._local import LocalTranslator

if TYPE_CHECKING:
    import ctranslate2
    import sentencepiece

SETTING = "translation_engine"
# Tokenizer files, by convention: (source, target).
_TOKENIZERS = (
    ("source.spm", "target.spm"),
    ("sentencepiece.model", "sentencepiece.model"),
    ("sentencepiece.bpe.model", "sentencepiece.bpe.model"),
)
_VOCABULARIES = ("shared_vocabulary", "source_vocabulary", "target_vocabulary")
# Long inputs go to the model in pieces of at most this many tokens (Argos's models are
# trained on sentences of up to about 150), and no piece's translation may run longer than
# twice that.
_MAX_TOKENS = 150
_MAX_OUTPUT_TOKENS = 2 * _MAX_TOKENS + 16
# Sentences end at a line break, or after . ! ? (and their CJK forms) and white space.
_BOUNDARY = re.compile(r"(\s*\n\s*|(?<=[.!?])\s+|(?<=[。！？]))")


@dataclass(frozen=True)
class ModelFiles:
    """Where a CTranslate2 model and its tokenizers are."""

    model_dir: Path
    source_spm: Path
    target_spm: Path

    @classmethod
    def find(cls, directory: Path) -> ModelFiles:
        """The model in `directory` (or its `model/`); `ConfigError` if a file is missing."""
        model_dir = directory if (directory / "model.bin").is_file() else directory / "model"
        if not (model_dir / "model.bin").is_file():
            raise ConfigError(
                f"setting {SETTING!r}: {directory} holds no CTranslate2 model (model.bin)"
            )
        for source_name, target_name in _TOKENIZERS:
            for where in dict.fromkeys((model_dir, directory)):
                if (where / source_name).is_file() and (where / target_name).is_file():
                    return cls(model_dir, where / source_name, where / target_name)
        raise ConfigError(
            f"setting {SETTING!r}: {directory} has no SentencePiece model "
            "(source.spm and target.spm, sentencepiece.model or sentencepiece.bpe.model)"
        )


@dataclass
class _Model:
    """A loaded model: the translator, its tokenizers and what its vocabulary says."""

    translator: ctranslate2.Translator
    source: sentencepiece.SentencePieceProcessor
    target: sentencepiece.SentencePieceProcessor
    vocabulary: frozenset[str]
    append_eos: bool
    tokens: dict[str, str | None] = field(default_factory=dict)

    def language_token(self, code: str, style: str) -> str | None:
        """NLLB's `spa_Latn` (style "nllb") or OPUS-MT's `>>spa<<` for `code`, if known."""
        key = f"{style}:{code}"
        if key not in self.tokens:
            names = (code, *ISO639_1_TO_3.get(code, ()))
            found: str | None = None
            for name in names:
                if style == "marian" and f">>{name}<<" in self.vocabulary:
                    found = f">>{name}<<"
                    break
                if style == "nllb":
                    if name in self.vocabulary and "_" in name:
                        found = name
                        break
                    script = re.compile(rf"{re.escape(name)}_[A-Z][a-z]{{3}}")
                    matches = sorted(t for t in self.vocabulary if script.fullmatch(t))
                    if matches:
                        found = matches[0]
                        break
            self.tokens[key] = found
        return self.tokens[key]


class CTranslate2Translator(LocalTranslator):
    """Translates with one CTranslate2 model directory per language pair.

    `pairs` maps (source, target) codes to model directories (see the module
    docstring; one multilingual NLLB directory may serve many pairs). Models
    are loaded on first use, once, and shared by all threads. Texts are split
    into sentences (and long sentences into pieces of 150 tokens) before
    translation and put back together with their original spacing.
    """

    name = "ctranslate2"

    def __init__(
        self,
        pairs: Mapping[tuple[str, str], Path],
        *,
        compute_type: str = "int8",
        cpu_threads: int = 0,
        beam_size: int = 2,
        max_concurrent: int = 2,
        queue_timeout: float = 30.0,
    ) -> None:
        super().__init__(max_concurrent=max_concurrent, queue_timeout=queue_timeout)
        if not pairs:
            raise ConfigError(f"setting {SETTING!r} names no language pairs")
        if beam_size < 1 or cpu_threads < 0:
            raise ValueError("beam_size must be >= 1 and cpu_threads >= 0")
        self._files = {pair: ModelFiles.find(Path(path)) for pair, path in pairs.items()}
        self._compute_type = compute_type
        self._cpu_threads = cpu_threads
        self._beam_size = beam_size
        self._models: dict[Path, _Model] = {}
        self._load_locks = {files.model_dir: threading.Lock() for files in self._files.values()}

    def pairs(self) -> set[tuple[str, str]]:
        return set(self._files)

    def _translate_texts(
        self, texts: list[str], source: str, target: str, *, fmt: str, alternatives: int
    ) -> list[tuple[str, tuple[str, ...]]]:
        model = self._model(self._files[(source, target)])
        nllb_source = model.language_token(source, "nllb")
        nllb_target = model.language_token(target, "nllb")
        nllb = nllb_source is not None and nllb_target is not None
        marian_target = None if nllb else model.language_token(target, "marian")

        # Every sentence of every text, cut into model-sized pieces, in one batch.
        split = [_BOUNDARY.split(text) for text in texts]
        batch: list[list[str]] = []
        owners: list[tuple[int, int]] = []  # (text, part) each batch row belongs to
        for t, parts in enumerate(split):
            for p in range(0, len(parts), 2):
                if not parts[p].strip():
                    continue
                pieces = model.source.encode(parts[p], out_type=str)
                for start in range(0, len(pieces), _MAX_TOKENS):
                    row = pieces[start : start + _MAX_TOKENS]
                    if nllb:
                        row = [nllb_source, *row]
                    elif marian_target:
                        row = [marian_target, *row]
                    if model.append_eos:
                        row.append("</s>")
                    batch.append(row)
                    owners.append((t, p))
        results = model.translator.translate_batch(
            batch,
            target_prefix=[[nllb_target] for _ in batch] if nllb else None,
            beam_size=max(self._beam_size, alternatives + 1),
            num_hypotheses=alternatives + 1,
            max_batch_size=16,
            max_input_length=0,
            max_decoding_length=_MAX_OUTPUT_TOKENS,
        )

        # renderings[t][k][p]: the k-th rendering of part p of text t.
        renderings = [[list(parts) for _ in range(alternatives + 1)] for parts in split]
        filled: set[tuple[int, int]] = set()
        for (t, p), result in zip(owners, results, strict=True):
            for k in range(alternatives + 1):
                hypothesis = result.hypotheses[min(k, len(result.hypotheses) - 1)]
                if nllb and hypothesis[:1] == [nllb_target]:
                    hypothesis = hypothesis[1:]
                text = model.target.decode(hypothesis)
                current = renderings[t][k][p]
                renderings[t][k][p] = f"{current} {text}" if (t, p) in filled else text
            filled.add((t, p))
        out = []
        for versions in renderings:
            best, *others = ("".join(parts) for parts in versions)
            out.append((best, tuple(dict.fromkeys(o for o in others if o != best))))
        return out

    def _model(self, files: ModelFiles) -> _Model:
        model = self._models.get(files.model_dir)
        if model is None:
            with self._load_locks[files.model_dir]:
                model = self._models.get(files.model_dir)
                if model is None:
                    model = self._load(files)
                    self._models[files.model_dir] = model
        return model

    def _load(self, files: ModelFiles) -> _Model:
        import ctranslate2
        import sentencepiece

        try:
            translator = ctranslate2.Translator(
                str(files.model_dir),
                device="cpu",
                compute_type=self._compute_type,
                inter_threads=self._max_concurrent,
                intra_threads=self._cpu_threads,
            )
            source = sentencepiece.SentencePieceProcessor(model_file=str(files.source_spm))
            target = (
                source
                if files.target_spm == files.source_spm
                else sentencepiece.SentencePieceProcessor(model_file=str(files.target_spm))
            )
            config = json.loads((files.model_dir / "config.json").read_text("utf-8"))
        except (RuntimeError, ValueError, OSError) as exc:
            raise ConfigError(
                f"the model in {files.model_dir} could not be loaded; check setting {SETTING!r}"
            ) from exc
        # Models converted from Hugging Face (OPUS-MT, NLLB) expect the tokenizer's </s>
        # at the end of the source; OpenNMT ones (Argos) do not, and Marian-native ones
        # say so in their config.
        hugging_face = files.source_spm.name in ("source.spm", "sentencepiece.bpe.model")
        append_eos = hugging_face and not config.get("add_source_eos", False)
        return _Model(translator, source, target, _vocabulary(files.model_dir), append_eos)


def _vocabulary(model_dir: Path) -> frozenset[str]:
    tokens: set[str] = set()
    for name in _VOCABULARIES:
        if (model_dir / f"{name}.json").is_file():
            tokens.update(json.loads((model_dir / f"{name}.json").read_text("utf-8")))
        elif (model_dir / f"{name}.txt").is_file():
            tokens.update((model_dir / f"{name}.txt").read_text("utf-8").splitlines())
    return frozenset(tokens)
