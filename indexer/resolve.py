"""Resolution: one entity per real-world thing across documents, with stable ids.

Persons join on surname: "ACC Jo Bloggs", "Jo Bloggs" and "ACC Bloggs" are one person; a
surname written alone joins the one full name with that surname, and stays apart when two
people share it. Ranks never split a person ("C/Supt" and "Chief Superintendent" are one rank).
Units, initiatives, organisations and themes join on their core name (case, plurals, hyphens
and type words such as "programme" set aside) and on the acronyms read with them (from the
glossary definitions); a naming prefix that tells things apart ("Project Kestrel" vs
"Kestrel") is a disambiguator kept in the id. Ids are `<type>:<slug>[~<disambiguator>]`,
with a short hash when a name is long, so the same input always gives the same ids.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graph.model import (
    OBJECTIVE,
    PERSON,
    POST,
    RECOMMENDATION,
    RISK,
    DocInfo,
    Entity,
    Evidence,
    Extraction,
    GraphData,
    Mention,
    Relation,
)
from indexer.clean import CleanText
from indexer.extract.document import DocumentExtractor
from indexer.extract.parse import Parser
from indexer.holders import give_to_holders
from indexer.segment import Structure
from indexer.slips import SLIP_MIN, one_slip, slip_pairs
from kg.settings import ExtractSettings
from kg.types import Chunk, Document
from kg.vocab import Vocabulary

_TYPE_WORDS = frozenset(
    """
    programme programmes program project projects strategy campaign pilot pilots initiative
    scheme methodology survey website exercise plan
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_UNIT_WORDS = frozenset(
    [
        "department",
        "dept",
        "departments",
    ]
)
_ID_WORDS = 8
ROLE_RELATIONS = frozenset({"LEADS", "HEADS", "CHAIRS"})


