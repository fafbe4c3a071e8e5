"""The encoder alone, cold: start, import sentence-transformers, load the model, encode texts.
Usage: python bench/encode_alone.py TEXTS.json  (a JSON list of strings)"""

from __future__ import annotations

import json
import sys

from indexer.embed import SentenceTransformerEncoder
from kg.settings import Settings

if __name__ == "__main__":
    texts = json.loads(open(sys.argv[1], encoding="utf-8").read())
    SentenceTransformerEncoder(Settings().embedding).encode(texts)
