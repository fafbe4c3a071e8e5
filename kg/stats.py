"""Counts of index runs kept beside the index, so that a server can report runs it did not make."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

STATS_NAME = "stats.json"


@dataclass(frozen=True)
class IndexStats:
    """Runs of `kg index` over one index folder, and the documents they could not read."""

    runs: int = 0
    documents_failed: int = 0


def read_index_stats(index_dir: Path) -> IndexStats:
    """The counts in index_dir (zero when none were kept yet or the file is unreadable)."""
    try:
        data = json.loads((index_dir / STATS_NAME).read_text(encoding="utf-8"))
        return IndexStats(int(data.get("runs", 0)), int(data.get("documentsFailed", 0)))
    except (OSError, ValueError, AttributeError):
        return IndexStats()


def record_index_run(index_dir: Path, documents_failed: int) -> IndexStats:
    """Add one run (under the index lock) and write the counts atomically."""
    old = read_index_stats(index_dir)
    new = IndexStats(old.runs + 1, old.documents_failed + documents_failed)
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".{STATS_NAME}.tmp"
    tmp.write_text(
        json.dumps({"runs": new.runs, "documentsFailed": new.documents_failed}), encoding="utf-8"
    )
    os.replace(tmp, index_dir / STATS_NAME)
    return new
