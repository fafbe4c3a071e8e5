"""Validate gold_graph.json against the held-out papers in this folder.

Standard library only. Run: python3 check_gold.py
Checks: the six graph keys plus docs_full; docs_full equals the set of papers
in this folder; every evidence quote is 30-200 characters and occurs exactly
once in its document's text after whitespace collapse (for .html files the
visible text, with each quote inside a single text node); every relation,
risk and recommendation names one of the papers as its doc.
"""

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEYS = ["people", "units", "initiatives", "relations", "risks", "recommendations"]
PAPER_SUFFIXES = (".txt", ".md", ".html")
HIDDEN_TAGS = {"script", "style", "head", "title"}


def collapse(text):
    return re.sub(r"\s+", " ", text)


class VisibleText(HTMLParser):
    """Collects visible text nodes; each tag boundary ends a node."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_TAGS:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.nodes.append(data)


def load_doc(path):
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        parser = VisibleText()
        parser.feed(raw)
        parser.close()
        nodes = [collapse(n).strip() for n in parser.nodes]
        nodes = [n for n in nodes if n]
        return " ".join(nodes), nodes
    return collapse(raw), None


def main():
    errors = []
    gold = json.loads((HERE / "gold_graph.json").read_text(encoding="utf-8"))
    for key in [*KEYS, "docs_full"]:
        if key not in gold:
            errors.append(f"missing key: {key}")
    extra = set(gold) - set(KEYS) - {"docs_full"}
    if extra:
        errors.append(f"unexpected keys: {sorted(extra)}")

    papers = sorted(
        p.name for p in HERE.iterdir() if p.is_file() and p.name.endswith(PAPER_SUFFIXES)
    )
    if sorted(gold.get("docs_full", [])) != papers:
        errors.append(f"docs_full {sorted(gold.get('docs_full', []))} != papers {papers}")
    for name in papers:
        if not (HERE / f"{name}.meta.yaml").exists():
            errors.append(f"missing sidecar {name}.meta.yaml")
        else:
            meta = (HERE / f"{name}.meta.yaml").read_text(encoding="utf-8")
            for field in ("title:", "force:"):
                if not re.search(rf"^{field}", meta, re.M):
                    errors.append(f"{name}.meta.yaml lacks {field}")
            if not re.search(r"^date: \d{4}-\d{2}-\d{2}\s*$", meta, re.M):
                errors.append(f"{name}.meta.yaml lacks date: YYYY-MM-DD")

    docs = {name: load_doc(HERE / name) for name in papers}

    def check_evidence(where, evidence):
        if not evidence:
            errors.append(f"{where}: no evidence")
        for item in evidence:
            doc, quote = item.get("doc"), collapse(item.get("quote", ""))
            if doc not in docs:
                errors.append(f"{where}: unknown doc {doc!r}")
                continue
            if not 30 <= len(quote) <= 200:
                errors.append(f"{where}: quote length {len(quote)}: {quote!r}")
            text, nodes = docs[doc]
            count = text.count(quote)
            if count != 1:
                errors.append(f"{where}: quote found {count} times in {doc}: {quote!r}")
            if nodes is not None and not any(quote in n for n in nodes):
                errors.append(f"{where}: quote crosses an HTML tag in {doc}: {quote!r}")

    required = {
        "people": ["name", "ranks", "mentions", "docs", "evidence"],
        "units": ["name", "aliases", "docs", "evidence"],
        "initiatives": ["name", "aliases", "docs", "evidence"],
        "relations": ["source", "type", "target", "doc", "evidence"],
        "risks": ["title", "about", "doc", "evidence"],
        "recommendations": ["id", "text", "owner", "doc", "evidence"],
    }
    types = {
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
    for key in KEYS:
        for i, item in enumerate(gold.get(key, [])):
            label = item.get("name") or item.get("source") or item.get("title") or item.get("id")
            where = f"{key}[{i}] {label}"
            for field in required[key]:
                if field not in item:
                    errors.append(f"{where}: missing field {field}")
            for doc in item.get("docs", []):
                if doc not in docs:
                    errors.append(f"{where}: unknown doc {doc!r}")
            if "doc" in item and item["doc"] not in docs:
                errors.append(f"{where}: doc {item['doc']!r} is not one of the papers")
            if key == "relations" and item.get("type") not in types:
                errors.append(f"{where}: bad type {item.get('type')!r}")
            check_evidence(where, item.get("evidence", []))

    for error in errors:
        print(f"ERROR {error}")
    counts = {key: len(gold.get(key, [])) for key in KEYS}
    print(f"{len(papers)} papers, {counts}, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
