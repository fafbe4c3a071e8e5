"""Index benchmark: cold index of corpus/ (per stage), the encoder alone on the same chunks,
a no-change re-index, and peak memory. Run: .venv/bin/python bench/bench_index.py"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import run_timed, save

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Measure and save bench/results/index.json."""
    data = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    env = {
        **os.environ,
        "KG_DATA_DIR": str(data),
        "KG_CORPUS_DIR": str(ROOT / "corpus"),
        "HF_HUB_OFFLINE": "1",
    }
    kg = [sys.executable, "-m", "cli.main", "index", "--json", "--no-progress"]
    try:
        cold_wall, cold_peak, out = run_timed(kg, env)
        report = json.loads(out)
        again_wall, again_peak, out2 = run_timed(kg, env)
        assert not json.loads(out2)["added"], "second run should change nothing"

        # The encoder alone, on exactly the texts the index embedded, model already loaded.
        from indexer.chunk import Chunker
        from kg.settings import Settings
        from vectors.encoder import make_encoder
        from vectors.generations import Snapshot

        settings = Settings(data_dir=data)
        snapshot = Snapshot.open_current(settings.index_dir)
        encoder = make_encoder(settings.embedding)
        chunker = Chunker(
            encoder.count_tokens,
            settings.chunk.size_tokens,
            settings.chunk.overlap_tokens,
            encoder.max_text_tokens,
        )
        documents = {s.document.id: s.document for s in snapshot.documents()}
        texts = [
            chunker.embedding_text(documents[s.chunk.doc_id], s.chunk) for s in snapshot.chunks()
        ]
        encoder.encode(["warm up"])
        start = time.perf_counter()
        encoder.encode(texts)
        encoder_warm = time.perf_counter() - start
        texts_file = data / "texts.json"
        texts_file.write_text(json.dumps(texts))
        encoder_cold, _, _ = run_timed(
            [sys.executable, str(Path(__file__).with_name("encode_alone.py")), str(texts_file)], env
        )
    finally:
        shutil.rmtree(data, ignore_errors=True)

    stages = {k: round(v, 3) for k, v in report["timings"].items()}
    save(
        "index",
        {
            "documents": len(report["added"]),
            "chunks": report["chunks"],
            "cold_wall_s": round(cold_wall, 2),
            "cold_stages_s": stages,
            "cold_peak_rss_mib": cold_peak,
            # The encoder alone in a cold process (start, import, load, encode), as `kg index` is:
            "encoder_alone_cold_s": round(encoder_cold, 2),
            "encoder_share_of_cold_wall": round(encoder_cold / cold_wall, 3),
            # ... and warm (model loaded): the pure encoding time.
            "encoder_alone_warm_s": round(encoder_warm, 2),
            "warm_encoder_share_of_cold_wall": round(encoder_warm / cold_wall, 3),
            "embed_stage_share_of_pipeline": round(stages["embed"] / stages["total"], 3),
            "chunks_per_s_warm": round(report["chunks"] / encoder_warm, 1),
            "nochange_wall_s": round(again_wall, 2),
            "nochange_peak_rss_mib": again_peak,
        },
    )


if __name__ == "__main__":
    main()
