"""The `openvino` encoder: sentence-transformers on its OpenVINO backend (optimum-intel).

The model is converted to OpenVINO's form when it loads (a few seconds, nothing downloaded)
and runs on OpenVINO's CPU runtime; tokenising, pooling and normalising stay those of
sentence-transformers, so the vectors are the torch backend's. optimum-intel is not a project
dependency: it holds transformers below 5.6 and pulls PyPI's torchvision, which does not load
against the CPU torch and breaks `import transformers` until it is uninstalled (README,
Performance).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from kg.errors import KgError
from vectors.encoder import SentenceTransformerEncoder


def _optimum_intel_installed() -> bool:
    """Whether optimum-intel imports (find_spec of a submodule raises without its parent)."""
    return (
        importlib.util.find_spec("optimum") is not None
        and importlib.util.find_spec("optimum.intel") is not None
    )


class OpenVINOEncoder(SentenceTransformerEncoder):
    """A sentence-transformers model exported to and run by OpenVINO."""

    kind = "openvino"
    backend = "openvino"

    def _load(self) -> Any:
        if not _optimum_intel_installed():
            raise KgError(
                "the openvino encoder needs optimum-intel: pip install 'optimum-intel[openvino]' "
                "'transformers<5.6', then pip uninstall torchvision (see the README); "
                "or set KG_EMBEDDING__ENCODER=torch"
            )
        return super()._load()
