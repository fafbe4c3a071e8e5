"""Check a paper set's gold_graph.json against its papers (tests/papers*/).

Standard library only. Run: python3 tests/gold_check.py tests/papers3
Exits 0 when every check passes, 1 otherwise (each problem is printed). tests/test_papers.py
runs the same checks on every set.
"""

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

PAPER_EXTS = {".txt", ".md", ".html", ".htm"}
KEYS = ["people", "initiatives", "units", "relations", "risks", "recommendations"]
RELATION_TYPES = {
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
META_FIELDS = ("title", "date", "force")


class VisibleText(HTMLParser):
    """Collects the text between tags, leaving out script and style contents."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def collapse(text):
    return re.sub(r"\s+", " ", text)


def visible_text(path):
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".html", ".htm"):
        parser = VisibleText()
        parser.feed(raw)
        parser.close()
        raw = "".join(parser.parts)
    return collapse(raw)


def papers_present(folder):
    return sorted(
        p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PAPER_EXTS
    )


def check_meta(folder, name, problems):
    meta = folder / f"{name}.meta.yaml"
    if not meta.exists():
        problems.append(f"{name}: missing sidecar {meta.name}")
        return
    fields = {}
    for line in meta.read_text(encoding="utf-8").splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    for field in META_FIELDS:
        if not fields.get(field):
            problems.append(f"{meta.name}: missing '{field}:'")
    if fields.get("date") and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields["date"]):
        problems.append(f"{meta.name}: date is not YYYY-MM-DD: {fields['date']!r}")


def check_evidence(where, evidence, texts, problems):
    if not isinstance(evidence, list) or not evidence:
        problems.append(f"{where}: evidence must be a non-empty list")
        return 0
    count = 0
    for item in evidence:
        doc, quote = item.get("doc"), item.get("quote", "")
        if doc not in texts:
            problems.append(f"{where}: evidence doc {doc!r} is not a paper")
            continue
        norm = collapse(quote)
        if not 30 <= len(norm) <= 200:
            problems.append(f"{where}: quote length {len(norm)} outside 30-200: {norm[:60]!r}")
        hits = texts[doc].count(norm)
        if hits != 1:
            problems.append(f"{where}: quote found {hits} times in {doc}: {norm[:80]!r}")
        count += 1
    return count


def problems_of(folder):
    """Every problem found in the gold file of `folder`, and the number of quotes checked."""
    folder = Path(folder)
    problems = []
    gold = json.loads((folder / "gold_graph.json").read_text(encoding="utf-8"))
    expected = set(KEYS) | {"docs_full"}
    if set(gold) != expected:
        problems.append(f"keys {sorted(gold)} != {sorted(expected)}")

    present = papers_present(folder)
    docs_full = gold.get("docs_full", [])
    if sorted(docs_full) != present:
        problems.append(f"docs_full {sorted(docs_full)} != papers present {present}")
    for name in present:
        check_meta(folder, name, problems)
    texts = {name: visible_text(folder / name) for name in present}

    quotes = 0
    for key in ("people", "initiatives", "units"):
        for i, ent in enumerate(gold.get(key, [])):
            where = f"{key}[{i}] {ent.get('name')!r}"
            for doc in ent.get("docs", []):
                if doc not in texts:
                    problems.append(f"{where}: doc {doc!r} is not a paper")
            quotes += check_evidence(where, ent.get("evidence"), texts, problems)

    for i, rel in enumerate(gold.get("relations", [])):
        where = f"relations[{i}] {rel.get('source')!r} {rel.get('type')} {rel.get('target')!r}"
        if rel.get("type") not in RELATION_TYPES:
            problems.append(f"{where}: unknown type")
        if rel.get("doc") not in texts:
            problems.append(f"{where}: doc {rel.get('doc')!r} is not a paper")
        if not rel.get("source") or not rel.get("target"):
            problems.append(f"{where}: empty endpoint")
        quotes += check_evidence(where, rel.get("evidence"), texts, problems)

    for key in ("risks", "recommendations"):
        for i, item in enumerate(gold.get(key, [])):
            where = f"{key}[{i}]"
            if item.get("doc") not in texts:
                problems.append(f"{where}: doc {item.get('doc')!r} is not a paper")
            quotes += check_evidence(where, item.get("evidence"), texts, problems)

    ids = [r.get("id") for r in gold.get("recommendations", [])]
    if len(ids) != len(set(ids)):
        problems.append("recommendation ids are not unique")

    return problems, quotes


def main(argv):
    problems, quotes = problems_of(argv[1] if len(argv) > 1 else ".")
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"{quotes} quotes checked; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
