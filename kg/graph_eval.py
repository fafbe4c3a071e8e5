"""`kg eval --graph`: precision and recall of the graph against a gold file (shared/eval rules).

Matching follows ../shared/eval/README.md. Texts are normalised (lower case, `**` and `<b>`
markup removed, whitespace collapsed). Entities match by name, alias or mention; people by
surname plus given name when both sides have one, ranks set aside. A relation matches on its
type and both endpoints, where an endpoint matches when one name contains the other (as whole
words) or at least half of the system name's words are in the gold name; the gold document
must be among the fact's sources (PARTNERS_WITH is matched in either direction). Risks and
recommendations, which the README gives no matching rule for, match when one of the system
item's quotes from the gold document shares a contiguous piece at least 60% as long as a gold
evidence quote (the retrieval rule), or the texts share half their words.

Recall is measured on every document of the gold set; precision only on `precision_docs`, the
documents the gold set covers in full (the caller names them: the README lists them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from graph.model import quote_name
from graph.store import GraphStore
from kg.errors import KgError
from kg.text import STOP_WORDS

ENTITY_KEYS = {"people": "Person", "initiatives": "Initiative", "units": "Unit"}
FINDING_KEYS = {"risks": "Risk", "recommendations": "Recommendation"}
LEAD_TYPES = ("LEADS", "HEADS", "CHAIRS")
SYMMETRIC = frozenset({"PARTNERS_WITH"})
QUOTE_SHARE = 0.6
_PAGE = 2000
_WORD = re.compile(r"[a-z0-9]+")
_RANK_WORDS = frozenset(
    """
    pc sgt ds di dci dc insp inspector sergeant constable supt superintendent c supt ch chief
    detective acc dcc cc assistant deputy commander councillor cllr professor prof dr mr mrs ms
    miss sir dame reverend rev qpm obe mbe cbe d
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


def normalise(text: str) -> str:
    """Lower case, markup removed, whitespace collapsed, curly quotes straightened."""
    text = re.sub(r"\*\*|</?b>", "", text or "").lower().replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip()


def _words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


@dataclass
class SystemEntity:
    type: str
    name: str
    aliases: list[str]
    docs: set[str]
    quotes: dict[str, list[str]] = field(default_factory=dict)  # doc -> quotes


@dataclass
class SystemRelation:
    type: str
    source: list[str]  # name first, then aliases
    target: list[str]
    doc: str


@dataclass
class SystemGraph:
    entities: list[SystemEntity]
    relations: list[SystemRelation]


def _read_all(
    store: GraphStore, query: str, params: dict[str, Any] | None = None
) -> list[list[Any]]:
    rows: list[list[Any]] = []
    skip = 0
    while True:
        page = store.read(
            f"{query} SKIP $skip LIMIT $limit",
            {**(params or {}), "skip": skip, "limit": _PAGE},
            max_rows=_PAGE,
        )
        rows.extend(page.rows)
        if len(page.rows) < _PAGE:
            return rows
        skip += _PAGE


def read_system(store: GraphStore, relation_types: Sequence[str]) -> SystemGraph:
    """The entities and relations the evaluation needs, read from a store."""
    entities: list[SystemEntity] = []
    for label in (*ENTITY_KEYS.values(), *FINDING_KEYS.values()):
        rows = _read_all(
            store,
            f"MATCH (e:{quote_name(label)})-[m:MENTIONED_IN]->() "
            "RETURN e.id AS id, e.name AS name, e.aliases AS aliases, "
            "collect(m.docId) AS docs, collect(m.quote) AS quotes ORDER BY id",
        )
        for _, name, aliases, docs, quotes in rows:
            by_doc: dict[str, list[str]] = {}
            for doc, quote in zip(docs, quotes, strict=False):
                by_doc.setdefault(doc, []).append(quote or "")
            entities.append(SystemEntity(label, name or "", list(aliases or []), set(docs), by_doc))
    rows = _read_all(
        store,
        "MATCH (a)-[r]->(b) WHERE type(r) IN $types "
        "RETURN type(r) AS t, a.name AS an, a.aliases AS aa, b.name AS bn, b.aliases AS ba, "
        "r.docId AS doc, a.id AS ai, b.id AS bi ORDER BY ai, t, bi, doc",
        {"types": list(relation_types)},
    )
    relations = [
        SystemRelation(t, [an or "", *(aa or [])], [bn or "", *(ba or [])], doc)
        for t, an, aa, bn, ba, doc, _, _ in rows
    ]
    return SystemGraph(entities, relations)


