"""/ask on papers in other layouts and from other forces: the who-leads questions that the
blind test papers' gold graphs imply, asked with the paper's force named.

For every gold LEADS, HEADS or CHAIRS fact whose holder is a listed person, the question is
"Who chairs|heads|leads <target> in <force>?" (the force of the fact's document), and the
answer is right when the person's surname is in the answer's own claim and /ask answered.
The papers are tests/papers, tests/papers2 and tests/papers3 (written blind to the rules,
nineteen forces and bodies); they are indexed into a temporary directory.

Run: .venv/bin/python bench/bench_papers_ask.py [--sets tests/papers tests/papers2 ...]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import save

ROOT = Path(__file__).resolve().parents[1]
_VERB = {"LEADS": "leads", "HEADS": "heads", "CHAIRS": "chairs"}


def main() -> None:
    """Measure and save bench/results/papers_ask.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--sets", nargs="+", type=Path, default=[ROOT / f"tests/papers{n}" for n in ("", "2", "3")]
    )
    args = parser.parse_args()

    from api.deps import Services
    from indexer.pipeline import Indexer
    from kg.evaluation import answer_claim
    from kg.settings import Settings

    root = Path(tempfile.mkdtemp(prefix="kg-papers-ask-"))
    corpus = root / "corpus"
    corpus.mkdir()
    questions: list[tuple[str, str, str, str]] = []  # (target, person, relation, doc)
    for folder in args.sets:
        gold = json.loads((folder / "gold_graph.json").read_text("utf-8"))
        for path in folder.iterdir():
            if path.name != "gold_graph.json":
                shutil.copy(path, corpus / path.name)
        people = {p["name"] for p in gold["people"]}
        for r in gold["relations"]:
            if r["type"] in _VERB and r["source"] in people:
                questions.append((r["target"], r["source"], r["type"], r["doc"]))
    try:
        settings = Settings(data_dir=root / "data", corpus_dir=corpus)
        Indexer(settings).run()
        services = Services(settings)
        forces = {d.id: d.force for d in services.search.index.documents.values()}
        right = answered = 0
        by_relation: Counter[str] = Counter()
        totals: Counter[str] = Counter()
        misses = []
        seen = set()
        for target, person, relation, doc in questions:
            force = forces.get(doc)
            question = f"Who {_VERB[relation]} {target}" + (f" in {force}?" if force else "?")
            if question in seen:
                continue
            seen.add(question)
            answer = services.ask.ask(question)
            surname = person.split()[-1]
            ok = answer.answered and surname.lower() in answer_claim(answer.answer).lower()
            right += ok
            answered += answer.answered
            totals[relation] += 1
            by_relation[relation] += ok
            if not ok:
                got = answer.answer[:160]
                misses.append({"question": question, "expected": person, "got": got})
        services.close()
        n = len(seen)
        result = {
            "questions": n,
            "accuracy_in_claim_when_answered": round(right / max(n, 1), 3),
            "answered": round(answered / max(n, 1), 3),
            "by_relation": {k: round(by_relation[k] / totals[k], 3) for k in sorted(totals)},
            "counts": dict(sorted(totals.items())),
            "misses": misses,
        }
        save("papers_ask", result)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
