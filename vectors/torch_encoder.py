"""The `torch` encoder: the sentence-transformers model run directly, without that library.

For one short query sentence-transformers' own per-call work (feature dicts, device moves,
sorting, list handling) is a visible share of the time. This adapter reproduces the same
pipeline the model folder describes in modules.json (Transformer, mean or CLS pooling,
Normalize) with the model's tokenizer.json and a plain forward under torch.inference_mode,
so its vectors are the sentence-transformers vectors (cosine >= 0.9999, checked in the tests)
and an index built by one encoder is searched by the other.

A BERT model (all-MiniLM-L6-v2 is one) runs through `_BertForward`: the same arithmetic as
transformers' BertModel written as a dozen tensor operations per layer, with the query, key
and value projections fused into one matrix and PyTorch's fused attention. transformers'
per-layer wrappers (output capture, config defaults, chunking, checkpointing hooks) cost about
a quarter of a short query's forward pass on this CPU. Any other architecture, or a BERT
variant this does not reproduce, runs through transformers as before; the choice is checked
against transformers' own output once at load.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import KgError
from vectors.encoder import ModelEncoder

log = logging.getLogger(__name__)

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"


class _BertForward:
    """A BertModel's last hidden state from its weights, in plain tensor operations.

    Embeddings (word + absolute position + token type, LayerNorm), then per layer: one fused
    QKV projection, scaled dot-product attention under the padding mask, output projection with
    residual and LayerNorm, GELU feed-forward with residual and LayerNorm (post-norm BERT).
    """

    def __init__(self, model: Any) -> None:
        import torch

        config = model.config
        weights = {k: v.detach() for k, v in model.state_dict().items()}
        self.heads = int(config.num_attention_heads)
        self.width = int(config.hidden_size)
        self.eps = float(config.layer_norm_eps)
        self.embeddings = tuple(
            weights[f"embeddings.{name}"]
            for name in (
                "word_embeddings.weight",
                "position_embeddings.weight",
                "token_type_embeddings.weight",
                "LayerNorm.weight",
                "LayerNorm.bias",
            )
        )
        self.layers: list[tuple[Any, ...]] = []
        for i in range(int(config.num_hidden_layers)):
            w = {k.removeprefix(f"encoder.layer.{i}."): v for k, v in weights.items()}
            qkv = ("attention.self.query", "attention.self.key", "attention.self.value")
            # Matrices are stored transposed and contiguous, (in, out): addmm on that layout
            # ran 1.8x faster than F.linear's (out, in) for a dozen token rows on this CPU.
            self.layers.append(
                (
                    torch.cat([w[f"{n}.weight"] for n in qkv]).t().contiguous(),
                    torch.cat([w[f"{n}.bias"] for n in qkv]).contiguous(),
                    *(
                        w[name].t().contiguous() if name.endswith("dense.weight") else w[name]
                        for name in (
                            "attention.output.dense.weight",
                            "attention.output.dense.bias",
                            "attention.output.LayerNorm.weight",
                            "attention.output.LayerNorm.bias",
                            "intermediate.dense.weight",
                            "intermediate.dense.bias",
                            "output.dense.weight",
                            "output.dense.bias",
                            "output.LayerNorm.weight",
                            "output.LayerNorm.bias",
                        )
                    ),
                )
            )

    @staticmethod
    def supports(model: Any) -> bool:
        """Whether `model` is the BERT this reproduces: absolute positions, exact GELU,
        no decoder or cross-attention, eval mode (no dropout)."""
        config = model.config
        return (
            getattr(config, "model_type", None) == "bert"
            and getattr(config, "position_embedding_type", "absolute") == "absolute"
            and getattr(config, "hidden_act", None) == "gelu"
            and not getattr(config, "is_decoder", False)
            and not getattr(config, "add_cross_attention", False)
            and not model.training
        )

    def __call__(self, ids: Any, types: Any, mask: Any) -> Any:
        """Token vectors (batch, tokens, width) of int64 ids, type ids and a 0/1 mask."""
        import torch
        from torch.nn import functional as F

        batch, n = ids.shape
        width, heads = self.width, self.heads
        words, positions, token_types, norm_w, norm_b = self.embeddings
        x = words[ids] + positions[:n] + token_types[types]
        # Rows are tokens from here on: one (batch * tokens, width) matrix per step.
        x = F.layer_norm(x, (width,), norm_w, norm_b, self.eps).view(batch * n, width)
        # A full batch (one query, or texts of one length) needs no mask at all.
        attend = None if bool(mask.all()) else mask.bool()[:, None, None, :]
        for qkv_w, qkv_b, o_w, o_b, n1_w, n1_b, i_w, i_b, f_w, f_b, n2_w, n2_b in self.layers:
            qkv = torch.addmm(qkv_b, x, qkv_w).view(batch, n, 3, heads, width // heads)
            q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (batch, heads, tokens, head)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=attend)
            a = a.transpose(1, 2).reshape(batch * n, width)
            x = F.layer_norm(torch.addmm(o_b, a, o_w) + x, (width,), n1_w, n1_b, self.eps)
            h = F.gelu(torch.addmm(i_b, x, i_w))
            x = F.layer_norm(torch.addmm(f_b, h, f_w) + x, (width,), n2_w, n2_b, self.eps)
        return x.view(batch, n, width)


class _Loaded:
    """The model, its tokenizer set to the window, and how its token vectors are pooled.
    `forward` maps (ids, type ids, mask) tensors to token vectors."""

    def __init__(self, model: Any, tokenizer: Any, pooling: str) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.pooling = pooling
        self.forward: Any = self._transformers
        self.plain = False

    def _transformers(self, ids: Any, types: Any, mask: Any) -> Any:
        out = self.model(input_ids=ids, attention_mask=mask, token_type_ids=types)
        return out.last_hidden_state


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
        loaded = _Loaded(model, tokenizer, pooling)
        if _BertForward.supports(model):
            plain = _BertForward(model)
            if self._agrees(loaded, plain):
                loaded.forward, loaded.plain = plain, True
            else:
                log.warning("the plain BERT forward differs from transformers'; using theirs")
        return loaded

    def _agrees(self, loaded: _Loaded, plain: _BertForward) -> bool:
        """Whether `plain` gives transformers' vectors on a padded probe batch."""
        probe = ["who leads the review", "a longer probe sentence, so the batch is padded"]
        ours = self._forward(loaded, loaded.tokenizer.encode_batch(probe), plain)
        theirs = self._forward(loaded, loaded.tokenizer.encode_batch(probe))
        return bool(np.min(np.sum(ours * theirs, axis=1)) >= 0.99999)

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

    def _forward(self, loaded: _Loaded, encodings: list[Any], forward: Any = None) -> np.ndarray:
        """Normalised pooled vectors of one batch of tokenised texts (by `forward`, or the
        loaded model's)."""
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
            tokens = (forward or loaded.forward)(
                torch.from_numpy(ids).to(device), torch.from_numpy(types).to(device), attention
            )
            if loaded.pooling == "cls":
                pooled = tokens[:, 0]
            else:
                weights = attention.unsqueeze(-1).to(tokens.dtype)
                pooled = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            vectors = torch.nn.functional.normalize(pooled, p=2, dim=1)
            return vectors.float().cpu().numpy()