def system_from_data(data: Any) -> SystemGraph:
    """The same view of a GraphData (indexer.resolve) before it is loaded."""
    entities = []
    names: dict[str, list[str]] = {}
    for e in data.entities:
        names[e.id] = [e.name, *e.aliases]
        quotes: dict[str, list[str]] = {}
        for m in e.mentions:
            quotes.setdefault(m.evidence.doc_id, []).append(m.evidence.quote)
        entities.append(SystemEntity(e.type, e.name, list(e.aliases), set(quotes), quotes))
    relations = [
        SystemRelation(r.type, names[r.source], names[r.target], doc)
        for r in data.relations
        for doc in sorted({ev.doc_id for ev in r.evidence})
    ]
    return SystemGraph(entities, relations)


def _person_key(text: str) -> tuple[str | None, str] | None:
    words = [w for w in _words(text) if w not in _RANK_WORDS]
    if not words:
        return None
    return (words[0] if len(words) > 1 else None, words[-1])


def _person_match(system: Iterable[str], gold: Iterable[str]) -> bool:
    keys = [k for k in map(_person_key, system) if k]
    for g in filter(None, map(_person_key, gold)):
        for s in keys:
            if s[1] == g[1] and (s[0] is None or g[0] is None or s[0] == g[0]):
                return True
    return False


def _contains(a: list[str], b: list[str]) -> bool:
    n = len(b)
    return n > 0 and any(a[i : i + n] == b for i in range(len(a) - n + 1))


def endpoint_match(system: Iterable[str], gold: Iterable[str]) -> bool:
    """README rule: containment either way, or half of the system name's words shared."""
    gold_words = [_words(g) for g in gold if g]
    for s in system:
        sw = _words(s)
        if not sw:
            continue
        content = [w for w in sw if w not in STOP_WORDS] or sw
        for gw in gold_words:
            if _contains(sw, gw) or _contains(gw, sw):
                return True
            shared = sum(1 for w in set(content) if w in set(gw))
            if shared and shared * 2 >= len(set(content)):
                return True
    return False


def _entity_match(type_: str, system: SystemEntity, gold: dict[str, Any]) -> bool:
    gold_forms = [gold["name"], *gold.get("aliases", []), *gold.get("mentions", [])]
    system_forms = [system.name, *system.aliases]
    if type_ == "Person":
        return _person_match(system_forms, gold_forms)
    keys = {normalise(f).strip(" .'\"") for f in system_forms}
    return any(normalise(f).strip(" .'\"") in keys for f in gold_forms)


def _quote_match(system_quotes: Iterable[str], gold: dict[str, Any]) -> bool:
    for quote in system_quotes:
        sq = normalise(quote)
        for ev in gold.get("evidence", []):
            gq = normalise(ev["quote"])
            m = SequenceMatcher(None, gq, sq, autojunk=False).find_longest_match(
                0, len(gq), 0, len(sq)
            )
            if gq and m.size >= QUOTE_SHARE * len(gq):
                return True
    return False


def _score(found: int, gold: int, correct: int, system: int) -> dict[str, Any]:
    return {
        "gold": gold,
        "found": found,
        "recall": round(found / gold, 4) if gold else None,
        "system": system,
        "correct": correct,
        "precision": round(correct / system, 4) if system else None,
    }


def _gold_docs(item: dict[str, Any]) -> set[str]:
    docs = set(item.get("docs", []))
    if item.get("doc"):
        docs.add(item["doc"])
    return docs


