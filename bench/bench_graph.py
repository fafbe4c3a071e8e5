"""Graph-step benchmark: extraction and resolution of a corpus against the encoder on the same
chunks, in one run, and the graph's precision and recall against gold files.

Run: .venv/bin/python bench/bench_graph.py [--corpus DIR] [--gold FILE]... [--no-embed]

The graph step is timed from loading the spaCy pipeline to resolved entities (what
`kg index` spends on the graph, less the store writes), with torch already imported as it is
in an index run; the encoder embeds exactly the texts the index embeds, model load included.
Scores use kg.graph_eval on the graph before it is loaded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, save

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Measure and save bench/results/graph.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", default=None)
    parser.add_argument("--gold", type=Path, action="append", default=None)
    parser.add_argument("--no-embed", action="store_true", help="skip the encoder timing")
    parser.add_argument("--missed", action="store_true", help="print what each key missed")
    parser.add_argument(
        "--precision-docs",
        nargs="*",
        default=None,
        help="documents covered in full (default: the gold file's docs_full, else all)",
    )
    args = parser.parse_args()
    corpora = args.corpus or [ROOT / "corpus"]
    golds = args.gold or [ROOT.parent / "shared" / "eval" / "dev_graph.json"]

    from indexer import load
    from indexer.chunk import Chunker
    from indexer.clean import clean
    from indexer.glossary import find_definitions, infer_definitions, merge_definitions
    from indexer.resolve import build_graph
    from indexer.segment import segment
    from kg.graph_eval import (
        default_precision_docs,
        format_graph_report,
        load_gold,
        score_graph,
        system_from_data,
    )
    from kg.settings import Settings
    from vectors.encoder import make_encoder

    settings = Settings()
    encoder = make_encoder(settings.embedding)
    chunker = Chunker(
        encoder.count_tokens,
        settings.chunk.size_tokens,
        settings.chunk.overlap_tokens,
        encoder.max_text_tokens,
    )
    items, texts, definitions = [], [], []
    for path, doc_id in load.discover([c.resolve() for c in corpora]):
        document = load.load_document(path, doc_id)
        view = clean(document.text)
        structure = segment(view.text)
        chunks = chunker.split(document, view, structure)
        items.append((document, view, structure, chunks))
        texts += [chunker.embedding_text(document, c) for c in chunks]
        defined = find_definitions(document.id, view.text)
        definitions += defined + infer_definitions(
            document.id, view.text, {d.acronym for d in defined}
        )
    acronyms = merge_definitions(definitions)

    # An index run has torch loaded (by the encoder) before its graph step; so does this.
    import torch  # noqa: F401

    started = time.perf_counter()
    data = build_graph(items, acronyms, settings=settings.extract)
    graph_s = time.perf_counter() - started
    result: dict[str, object] = {
        "machine": machine(),
        "documents": len(items),
        "chunks": len(texts),
        "entities": len(data.entities),
        "relations": len(data.relations),
        "graph_s": round(graph_s, 3),
    }
    if not args.no_embed:
        started = time.perf_counter()
        _ = encoder.model  # the model load counts, as it does in a cold index run
        encoder.encode(texts)
        embed_s = time.perf_counter() - started
        result["embed_s"] = round(embed_s, 3)
        result["graph_share_of_embed"] = round(graph_s / embed_s, 3)
    system = system_from_data(data)
    scores = {}
    for gold_path in golds:
        gold = load_gold(gold_path)
        scores[str(gold_path.name)] = score = score_graph(
            system, gold, args.precision_docs or default_precision_docs(gold)
        )
        print(f"== {gold_path}", file=sys.stderr)
        print(format_graph_report(score), file=sys.stderr)
        if args.missed:
            for key, missed in score["missed"].items():
                if missed:
                    print(f"  missed {key}: {missed}", file=sys.stderr)
    result["scores"] = {
        name: {
            "LEADS+HEADS+CHAIRS": s["relations"].get("LEADS+HEADS+CHAIRS"),
            **s["entities"],
        }
        for name, s in scores.items()
    }
    save("graph", result)


if __name__ == "__main__":
    main()
