#!/usr/bin/env python3
"""Validate tests/papers/gold_graph.json against the held-out test papers.

Checks (standard library only):
- the gold file has the six graph keys of dev_graph.json plus "docs_full";
- every document named anywhere exists next to this script, is 3,000-9,000
  characters and has a <file>.meta.yaml sidecar with title, date and force;
- every evidence quote is 30-200 characters and, after each run of
  whitespace is collapsed to one space in quote and document, occurs in its
  document exactly once;
- every relation has a known type, non-empty endpoints, a doc that is one of
  the papers, and evidence from that doc.

Usage: python3 check_gold.py [path/to/gold_graph.json]
Exit status 0 when everything passes; problems are printed one a line.
"""

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = ["people", "initiatives", "units", "relations", "risks", "recommendations"]
REL_TYPES = {
    "LEADS",
    "HEADS",
    "CHAIRS",
    "MEMBER_OF",
    "HOLDS_POST",
    "PART_OF",
    "DEPENDS_ON",
    "PARTNERS_WITH",
    "ADDRESSES",
    "SUCCEEDS",
    "MERGES_INTO",
}


def collapse(text):
    return re.sub(r"\s+", " ", text).strip()


def count_occurrences(haystack, needle):
    n, start = 0, 0
    while True:
        i = haystack.find(needle, start)
        if i < 0:
            return n
        n += 1
        start = i + 1


def main(path):
    problems = []
    with open(path, encoding="utf-8") as fh:
        gold = json.load(fh)

    for key in [*KEYS, "docs_full"]:
        if key not in gold:
            problems.append(f"missing key {key!r}")
    papers = sorted(f for f in os.listdir(HERE) if f.endswith(".txt"))
    docs_full = gold.get("docs_full", [])
    for d in docs_full:
        if d not in papers:
            problems.append(f"docs_full names {d!r}, which is not a paper here")
    for d in papers:
        if d not in docs_full:
            problems.append(f"paper {d!r} is not listed in docs_full")

    texts = {}
    for d in papers:
        with open(os.path.join(HERE, d), encoding="utf-8") as fh:
            raw = fh.read()
        if not 3000 <= len(raw) <= 9000:
            problems.append(f"{d}: length {len(raw)} outside 3000-9000")
        texts[d] = collapse(raw)
        meta = os.path.join(HERE, d + ".meta.yaml")
        if not os.path.exists(meta):
            problems.append(f"{d}: no .meta.yaml sidecar")
        else:
            with open(meta, encoding="utf-8") as fh:
                m = fh.read()
            for field in ("title", "date", "force"):
                if not re.search(rf"^{field}:\s*\S", m, re.M):
                    problems.append(f"{d}: meta lacks {field}")
            if not re.search(r"^date:\s*\d{4}-\d{2}-\d{2}\s*$", m, re.M):
                problems.append(f"{d}: meta date is not YYYY-MM-DD")

    def check_evidence(where, evidence, doc=None):
        if not evidence:
            problems.append(f"{where}: no evidence")
        for ev in evidence:
            d, q = ev.get("doc"), ev.get("quote", "")
            if d not in texts:
                problems.append(f"{where}: evidence doc {d!r} is not a paper")
                continue
            if doc is not None and d != doc:
                problems.append(f"{where}: evidence from {d}, fact is in {doc}")
            cq = collapse(q)
            if not 30 <= len(cq) <= 200:
                problems.append(f"{where}: quote length {len(cq)}: {q!r}")
            n = count_occurrences(texts[d], cq)
            if n != 1:
                problems.append(f"{where}: quote found {n} times in {d}: {q!r}")

    for key in ("people", "initiatives", "units"):
        seen = set()
        for item in gold.get(key, []):
            name = item.get("name", "")
            where = f"{key}[{name}]"
            if not name:
                problems.append(f"{where}: empty name")
            if name.lower() in seen:
                problems.append(f"{where}: duplicate name")
            seen.add(name.lower())
            for d in item.get("docs", []):
                if d not in texts:
                    problems.append(f"{where}: doc {d!r} is not a paper")
            check_evidence(where, item.get("evidence", []))
            ev_docs = {e.get("doc") for e in item.get("evidence", [])}
            if set(item.get("docs", [])) != ev_docs:
                problems.append(
                    "{}: docs {} differ from evidence docs {}".format(
                        where, item.get("docs"), sorted(ev_docs)
                    )
                )

    seen_rel = set()
    for r in gold.get("relations", []):
        where = "relation[{} {} {}]".format(r.get("source"), r.get("type"), r.get("target"))
        if r.get("type") not in REL_TYPES:
            problems.append(f"{where}: unknown type")
        if not r.get("source") or not r.get("target"):
            problems.append(f"{where}: empty endpoint")
        if r.get("doc") not in texts:
            problems.append("{}: doc {!r} is not a paper".format(where, r.get("doc")))
        sig = (
            r.get("source", "").lower(),
            r.get("type"),
            r.get("target", "").lower(),
            r.get("doc"),
        )
        if sig in seen_rel:
            problems.append(f"{where}: duplicate relation")
        seen_rel.add(sig)
        check_evidence(where, r.get("evidence", []), r.get("doc"))

    for r in gold.get("risks", []):
        where = "risk[{}]".format(r.get("title"))
        if not r.get("title") or r.get("doc") not in texts:
            problems.append(f"{where}: missing title or unknown doc")
        check_evidence(where, r.get("evidence", []), r.get("doc"))

    ids = set()
    for r in gold.get("recommendations", []):
        where = "recommendation[{}]".format(r.get("id"))
        if r.get("id") in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(r.get("id"))
        if not r.get("text") or r.get("doc") not in texts or "owner" not in r:
            problems.append(f"{where}: missing text/owner or unknown doc")
        check_evidence(where, r.get("evidence", []), r.get("doc"))

    for p in problems:
        print(p)
    counts = ", ".join(f"{k}={len(gold.get(k, []))}" for k in KEYS)
    print(f"{os.path.basename(path)}: {len(papers)} papers, {counts}; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "gold_graph.json")))
