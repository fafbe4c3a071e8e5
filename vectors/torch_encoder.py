"""The `torch` encoder: the sentence-transformers model run directly, without that library.

For one short query sentence-transformers' own per-call work (feature dicts, device moves,
sorting, list handling) is a visible share of the time. This adapter reproduces the same
pipeline the model folder describes in modules.json (Transformer, mean or CLS pooling,
Normalize) with the model's tokenizer.json and a plain forward under torch.inference_mode,
so its vectors are the sentence-transformers vectors (cosine >= 0.9999, checked in the tests)
and an index built by one encoder is searched by the other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import KgError
from vectors.encoder import ModelEncoder

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"


class _Loaded:
    """The model, its tokenizer set to the window, and how its token vectors are pooled."""

    def __init__(self, model: Any, tokenizer: Any, pooling: str) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.pooling = pooling


def _pooling(folder: Path) -> str:
    """ "mean" or "cls", from modules.json and the pooling config; KgError for anything else."""
    modules_file = folder / "modules.json"
    if not modules_file.is_file():
        raise KgError(
            f"the torch encoder needs a sentence-transformers model folder with modules.json; "
            f"{folder.name!r} has none (set KG_EMBEDDING__ENCODER=sentence-transformers)"
        )
    modules = json.loads(modules_file.read_text("utf-8"))
    types = [m["type"] for m in modules]
    if types[:2] != [_TRANSFORMER, _POOLING] or any(t != _NORMALIZE for t in types[2:]):
        raise KgError(
            f"the torch encoder reproduces Transformer + Pooling (+ Normalize) only; "
            f"this model has {', '.join(t.rsplit('.', 1)[-1] for t in types)} "
            "(set KG_EMBEDDING__ENCODER=sentence-transformers)"
        )
    config = json.loads((folder / modules[1]["path"] / "config.json").read_text("utf-8"))
    modes = [k for k, v in config.items() if k.startswith("pooling_mode_") and v is True]
    if modes == ["pooling_mode_mean_tokens"]:
        return "mean"
    if modes == ["pooling_mode_cls_token"]:
        return "cls"
    raise KgError(
        f"the torch encoder pools by mean or CLS only; this model uses {modes} "
        "(set KG_EMBEDDING__ENCODER=sentence-transformers)"
    )


class TorchEncoder(ModelEncoder):
    """A sentence-transformers model folder run with transformers and torch directly."""

    kind = "torch"

    def _load(self) -> _Loaded:
        import torch
        from tokenizers import Tokenizer
        from transformers import AutoModel

        folder = Path(self.name)
        pooling = _pooling(folder)
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # tokenizer.json carries its own truncation and fixed padding; the window is the
        # model's max_seq_length, and batches pad to their longest text only.
        tokenizer.enable_truncation(max_length=self.max_tokens)
        tokenizer.no_padding()
        model = AutoModel.from_pretrained(str(folder), attn_implementation="eager")
        model.eval()
        model.to(torch.device(self._settings.device))
        return _Loaded(model, tokenizer, pooling)

    def _loaded_dim(self) -> int:
        return int(self.model.model.config.hidden_size)

    def _count_with_model(self, text: str) -> int:
        return len(self.model.tokenizer.encode(text, add_special_tokens=False).ids)

    def _encode_many(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        loaded = self.model
        encodings = loaded.tokenizer.encode_batch(list(texts))
        # Longest first, as sentence-transformers does: batches of similar lengths pad little.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        size = self._settings.batch_size
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        starts = range(0, len(order), size)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="Batches", unit="batch")
        for start in starts:
            rows = order[start : start + size]
            out[rows] = self._forward(loaded, [encodings[i] for i in rows])
        return out

    def _forward(self, loaded: _Loaded, encodings: list[Any]) -> np.ndarray:
        """Normalised pooled vectors of one batch of tokenised texts."""
        import torch

        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n] = e.ids
            types[row, :n] = e.type_ids
            mask[row, :n] = 1
        device = torch.device(self._settings.device)
        with torch.inference_mode():
            attention = torch.from_numpy(mask).to(device)
            tokens = loaded.model(
                input_ids=torch.from_numpy(ids).to(device),
                attention_mask=attention,
                token_type_ids=torch.from_numpy(types).to(device),
            ).last_hidden_state
            if loaded.pooling == "cls":
                pooled = tokens[:, 0]
            else:
                weights = attention.unsqueeze(-1).to(tokens.dtype)
                pooled = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            vectors = torch.nn.functional.normalize(pooled, p=2, dim=1)
            return vectors.float().cpu().numpy()