def slug(text: str) -> str:
    """Lower-case words joined by hyphens."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower().replace("&", " and ")))


def make_id(type_: str, name: str, disambiguator: str | None = None) -> str:
    """A stable id from a type, a canonical name and an optional disambiguator."""
    words = slug(name).split("-")
    base = "-".join(words[:_ID_WORDS])
    if len(words) > _ID_WORDS:
        base += "-" + hashlib.sha1(slug(name).encode()).hexdigest()[:8]
    label = type_.lower()
    return f"{label}:{base}~{slug(disambiguator)}" if disambiguator else f"{label}:{base}"


def core_name(type_: str, name: str) -> str:
    """The part of a name that identifies the thing (case, plurals, type words set aside)."""
    text = name.lower().replace("’", "'").replace("&", "and").replace("-", " ")
    text = re.sub(r"['\"“”‘]", "", text)
    words = re.findall(r"[a-z0-9]+", text)
    if words and words[0] == "the":
        words = words[1:]
    if type_ == "Initiative":
        while len(words) > 1 and words[-1] in _TYPE_WORDS:
            words.pop()
    if type_ == "Unit":
        while len(words) > 1 and words[-1] in _UNIT_WORDS:
            words.pop()
    last = words[-1] if words else ""
    if len(last) > 4 and last.endswith("ies"):
        words[-1] = last[:-3] + "y"
    elif len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        words[-1] = last[:-1]
    return " ".join(words)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, x: Any) -> Any:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb, key=str)] = min(ra, rb, key=str)


def _mention_key(m: Mention) -> tuple[str, int, int, str, str]:
    return (m.evidence.doc_id, m.evidence.start, m.evidence.end, m.type, m.name)


class Resolver:
    """Turns the extractions of a set of documents into entities and relations.

    People and posts resolve within their force: where one name is found in documents of
    two forces, each force's entity gets the force as its disambiguator. A role fact whose
    holder is a post named with a definite article ("the DCC chairs ...") is also given to
    the person the same document names in that post, or failing that the nearest document
    of the same force within `holder_window_days`; with nobody named it stays on the post.
    """

    def __init__(
        self,
        acronyms: Mapping[str, Sequence[str]] | None = None,
        docs: Mapping[str, DocInfo] | None = None,
        holder_window_days: int = 366,
        max_edits: int = 1,
    ) -> None:
        self.acronyms = {k: list(v) for k, v in (acronyms or {}).items()}
        self.docs = dict(docs or {})
        self.window = holder_window_days
        self.max_edits = max_edits

    def _force(self, m: Mention) -> str | None:
        info = self.docs.get(m.evidence.doc_id)
        return info.force if info else None

    def resolve(self, extractions: Iterable[Extraction]) -> tuple[list[Entity], list[Relation]]:
        """Entities (sorted by id) and relations (sorted) of all the extractions."""
        extractions = list(extractions)
        mentions: dict[tuple[str, int, int, str, str], Mention] = {}
        for ex in extractions:
            for m in ex.mentions:
                mentions.setdefault(_mention_key(m), m)
            for f in ex.facts:
                mentions.setdefault(_mention_key(f.subject), f.subject)
                mentions.setdefault(_mention_key(f.object), f.object)
        assigned: dict[tuple[str, int, int, str, str], str] = {}
        entities: dict[str, Entity] = {}
        groups: dict[str, list[Mention]] = defaultdict(list)
        for m in mentions.values():
            if core_name(m.type, m.name):  # "The" alone names nothing
                groups[m.type].append(m)
        for type_, items in sorted(groups.items()):
            if type_ == PERSON:
                clusters = self._people(items)
            elif type_ in (POST, OBJECTIVE, RISK, RECOMMENDATION):
                clusters = self._by_key(type_, items)
            else:
                clusters = self._named(type_, items)
            for entity_id, members in clusters.items():
                entity = entities.setdefault(entity_id, Entity(entity_id, type_, ""))
                entity.mentions.extend(members)
                for m in members:
                    assigned[_mention_key(m)] = entity_id
        for entity in entities.values():
            _describe(entity)
        relations: dict[tuple[str, str, str], Relation] = {}
        referring: list[tuple[str, str, str, Evidence]] = []  # role facts held by "the <post>"
        for ex in extractions:
            for f in ex.facts:
                src = assigned.get(_mention_key(f.subject))
                dst = assigned.get(_mention_key(f.object))
                if src is None or dst is None or src == dst:
                    continue
                rel = relations.setdefault((src, f.relation, dst), Relation(src, f.relation, dst))
                if f.evidence not in rel.evidence:
                    rel.evidence.append(f.evidence)
                if (
                    f.subject.type == POST
                    and f.relation in ROLE_RELATIONS
                    and f.subject.attr("definite")
                ):
                    referring.append((src, f.relation, dst, f.evidence))
        give_to_holders(entities, relations, referring, self.docs, self.window)
        _sequels(entities, relations)
        return sorted(entities.values(), key=lambda e: e.id), [
            relations[k] for k in sorted(relations)
        ]

    def _people(self, items: list[Mention]) -> dict[str, list[Mention]]:
        slips = self._surname_slips(items)

        def surname_of(m: Mention) -> str:
            raw = m.attr("surname") or m.name.split()[-1]
            return slips.get((self._force(m), raw), raw)

        givens: dict[tuple[str | None, str], set[str]] = defaultdict(set)
        for m in items:
            if m.attr("given"):
                givens[(self._force(m), surname_of(m).lower())].add((m.attr("given") or "").lower())
        named: list[tuple[str, Mention]] = []
        for m in items:
            surname = surname_of(m)
            given = m.attr("given")
            known = givens[(self._force(m), surname.lower())]
            if given is None and len(known) == 1:
                given = next(iter(known))
            named.append((f"{given} {surname}" if given else surname, m))
        return self._within_forces(PERSON, named)

    def _surname_slips(self, items: list[Mention]) -> dict[tuple[str | None, str], str]:
        """Surnames one slip of the keyboard from a commoner one in the same document and
        force ("Prothera" beside "Prothero") -> the commoner spelling."""
        if self.max_edits <= 0:
            return {}
        counts: Counter[tuple[str | None, str]] = Counter()
        docs: dict[tuple[str | None, str], set[str]] = defaultdict(set)
        for m in items:
            key = (self._force(m), m.attr("surname") or m.name.split()[-1])
            counts[key] += 1
            docs[key].add(m.evidence.doc_id)
        out: dict[tuple[str | None, str], str] = {}
        for (force, name), n in counts.items():
            if len(name) < SLIP_MIN:
                continue
            rivals = [
                (count, other)
                for (f, other), count in counts.items()
                if f == force
                and other != name
                and (count, other) > (n, name)
                and docs[(f, other)] & docs[(force, name)]
                and one_slip(name, other, self.max_edits)
            ]
            if rivals:
                out[(force, name)] = max(rivals)[1]
        return out

    def _by_key(self, type_: str, items: list[Mention]) -> dict[str, list[Mention]]:
        keyed = [
            (core_name(type_, m.name) if type_ == POST else re.sub(r"\s+", " ", m.name.lower()), m)
            for m in items
        ]
        if type_ == POST:
            return self._within_forces(POST, keyed)
        out: dict[str, list[Mention]] = defaultdict(list)
        for key, m in keyed:
            out[make_id(type_, key)].append(m)
        return out

    def _within_forces(
        self, type_: str, named: list[tuple[str, Mention]]
    ) -> dict[str, list[Mention]]:
        """Ids for (name, mention) pairs: a name found in two forces is two entities."""
        forces: dict[str, set[str | None]] = defaultdict(set)
        for name, m in named:
            forces[make_id(type_, name)].add(self._force(m))
        out: dict[str, list[Mention]] = defaultdict(list)
        for name, m in named:
            base = make_id(type_, name)
            split = len(forces[base] - {None}) > 1
            force = self._force(m)
            out[make_id(type_, name, force) if split and force else base].append(m)
        return out

    def _named(self, type_: str, items: list[Mention]) -> dict[str, list[Mention]]:
        uf = _UnionFind()
        expansions = {a: [core_name(type_, e) for e in forms] for a, forms in self.acronyms.items()}
        ambiguous = {a for a, cores in expansions.items() if _distinct_meanings(cores)}
        for i, m in enumerate(items):
            qualifier = m.attr("qualifier")
            core = core_name(type_, m.name)
            uf.union(("m", i), ("k", core, qualifier))
            if m.acronym and not qualifier:
                if m.acronym in ambiguous:
                    # One acronym, several things ("IIP"): join only mentions of the same one.
                    uf.union(("m", i), ("a", m.acronym, core))
                    continue
                uf.union(("m", i), ("a", m.acronym, None))
                for long_form in expansions.get(m.acronym, [])[:1]:
                    uf.union(("m", i), ("k", long_form, None))
            short = m.text.strip()
            if short.isupper() and short in expansions and short not in ambiguous and not qualifier:
                uf.union(("m", i), ("a", short, None))
        if self.max_edits > 0:
            # "INTERGRATED OFFENDER MANAGEMENT" is "Integrated Offender Management" misspelt.
            names = sorted({core_name(type_, m.name) for m in items if not m.attr("qualifier")})
            for a, b in slip_pairs(names, self.max_edits):
                uf.union(("k", a, None), ("k", b, None))
        clusters: dict[Any, list[int]] = defaultdict(list)
        for i in range(len(items)):
            clusters[uf.find(("m", i))].append(i)
        out: dict[str, list[Mention]] = {}
        for members in clusters.values():
            ms = [items[i] for i in members]
            cores = Counter(core_name(type_, m.name) for m in ms if not m.name.isupper())
            core = cores.most_common(1)[0][0] if cores else core_name(type_, ms[0].name)
            qualifiers = sorted({m.attr("qualifier") or "" for m in ms} - {""})
            entity_id = make_id(type_, core, qualifiers[0] if qualifiers else None)
            out.setdefault(entity_id, []).extend(ms)
        return out


def _distinct_meanings(cores: Sequence[str]) -> bool:
    """Whether an acronym's long forms name different things (neither contains the other)."""
    unique = sorted(set(cores), key=len)
    return any(short not in long for i, short in enumerate(unique) for long in unique[i + 1 :])


