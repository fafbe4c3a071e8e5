"""The encoder alone, cold: start, import sentence-transformers, load the model, encode texts.
Usage: python bench/encode_alone.py TEXTS.json  (a JSON list of strings)"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kg.settings import Settings
from vectors.encoder import make_encoder

if __name__ == "__main__":
    texts = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    make_encoder(Settings().embedding).encode(texts)
