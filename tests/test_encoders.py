"""The encoder adapters: the setting picks one, and every one gives the reference vectors."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from kg.errors import KgError
from kg.settings import EmbeddingSettings, Settings
from vectors.encoder import (
    ModelEncoder,
    SentenceTransformerEncoder,
    encoder_class,
    make_encoder,
    resolve_model,
)
from vectors.openvino_encoder import OpenVINOEncoder
from vectors.torch_encoder import TorchEncoder

TEXTS = [
    "who leads CSE",
    "Which board oversees the Local Policing Model and how often does it report?",
    "ACC",
    "The Force Executive Board approved the Violence Reduction Unit's plan in 2021 " * 6,
]


@pytest.fixture(scope="module")
def reference() -> SentenceTransformerEncoder:
    """sentence-transformers' own encode: the vectors every adapter must reproduce."""
    return SentenceTransformerEncoder(EmbeddingSettings(encoder="sentence-transformers"))


def test_the_setting_selects_the_adapter() -> None:
    assert isinstance(make_encoder(EmbeddingSettings(encoder="torch")), TorchEncoder)
    st = make_encoder(EmbeddingSettings(encoder="sentence-transformers"))
    assert type(st) is SentenceTransformerEncoder
    assert isinstance(make_encoder(EmbeddingSettings(encoder="openvino")), OpenVINOEncoder)


def test_the_default_encoder_is_the_direct_torch_forward() -> None:
    assert Settings().embedding.encoder == "torch"
    assert isinstance(make_encoder(Settings().embedding), TorchEncoder)


def test_an_unknown_encoder_name_is_refused_with_the_choices() -> None:
    with pytest.raises(ValidationError, match="sentence-transformers"):
        EmbeddingSettings(encoder="onnx")  # type: ignore[arg-type]
    with pytest.raises(KgError, match="unknown encoder 'onnx': choose one of torch"):
        encoder_class("onnx")


def test_torch_query_vectors_match_sentence_transformers(
    encoder: ModelEncoder, reference: SentenceTransformerEncoder
) -> None:
    assert isinstance(encoder, TorchEncoder)
    for text in TEXTS:
        ours, theirs = encoder.encode([text])[0], reference.encode([text])[0]
        assert ours.dtype == np.float32
        assert abs(float(np.linalg.norm(ours)) - 1.0) < 1e-5
        assert float(ours @ theirs) >= 0.9999


def test_torch_padded_batches_match_sentence_transformers(
    encoder: ModelEncoder, reference: SentenceTransformerEncoder
) -> None:
    # Texts of very different lengths in one batch: padding must not leak into the vectors.
    ours = encoder.encode(TEXTS * 3, progress=False)
    theirs = reference.encode(TEXTS * 3, progress=False)
    assert ours.shape == (12, encoder.dim)
    assert float(np.min(np.sum(ours * theirs, axis=1))) >= 0.9999


def test_torch_runs_minilm_through_the_plain_bert_forward(encoder: ModelEncoder) -> None:
    # The vector tests above therefore check the plain forward against sentence-transformers.
    assert isinstance(encoder, TorchEncoder)
    encoder.encode(["who leads CSE"])
    assert encoder.model.plain


def test_torch_keeps_transformers_forward_for_a_bert_it_does_not_reproduce(
    tmp_path: Path, reference: SentenceTransformerEncoder
) -> None:
    source = Path(resolve_model(""))
    folder = tmp_path / "model"
    shutil.copytree(source, folder, symlinks=True, ignore=shutil.ignore_patterns("*.safetensors"))
    (folder / "model.safetensors").symlink_to(source / "model.safetensors")
    config = json.loads((folder / "config.json").read_text())
    config["position_embedding_type"] = "relative_key"  # not the absolute positions it rebuilds
    (folder / "config.json").write_text(json.dumps(config))
    other = TorchEncoder(EmbeddingSettings(model=str(folder), encoder="torch"))
    assert other.encode(["who leads CSE"]).shape == (1, reference.dim)
    assert not other.model.plain


def test_torch_encoder_truncates_to_the_window_as_sentence_transformers_does(
    encoder: ModelEncoder, reference: SentenceTransformerEncoder
) -> None:
    long = "chief constable " * 400  # far past the 256-token window
    assert encoder.count_tokens(long) > encoder.max_tokens
    assert float(encoder.encode([long])[0] @ reference.encode([long])[0]) >= 0.9999


def test_torch_encoder_refuses_a_folder_it_cannot_reproduce(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    source = Path(resolve_model(""))
    for name in ("config.json", "tokenizer.json", "sentence_bert_config.json"):
        (folder / name).write_bytes((source / name).read_bytes())
    torch_encoder = TorchEncoder(EmbeddingSettings(model=str(folder), encoder="torch"))
    with pytest.raises(KgError, match=r"modules\.json.*ENCODER=sentence-transformers"):
        torch_encoder.encode(["who leads CSE"])


@pytest.mark.skipif(
    importlib.util.find_spec("optimum") is not None
    and importlib.util.find_spec("optimum.intel") is not None,
    reason="optimum-intel is installed",
)
def test_openvino_without_optimum_intel_says_what_to_install() -> None:
    with pytest.raises(KgError, match=r"optimum-intel.*\[openvino\]"):
        make_encoder(EmbeddingSettings(encoder="openvino")).encode(["who leads CSE"])


@pytest.mark.skipif(
    importlib.util.find_spec("optimum") is None
    or importlib.util.find_spec("optimum.intel") is None,
    reason="optimum-intel is not installed (the openvino extra)",
)
def test_openvino_vectors_match_sentence_transformers(
    reference: SentenceTransformerEncoder,
) -> None:
    openvino = make_encoder(EmbeddingSettings(encoder="openvino"))
    for text in TEXTS:
        assert float(openvino.encode([text])[0] @ reference.encode([text])[0]) >= 0.9999