def _describe(entity: Entity) -> None:
    """Canonical name, aliases and properties from an entity's mentions."""
    ms = sorted(entity.mentions, key=lambda m: (m.evidence.doc_id, m.evidence.start))
    names = Counter(m.name for m in ms if not (m.name.isupper() and len(m.name) <= 10))
    if entity.type == PERSON:
        full = [m.name for m in ms if m.attr("given")]
        entity.name = Counter(full).most_common(1)[0][0] if full else ms[0].name
    elif entity.type == "Initiative" and any(m.attr("qualifier") for m in ms):
        m = next(m for m in ms if m.attr("qualifier"))
        entity.name = f"{(m.attr('qualifier') or '').title()} {m.name}"
    elif names:
        best = max(names.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))
        entity.name = best[0]
    else:
        entity.name = ms[0].name
    aliases: set[str] = set()
    for m in ms:
        aliases.update([m.name, m.text.strip()])
        if m.acronym:
            aliases.add(m.acronym)
        aliases.update(v for k, v in m.attrs if k == "alias")
    aliases.discard(entity.name)
    entity.aliases = sorted(a for a in aliases if a and len(a) <= 200)
    props: dict[str, Any] = {}
    if entity.type == PERSON:
        props["surname"] = next(
            (m.attr("surname") for m in ms if m.attr("surname")), entity.name.split()[-1]
        )
        given = next((m.attr("given") for m in ms if m.attr("given")), None)
        if given:
            props["givenName"] = given
        history = sorted(
            {
                (
                    m.evidence.as_of or "",
                    m.attr("rankName") or "",
                    m.attr("rank") or "",
                    m.evidence.doc_id,
                )
                for m in ms
                if m.attr("rankName")
            }
        )
        props["ranks"] = sorted({h[1] for h in history})
        props["ranksAsWritten"] = sorted({h[2] for h in history})
        props["rankHistory"] = [h[1] for h in history]
        props["rankAsOf"] = [h[0] for h in history]
        props["rankDocIds"] = [h[3] for h in history]
        suffix = next((m.attr("suffix") for m in ms if m.attr("suffix")), None)
        if suffix:
            props["suffix"] = suffix
    for key in ("owner", "frequency", "kind", "number"):
        value = next((m.attr(key) for m in ms if m.attr(key)), None)
        if value:
            props[key] = value
    props["docIds"] = sorted({m.evidence.doc_id for m in ms})
    entity.properties = props


