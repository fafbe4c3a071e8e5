"""Post holders from context: a role fact held by "the DCC" is also given to the person the
document names in that post.

The index reads who holds which post in which document: HOLDS_POST facts (attendance lists,
"DCC Jo Bloggs", "Jo Bloggs, Chief Finance Officer"), ranks written with names, and who the
minutes say chaired the meeting (for "the Chair"). A post matches exactly, by its words ("the
Chief Finance Officer" names "Chief Finance Officer, Office of the PCC"), or by its rank and
qualifier ("the ACC (Crime)"). Only one holder may match; failing the same document, the
nearest document of the same force within the window is asked.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

from graph.model import PERSON, DocInfo, Entity, Evidence, Relation


def give_to_holders(
    entities: dict[str, Entity],
    relations: dict[tuple[str, str, str], Relation],
    referring: list[tuple[str, str, str, Evidence]],
    docs: Mapping[str, DocInfo],
    window_days: int,
) -> None:
    """Give each role fact held by "the <post>" to the person who holds that post."""
    if not referring:
        return
    index = _HolderIndex(entities, relations)
    for post_id, relation, target, ev in referring:
        person = _holder(index, entities[post_id], ev.doc_id, docs, window_days)
        if person is None or person == target:
            continue
        derived = Evidence(
            ev.doc_id,
            ev.chunk_id,
            ev.start,
            ev.end,
            ev.quote,
            ev.as_of,
            f"post_holder:{ev.rule}",
            round(ev.confidence * 0.9, 3),
        )
        rel = relations.setdefault((person, relation, target), Relation(person, relation, target))
        if derived not in rel.evidence:
            rel.evidence.append(derived)


def _holder(
    index: _HolderIndex, post: Entity, doc_id: str, docs: Mapping[str, DocInfo], window_days: int
) -> str | None:
    """The one person who holds `post` in `doc_id`, else in the nearest document of the
    same force within the window; None when nobody, or more than one, is named."""
    found = index.holder(post, doc_id)
    if found is not None:
        return found
    here = docs.get(doc_id)
    if here is None or here.force is None or here.date is None:
        return None
    near = []
    for other, info in docs.items():
        if other == doc_id or info.force != here.force or info.date is None:
            continue
        gap = abs((info.date - here.date).days)
        if gap <= window_days:
            near.append((gap, other))
    for _, other in sorted(near):
        found = index.holder(post, other)
        if found is not None:
            return found
    return None


class _HolderIndex:
    """Who holds which post in which document: HOLDS_POST facts and ranks written with names."""

    def __init__(
        self, entities: dict[str, Entity], relations: dict[tuple[str, str, str], Relation]
    ):
        self.by_post: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.posts_of: dict[tuple[str, str], set[str]] = defaultdict(set)  # person, doc -> names
        self.by_rank: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.chairs: dict[str, set[str]] = defaultdict(set)  # doc -> who chaired its meeting
        for (src, type_, dst), rel in relations.items():
            if type_ == "CHAIRS" and entities[src].type == PERSON:
                for ev in rel.evidence:
                    if ev.rule == "layout_chair_mark":
                        self.chairs[ev.doc_id].add(src)
            if type_ != "HOLDS_POST" or entities[src].type != PERSON:
                continue
            for ev in rel.evidence:
                self.by_post[(dst, ev.doc_id)].add(src)
                self.posts_of[(src, ev.doc_id)].add(entities[dst].name.lower())
        for entity in entities.values():
            if entity.type != PERSON:
                continue
            for m in entity.mentions:
                rank = m.attr("rankName")
                if rank:
                    self.by_rank[(rank, m.evidence.doc_id)].add(entity.id)
                    self.posts_of[(entity.id, m.evidence.doc_id)].add(rank.lower())

    def holder(self, post: Entity, doc_id: str) -> str | None:
        exact = self.by_post.get((post.id, doc_id), set())
        if len(exact) == 1:
            return next(iter(exact))
        words = set(re.findall(r"[a-z]+", post.name.lower())) - _QUALIFIER_STOP
        if words == {"chair"} or words == {"chairman"} or words == {"chairperson"}:
            chairs = self.chairs.get(doc_id, set())
            return next(iter(chairs)) if len(chairs) == 1 else None
        if words:
            # "the Chief Finance Officer" names the post held as "Chief Finance Officer,
            # Office of the Police and Crime Commissioner".
            holders = {
                p
                for (p, d), names in self.posts_of.items()
                if d == doc_id and any(words <= set(re.findall(r"[a-z]+", name)) for name in names)
            }
            if len(holders) == 1:
                return next(iter(holders))
        rank = next((m.attr("rankName") for m in post.mentions if m.attr("rankName")), None)
        if rank is None:
            return None
        candidates = self.by_rank.get((rank, doc_id), set()) | exact
        rank_words = set(re.findall(r"[a-z]+", rank.lower())) | {"acc", "dcc", "cc"}
        qualifier = set(re.findall(r"[a-z]+", post.name.lower())) - rank_words - _QUALIFIER_STOP
        if qualifier:
            candidates = {
                p
                for p in candidates
                if any(q in name for q in qualifier for name in self.posts_of.get((p, doc_id), ()))
            }
        return next(iter(candidates)) if len(candidates) == 1 else None


_QUALIFIER_STOP = frozenset({"the", "of", "and", "for", "lead"})
