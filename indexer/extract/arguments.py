"""The arguments of a frame match: who holds the role and what is held, on one parse.

A SentenceReader runs the frames of a FrameReader (indexer.extract.frames) on a parsed
sentence (indexer.extract.phrases) and turns each match into role facts: the relation from
the trigger's lexicon entry, one fact per conjunct on either side, none under a negation,
and the surface frames for the role words no dependency frame read. An argument is a
recognised entity, else a phrase (see phrases.py).
"""

from __future__ import annotations

from typing import Any

from graph.model import ORGANISATION, PERSON, POST, UNIT, Span
from indexer.extract.phrases import (
    LIGHT_HEADS,
    NAMED,
    NO_SPAN,
    PERSONAL,
    PRONOUNS,
    RELATIVE,
    STRONG,
    WORK_ON,
    ParsedSentence,
    RoleFact,
)
from kg.vocab import RoleWord


class SentenceReader(ParsedSentence):
    """The frames of a FrameReader applied to one parsed sentence."""

    def facts(self) -> list[RoleFact]:
        dependency, surface = self.reader._matchers
        out: list[RoleFact] = []
        seen: set[tuple[int, int, str]] = set()
        vocab_strings = self.doc.vocab.strings
        lemmas = {t.lemma_ for t in self.doc}
        matches = []
        for role, matcher in dependency.items():
            if lemmas & self.reader.class_lemmas(role):
                matches += matcher(self.doc)
        for match_id, token_ids in matches:
            name = vocab_strings[match_id]
            frame = next(f for f in self.reader.frames.frames if f.name == name)
            nodes = {
                n["RIGHT_ID"]: self.doc[i] for n, i in zip(frame.pattern, token_ids, strict=True)
            }
            if frame.object_from == "list":
                out += self._facts(name, nodes["trigger"], nodes["subject"], None, seen)
                continue
            if frame.object_from == "trigger":
                out += self._facts(name, nodes["trigger"], nodes["subject"], nodes["trigger"], seen)
                continue
            if frame.object_entity and nodes["object"].i not in self.by_token:
                continue
            out += self._facts(name, nodes["trigger"], nodes["subject"], nodes["object"], seen)
        used = {f.focus for f in out}
        for match_id, start, end in surface(self.doc):
            name = vocab_strings[match_id]
            sf = next(f for f in self.reader.frames.surface if f.name == name)
            entity_tokens: list[Any] = []
            for t in self.doc[start:end]:
                if t.i in self.by_token and (
                    not entity_tokens
                    or self.by_token[entity_tokens[-1].i] is not self.by_token[t.i]
                ):
                    entity_tokens.append(t)
            verbs = [t for t in self.doc[start:end] if t.i not in self.by_token and self._role(t)]
            if len(entity_tokens) < 2 or not verbs:
                continue
            if any(lo <= verbs[0].idx < hi for lo, hi in used):
                continue  # a dependency frame read this role word already
            subject = entity_tokens[0] if sf.subject == "first" else entity_tokens[-1]
            obj = entity_tokens[0] if sf.object == "first" else entity_tokens[-1]
            out += self._facts(name, verbs[0], subject, obj, seen)
            if sf.subject == "first":
                for earlier in self._coordinated_before(subject):
                    out += self._facts(name, verbs[0], earlier, obj, seen)
        return out + self.extra

    def _body_before(self, i: int) -> Any | None:
        """The nearest noun before token i (a dozen tokens at most) that names a body."""
        for j in range(i, max(-1, i - 15), -1):
            t = self.doc[j]
            if t.text in (";", ":"):
                break
            span = self.by_token.get(j)
            if span is not None and span.type in (UNIT, ORGANISATION):
                return t
            if span is None and t.tag_.startswith("NN") and t.lemma_ in self.lex.unit_words:
                return t
        return None

    def _coordinated_before(self, token: Any) -> list[Any]:
        """People listed before `token` ("A, Post, and B co-chair"), right to left."""
        out: list[Any] = []
        current = self.by_token.get(token.i)
        i = token.i - 1
        while i >= 0:
            t = self.doc[i]
            span = self.by_token.get(i)
            if span is not None and span is current:
                i -= 1
                continue
            if t.lower_ in ("and", ",", "&"):
                i -= 1
                continue
            if span is not None and span.type == POST:
                current = span  # an appositive post between commas
                i -= 1
                continue
            if span is None or span.type != PERSON:
                break
            out.append(t)
            current = span
            i -= 1
        return out

    def _listed(self, trigger: Any) -> list[tuple[Any, Span]]:
        """The entities of a list laid out after a colon close behind the trigger: on the
        same line, else the bullets below."""
        colon = next((t for t in self.doc[trigger.i + 1 : trigger.i + 4] if t.text == ":"), None)
        if colon is None:
            return []
        inline: list[tuple[Any, Span]] = []
        for t in self.doc[colon.i + 1 :]:
            if t.i in self.by_token and all(s is not self.by_token[t.i] for _, s in inline):
                inline.append((t, self.by_token[t.i]))
        if inline or any(t.is_alpha for t in self.doc[colon.i + 1 :]):
            return inline
        return [(None, span) for span in self.item.bullets()]

    @staticmethod
    def _disagrees(trigger: Any, subject: Any) -> bool:
        """A plural-form verb with one singular noun for its subject: the parser has read a
        role noun as the verb ("the chief officer lead for Y is X": "lead" is a noun)."""
        return (
            trigger.tag_ == "VBP"
            and subject.dep_ == "nsubj"
            and subject.head.i == trigger.i
            and subject.tag_ in ("NN", "NNP")
            and not subject.conjuncts
        )

    def _own_role(self, conjunct: Any) -> bool:
        """Whether a conjunct carries a role word of its own, and so is not one more holder
        of the trigger's role ("X is chair, and Y and Z act as vice chairs")."""
        roles = self.reader.roles
        tables = ("verbs", "nouns", "tenure_nouns", "held_nouns")
        return any(
            t.i != conjunct.i and any(t.lemma_ in roles.table(n) for n in tables)
            for t in conjunct.subtree
        )

    def _role(self, trigger: Any) -> RoleWord | None:
        roles = self.reader.roles
        lemma = trigger.lemma_
        for table in ("verbs", "nouns", "tenure_nouns", "held_nouns", "adjectives"):
            entry = roles.table(table).get(lemma)
            if entry is None:
                continue
            modifiers = {c.lower_ for c in trigger.lefts}
            if entry.needs and not modifiers & set(entry.needs):
                continue  # "an officer": no role without "responsible", "lead" ...
            if not trigger.tag_.startswith("VB") and modifiers & set(roles.lesser):
                return None  # "the vice chair", "the deputy head": not the role itself
            return entry
        return None

    def _facts(
        self,
        rule: str,
        trigger: Any,
        subject: Any,
        obj: Any | None,
        seen: set[tuple[int, int, str]],
    ) -> list[RoleFact]:
        """Facts of one match; `obj` None means the objects are listed after the trigger."""
        entry = self._role(trigger)
        if entry is None or self._negated(trigger) or self._disagrees(trigger, subject):
            return []
        if obj is not None and obj.lemma_.lower() in entry.idioms:
            return []  # "leads the way", "is leading the country": an idiom, not a role
        held = self.by_token.get(obj.i) if obj is not None else None
        if (
            obj is not None
            and trigger.dep_ == "acl"
            and (held is None or held.type in (PERSON, POST))
        ):
            # "reports to the Force Delivery Board, chaired by the DCC": a reduced relative
            # after a comma describes the name just before it, whatever the parse says.
            before = trigger.i - 1
            if before >= 0 and self.doc[before].text == ",":
                before -= 1
            if before >= 0 and before in self.by_token and self.by_token[before].type in NAMED:
                obj = self.doc[before]
            elif entry.relation == "CHAIRS" and before >= 0 and self.doc[before + 1].text == ",":
                # "a monthly Board made up of managers and their equivalents, chaired by X":
                # what is chaired is the body the clause began with.
                body = self._body_before(before)
                if body is not None:
                    obj = body
        out = []
        # A weak role verb ("runs", "manages", "drives") must take a thing of work or a name;
        # a role noun or adjective has its frame to say what is held.
        self._weak = (
            entry.confidence < STRONG and trigger.tag_.startswith("VB") and not entry.object_prefix
        )
        subjects = self._arguments(subject, "subject", entry)
        objects = self._listed(trigger) if obj is None else self._arguments(obj, "object", entry)
        for s_token, s in subjects:
            for o_token, o in objects:
                relation = entry.relation
                if relation == "HEADS" and o.type not in (UNIT, ORGANISATION):
                    relation = "LEADS"
                if relation == "CHAIRS" and o.type not in (UNIT, ORGANISATION):
                    continue
                if s.type not in entry.holders or o.type in (PERSON, POST):
                    continue
                if s.name.lower() == o.name.lower():
                    continue
                key = (s.start, o.start, relation)
                if key in seen:
                    continue
                seen.add(key)
                tokens = [t for t in (s_token, o_token, trigger) if t is not None]
                if o_token is None and obj is None:
                    tokens.append(self.doc[-1])  # a listed object: quote up to the colon
                lo = min(t.idx for t in tokens)
                hi = max(t.idx + len(t.text) for t in tokens)
                out.append(RoleFact(s, relation, o, f"frame_{rule}", entry.confidence, (lo, hi)))
        return out

    @staticmethod
    def _negated(trigger: Any) -> bool:
        heads = [trigger, trigger.head] if trigger.dep_ in ("xcomp", "attr", "acomp") else [trigger]
        return any(child.dep_ == "neg" for h in heads for child in h.children)

    def _arguments(self, token: Any, side: str, entry: RoleWord) -> list[tuple[Any, Span]]:
        if side == "object" and token.i not in self.by_token and token.lemma_ in WORK_ON:
            # "leads the work on county lines and knife crime": one fact per named theme.
            for child in token.rights:
                if child.dep_ == "prep" and child.lower_ in ("on", "to", "against"):
                    named: list[tuple[Any, Span]] = []
                    for t in child.subtree:
                        span = self.by_token.get(t.i)
                        if (
                            span is not None
                            and span.type in NAMED
                            and all(span is not s for _, s in named)
                        ):
                            named.append((t, span))
                    if named:
                        return named
        out: list[tuple[Any, Span]] = []
        # A list of entities gives one fact each; a list inside a phrase stays in the phrase
        # ("a review of the findings and strategy").
        conjuncts = [
            t
            for t in token.conjuncts
            if t.i in self.by_token and self._plain_list(token, t) and not self._own_role(t)
        ]
        for t in [token, *conjuncts]:
            span = self._argument(t, side, entry)
            if span is not None and all(s is not span for _, s in out):
                out.append((t if t.i in self.by_token else None, span))
        return out

    def _argument(self, token: Any, side: str, entry: RoleWord, depth: int = 0) -> Span | None:
        if side == "subject":
            # "The Silver lead for serious violence, Ch Supt Price, ...": the named person.
            named = self._appositive_person(token)
            if named is not None:
                post = self.by_token.get(token.i)
                if post is not None and post.type == POST:
                    # "the VRU Commissioning Manager, Tariq Mensah": he holds that post.
                    self.extra.append(
                        RoleFact(named, "HOLDS_POST", post, "frame_apposition_post", 0.85, (0, 0))
                    )
                return named
        span = self.by_token.get(token.i)
        if span is not None:
            first = token.i
            while first > 0 and self.by_token.get(first - 1) is span:
                first -= 1
            if side == "subject" and first > 0 and self.doc[first - 1].text == "(":
                return None  # "Supt Youds (WS LPU)": the bracket is an aside
            return span
        if side == "subject" and token.tag_ == "NNP" and token.i in self.ner_people:
            person = self._ner_person(self.ner_people[token.i])
            if person is not None:
                return person
        if token.dep_ == "pobj" and token.head.dep_ == "agent":
            # "chaired by C/Supt Barnett all LPUs are ...": a run-on sentence misattaches the
            # agent; the name straight after "by" (and an article) is the agent.
            nxt = token.head.i + 1
            if nxt < len(self.doc) and self.doc[nxt].lower_ in ("the", "a", "an"):
                nxt += 1
            if nxt < token.i and self.by_token.get(nxt, NO_SPAN).type in (PERSON, POST):
                return self.by_token[nxt]
        low = token.lower_
        if low in RELATIVE:
            head = token.head
            while head.dep_ not in ("relcl", "acl") and head.head is not head and depth < 4:
                head = head.head
                depth += 1
            if head.dep_ in ("relcl", "acl"):
                return self._argument(head.head, side, entry, depth + 1)
            return None
        if low in PERSONAL:
            return self._person_before(token)
        if low in PRONOUNS:
            return self.item.antecedent()
        if self._generic(token):
            # "the board": the latest board named before; a bare type word is no argument.
            return self.item.recent(token.lemma_)
        if side == "object" and token.tag_ == "VBG" and depth < 4:
            # "the lead on implementing Right Care": what the gerund works on.
            worked = next((c for c in token.children if c.dep_ == "dobj"), None)
            return None if worked is None else self._argument(worked, side, entry, depth + 1)
        if not token.tag_.startswith("NN"):
            return None
        if side == "subject":
            post = self._post_phrase(token)
            if post is not None:
                return post
        if side == "object" and token.lemma_ in LIGHT_HEADS and depth < 4:
            named = self._copula_subject(token)
            if named is not None:
                return self._argument(named, side, entry, depth + 1)
        return self._phrase(token, side, entry)