def _sequels(entities: dict[str, Entity], relations: dict[tuple[str, str, str], Relation]) -> None:
    """ "X 2" succeeds "X" when both are initiatives."""
    by_name = {e.name.lower(): e for e in entities.values() if e.type == "Initiative"}
    for entity in list(by_name.values()):
        m = re.fullmatch(r"(.+?) (\d{1,2})", entity.name)
        if not m or int(m.group(2)) < 2:
            continue
        earlier = (
            by_name.get(m.group(1).lower())
            if m.group(2) == "2"
            else by_name.get(f"{m.group(1)} {int(m.group(2)) - 1}".lower())
        )
        if earlier is None:
            continue
        ev = entity.mentions[0].evidence
        rel = relations.setdefault(
            (entity.id, "SUCCEEDS", earlier.id), Relation(entity.id, "SUCCEEDS", earlier.id)
        )
        rel.evidence.append(
            Evidence(
                ev.doc_id, ev.chunk_id, ev.start, ev.end, ev.quote, ev.as_of, "numbered_sequel", 0.6
            )
        )


def build_graph(
    items: Iterable[tuple[Document, CleanText, Structure, Sequence[Chunk]]],
    acronyms: Mapping[str, Sequence[str]] | None = None,
    vocab: Vocabulary | None = None,
    settings: ExtractSettings | None = None,
) -> GraphData:
    """Extract every document and resolve the lot: the graph of these documents.

    `acronyms` maps a short form to its long forms, most used first (as
    indexer.glossary.merge_definitions returns them); pass every indexed document, since
    resolution works across documents.
    """
    acronyms = dict(acronyms or {})
    # Expand an acronym while reading only when it means one thing in this corpus.
    unambiguous = {
        k: v[0] for k, v in acronyms.items() if v and not _distinct_meanings([f.lower() for f in v])
    }
    settings = settings or ExtractSettings()
    extractor = DocumentExtractor(unambiguous, vocab, Parser(settings.spacy_model))
    documents: list[Document] = []
    chunks: list[Chunk] = []
    extractions: list[Extraction] = []
    for document, view, structure, doc_chunks in items:
        documents.append(document)
        chunks.extend(doc_chunks)
        extractions.append(extractor.extract(document, view, structure, doc_chunks))
    docs = {d.id: DocInfo(d.force or settings.default_force, d.date) for d in documents}
    resolver = Resolver(acronyms, docs, settings.holder_window_days, settings.fuzzy_max_edits)
    entities, relations = resolver.resolve(extractions)
    return GraphData(documents, chunks, entities, relations)