def score_graph(
    system: SystemGraph, gold: dict[str, Any], precision_docs: Sequence[str]
) -> dict[str, Any]:
    """Precision and recall per entity key, relation type, risks and recommendations."""
    pdocs = set(precision_docs)
    result: dict[str, Any] = {
        "precision_docs": sorted(pdocs),
        "entities": {},
        "relations": {},
        "missed": {},
        "unmatched": {},
    }
    for key, type_ in {**ENTITY_KEYS, **FINDING_KEYS}.items():
        items = gold.get(key, [])
        ours = [e for e in system.entities if e.type == type_]

        def match(e: SystemEntity, g: dict[str, Any], docs: set[str], type_: str = type_) -> bool:
            if type_ in FINDING_KEYS.values():
                quotes = [q for d in docs for q in e.quotes.get(d, [])]
                return _quote_match(quotes, g) or (
                    endpoint_match([e.name], [g.get("title") or g.get("text", "")]) and bool(docs)
                )
            return _entity_match(type_, e, g)

        found, missed = 0, []
        for g in items:
            docs = _gold_docs(g)
            if any(e.docs & docs and match(e, g, e.docs & docs) for e in ours):
                found += 1
            else:
                missed.append(g.get("name") or g.get("title") or g.get("id"))
        in_scope = [e for e in ours if e.docs & pdocs]
        unmatched = [
            e.name
            for e in in_scope
            if not any(
                (_gold_docs(g) & e.docs & pdocs) and match(e, g, _gold_docs(g) & e.docs & pdocs)
                for g in items
            )
        ]
        correct = len(in_scope) - len(unmatched)
        section = "entities" if key in ENTITY_KEYS else key
        target = result["entities"] if section == "entities" else result
        target[key] = _score(found, len(items), correct, len(in_scope))
        result["missed"][key] = missed
        result["unmatched"][key] = sorted(unmatched)  # in scope, in no gold entry
    aliases = _gold_aliases(gold)
    relations = gold.get("relations", [])
    types = sorted({r["type"] for r in relations} | {r.type for r in system.relations})
    for group in [[t] for t in types] + [list(LEAD_TYPES)]:
        name = "+".join(group)
        gold_items = [r for r in relations if r["type"] in group]
        our_rels = [r for r in system.relations if r.type in group]
        found, missed = 0, []
        for g in gold_items:
            if any(_relation_match(r, g, aliases) for r in our_rels):
                found += 1
            else:
                missed.append(f"{g['doc'][:3]} {g['source']} -{g['type']}-> {g['target']}")
        rel_scope = [r for r in our_rels if r.doc in pdocs]
        correct = sum(
            1 for r in rel_scope if any(_relation_match(r, g, aliases) for g in gold_items)
        )
        result["relations"][name] = _score(found, len(gold_items), correct, len(rel_scope))
        if len(group) == 1:
            result["missed"][name] = missed
    return result


def _gold_aliases(gold: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key in ENTITY_KEYS:
        for item in gold.get(key, []):
            forms = [item["name"], *item.get("aliases", []), *item.get("mentions", [])]
            out.setdefault(item["name"], []).extend(forms)
    return out


def _relation_match(r: SystemRelation, g: dict[str, Any], aliases: dict[str, list[str]]) -> bool:
    if r.type != g["type"] or r.doc != g["doc"]:
        return False
    source = aliases.get(g["source"], [g["source"]])
    target = aliases.get(g["target"], [g["target"]])
    if endpoint_match(r.source, source) and endpoint_match(r.target, target):
        return True
    return (
        g["type"] in SYMMETRIC
        and endpoint_match(r.source, target)
        and endpoint_match(r.target, source)
    )


def load_gold(path: Path) -> dict[str, Any]:
    """The gold graph file."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise KgError(f"cannot read gold graph {path}: {e}") from e
    if not isinstance(data, dict):
        raise KgError(f"{path}: the gold graph must be a JSON object")
    return data


def default_precision_docs(gold: dict[str, Any]) -> list[str]:
    """The documents a gold file covers in full: its `docs_full` list, else every one it names."""
    if gold.get("docs_full"):
        return sorted(gold["docs_full"])
    docs: set[str] = set()
    for key in (*ENTITY_KEYS, *FINDING_KEYS, "relations"):
        for item in gold.get(key, []):
            docs |= _gold_docs(item)
    return sorted(docs)


def evaluate_graph(
    store: GraphStore, gold_path: Path, precision_docs: Sequence[str] | None = None
) -> dict[str, Any]:
    """Score the graph in `store` against the gold file; precision on `precision_docs`
    (default: default_precision_docs of the gold file)."""
    gold = load_gold(Path(gold_path))
    types = sorted({r["type"] for r in gold.get("relations", [])} | set(LEAD_TYPES))
    docs = precision_docs if precision_docs else default_precision_docs(gold)
    return score_graph(read_system(store, types), gold, docs)


def format_graph_report(result: dict[str, Any]) -> str:
    """A human-readable table of a result of evaluate_graph."""

    def fmt(v: Any) -> str:
        return "   -  " if v is None else f"{v:6.3f}"

    lines = [
        f"precision on: {', '.join(result.get('precision_docs', [])) or '(none)'}",
        f"{'key':<28}{'recall':>8}{'found/gold':>12}{'precision':>11}{'correct/sys':>13}",
    ]

    def row(name: str, s: dict[str, Any]) -> None:
        lines.append(
            f"{name:<28}{fmt(s['recall']):>8}{s['found']:>6}/{s['gold']:<5}"
            f"{fmt(s['precision']):>11}{s['correct']:>7}/{s['system']:<5}"
        )

    for name, s in result.get("entities", {}).items():
        row(name, s)
    for name in ("risks", "recommendations"):
        if name in result:
            row(name, result[name])
    for name, s in result.get("relations", {}).items():
        row(name, s)
    return "\n".join(lines)
