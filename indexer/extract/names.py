"""Named things: units, initiatives, organisations and themes, by keywords and context."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cached_property

from graph.model import INITIATIVE, ORGANISATION, THEME, Span
from indexer.extract.headings import heading_initiatives
from indexer.extract.lexicon import CAP_WORD, TITLE_SPAN, Lexicon, Typed
from indexer.extract.text import Sentence
from indexer.glossary import is_short_form, schwartz_hearst
from indexer.segment import Structure
from kg.forces import default_forces

_ACRONYM = re.compile(r"(?<![\w\-])(?P<a>[A-Z][A-Z0-9&]{1,7})(?:['’]?s)?(?![\w\-])")
_QUOTED = re.compile(
    r"(?:(?<=\s)|^|(?<=\())[“‘\"'](?P<q>[A-Z][^“”‘’\"'\n]{1,58}?)[”’\"']"
    r"(?P<after>(?: [a-z][a-z\-]+){0,2})"
)
_KNOWN_AS = re.compile(
    rf"\b(?:known as|called|named|entitled|badged as) (?:the )?[“‘\"']?(?P<n>{TITLE_SPAN})"
)
_APPOSITION = re.compile(
    rf"(?P<n>{CAP_WORD}(?: {CAP_WORD}){{0,3}}(?:, {CAP_WORD}(?: {CAP_WORD}){{0,3}}){{0,2}}), "
    r"an? (?:[a-z\-]+ )?"
    r"(?:campaign|initiative|programme|project|scheme|operation|pilot)\b"
)
_IS_A = re.compile(
    rf"^(?P<n>{TITLE_SPAN})(?: \([A-Za-z0-9&+]{{2,10}}\))? (?:is|was) (?:an?|one of the|the) "
    r"[^.]{0,60}?"
    r"\b(?:programme|initiative|project|scheme|campaign|projects|programmes|initiatives)\b"
)
_ACRONYM_AFTER = re.compile(r"\s?[-–]?\s?\((?P<a>[A-Za-z][A-Za-z0-9&/+\-]{1,9})\s?[)–-]")
_THEME_WORK = re.compile(
    r" (?:strategy|action plan|delivery plan|plan|campaign|toolkit|programme)\b"
)
_SYSTEM_NAME = re.compile(
    r"\b(?P<np>(?:new |electronic |online |digital )*[a-z]+ (?:[a-z]+ )?"
    r"(?:system|platform|tool|app|database)) "
    r"\((?P<n>[A-Za-z][A-Za-z0-9\-+]{1,20})\)"
)
# A particle after the capitalised words: they are a verb ("Roll out", "Follow up").
_PARTICLE = re.compile(r" (?:out|up|down|off|back|forward|through|over|in|on)\b")
# A capitalised word and a joining word just before: the name is the end of a longer title.
_TITLE_BEFORE = re.compile(r"\b[A-Z][\w’'-]+ (?:the|of|for|and|to|in|on|with) $")
_ENUM_TITLE = re.compile(r"[A-Z][^.:;”\"(]{2,80}?(?=\s[-–]|[:;.”\"(]|$)")
_LIST_SPLIT = re.compile(r"\s*(?:;|,|\band\b|/)\s*")


class NameFinder:
    """Finds units, initiatives, organisations and themes in one clean text."""

    def __init__(self, lexicon: Lexicon, acronyms: Mapping[str, str]) -> None:
        self.lex = lexicon
        self.acronyms = {**lexicon.vocab.acronyms, **acronyms}
        self.post_nouns = frozenset(lexicon.vocab.roles.post_nouns) | {"constable", "officer"}
        self._work_cache: dict[tuple[int, int, str, str], bool] = {}
        self.force_words = frozenset(
            form
            for force in default_forces()
            for form in (force.name, *force.aliases, *force.acronyms)
        )

    def _span(
        self,
        start: int,
        name: str,
        typed: Typed,
        rule: str,
        text: str,
        aliases: tuple[str, ...] = (),
        acronym: str | None = None,
        end: int | None = None,
    ) -> Span:
        attrs = (("qualifier", typed.qualifier),) if typed.qualifier else ()
        aliases = (*aliases, *self._without_force(typed.name))
        return Span(
            start,
            end if end is not None else start + len(name),
            typed.type,
            text,
            typed.name,
            rule,
            typed.confidence,
            attrs,
            acronym,
            aliases,
        )

    def _without_force(self, name: str) -> tuple[str, ...]:
        """The name without a leading force ("WMP Hate Crime Reference Groups"): an alias."""
        words = name.split()
        for n in (1, 2, 3):
            if len(words) > n + 1 and " ".join(words[:n]) in self.force_words:
                return (" ".join(words[n:]),)
        return ()

    def _acronym_after(self, text: str, end: int, name: str) -> str | None:
        m = _ACRONYM_AFTER.match(text, end)
        if m and is_short_form(m.group("a")) and schwartz_hearst(m.group("a"), name):
            return m.group("a")
        return None

    def find(self, text: str, structure: Structure, sents: Sequence[Sentence]) -> list[Span]:
        """Every candidate; overlaps are settled by the caller."""
        out: list[Span] = []
        out += self._gazetteer(text)
        out += self._titles(text)
        out += self._keyword_suffix(text)
        out += self._quoted(text)
        out += self._contextual(text, sents)
        out += heading_initiatives(self.lex, text, structure)
        out += self._acronym_tokens(text)
        return out

    def _gazetteer(self, text: str) -> list[Span]:
        out = []
        for m in self.lex.theme_regex.finditer(text):
            name = self.lex.theme_names[m.group().lower()]
            out.append(Span(m.start(), m.end(), THEME, m.group(), name, "theme_gazetteer", 0.8))
            kw = _THEME_WORK.match(text, m.end())
            if kw:
                phrase = text[m.start() : kw.end()]
                out.append(Span(m.start(), kw.end(), INITIATIVE, phrase, phrase, "theme_work", 0.7))
        for m in _SYSTEM_NAME.finditer(text):
            out.append(
                Span(
                    m.start("n"),
                    m.end("n"),
                    INITIATIVE,
                    m.group("n"),
                    m.group("n"),
                    "named_system",
                    0.7,
                    (),
                    None,
                    (m.group("np"),),
                )
            )
        for m in self.lex.org_regex.finditer(text):
            name = self.lex.org_names.get(m.group().lower()) or self.acronyms.get(
                m.group(), m.group()
            )
            acronym = m.group() if m.group().isupper() else None
            out.append(
                Span(
                    m.start(),
                    m.end(),
                    ORGANISATION,
                    m.group(),
                    name,
                    "organisation_gazetteer",
                    0.85,
                    (),
                    acronym,
                )
            )
        return out

    def _titles(self, text: str) -> list[Span]:
        out = []
        for m in self.lex.title_span.finditer(text):
            raw = m.group()
            name = self.lex.strip_function_words(raw)
            start = m.start() + len(raw) - len(name)
            if name.isupper() and " " not in name:
                continue  # a bare acronym: see _acronym_tokens
            acronym = self._acronym_after(text, m.end(), name)
            typed = self.lex.classify(name, fallback=INITIATIVE if acronym else None)
            if typed is None:
                continue
            out.append(self._span(start, name, typed, "title_keyword", name, (), acronym))
        return out

    @cached_property
    def _initiative_alternation(self) -> str:
        words = self.lex.initiative_words
        return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))

    def _used_as_work(self, text: str, name: str, acronym: str) -> bool:
        """Whether the document writes a defined name as a piece of work: followed by a type
        word ("the IOM programme", "Integrated Offender Management scheme") or named as led,
        run or delivered. A defined acronym alone says what it stands for, not what it is."""
        # Keyed by the text's content (Python keeps a string's hash), not its id, which a later
        # document may reuse.
        key = (hash(text), len(text), name, acronym)
        if key not in self._work_cache:
            words = self._initiative_alternation
            forms = f"{re.escape(name)}|{re.escape(acronym)}"
            rx = re.compile(
                rf"(?:(?:{forms})(?:['’]s)?\s+(?:{words})\b|\b(?:{forms})\s+(?:is|was|are)\s+"
                r"(?:being\s+)?(?:led|run|delivered|managed|piloted|launched|rolled out)\b)",
                re.IGNORECASE,
            )
            if len(self._work_cache) > 10_000:
                self._work_cache.clear()
            self._work_cache[key] = bool(rx.search(text))
        return self._work_cache[key]

    def _keyword_suffix(self, text: str) -> list[Span]:
        out = []
        for m in self.lex.keyword_suffix.finditer(text):
            raw = m.group("name")
            name = self.lex.strip_function_words(raw)
            if name in {"I", "A"} or not name:
                continue
            start = m.start("name") + len(raw) - len(name)
            kw, mods = m.group("kw"), m.group("mods")
            if _PARTICLE.match(mods) or _TITLE_BEFORE.search(text, max(0, start - 60), start):
                # "the Roll out Plan" (a verb and its particle, not a name); "the Feeling the
                # Difference survey" (the end of a longer title): no name of its own here.
                continue
            phrase = text[start : m.end()]
            if kw.lower() in self.lex.unit_words and ", " in name:
                continue  # "Cyber Unit, Fraud Unit": a list of units, not one
            if kw.lower() in self.lex.unit_words:
                typed = self.lex.classify(phrase) or Typed("Unit", phrase)
                out.append(self._span(start, phrase, typed, "keyword_suffix", phrase, end=m.end()))
                continue
            if kw[0].isupper() and not mods:
                continue  # "Road Safety Strategy": a title span, found by _titles
            aliases = tuple({phrase, f"{name} {kw}"} - {name})
            work = self.lex.classify(name) or self.lex.fallback(name, INITIATIVE, 0.75)
            if work is None:
                continue  # "the Constabulary's approach": the owner's name, not the work's
            if work.type != INITIATIVE:
                work = Typed(INITIATIVE, phrase, None, 0.7)
            out.append(
                self._span(start, name, work, "keyword_suffix", phrase, aliases, end=m.end())
            )
        return out

    def _quoted(self, text: str) -> list[Span]:
        out = []
        for m in _QUOTED.finditer(text):
            inner = m.group("q").strip(" ,")
            words = inner.split()
            if len(words) > 7:
                continue
            after = m.group("after").split()
            kw = next(
                (w for w in after if w.lower() in self.lex.initiative_words | self.lex.unit_words),
                None,
            )
            typed = self.lex.classify(inner)
            if (
                typed is not None
                and typed.type == ORGANISATION
                and inner.lower() not in self.lex.org_names
            ):
                typed = Typed(INITIATIVE, inner, None, 0.6)
            if typed is None and kw:
                typed = Typed(
                    "Unit" if kw.lower() in self.lex.unit_words else INITIATIVE, inner, None, 0.75
                )
                if typed.type == "Unit":
                    typed = Typed("Unit", f"{inner} {' '.join(after)}", None, 0.75)
            if typed is None:
                significant = [w for w in words if len(w) > 3 or w[0].isupper()]
                titled = len(words) >= 2 and all(
                    w[0].isupper() or not w[0].isalpha() for w in significant
                )
                keyworded = len(words) == 2 and words[1].lower() in self.lex.initiative_words
                typed = self.lex.fallback(inner, INITIATIVE, 0.6, titled=True)
                if typed is None or (not titled and not keyworded):
                    continue
            aliases = (f"{inner} {kw}",) if kw and typed.type == INITIATIVE else ()
            end = m.end() if typed.type == "Unit" and kw else m.start("q") + len(inner)
            out.append(
                self._span(m.start("q"), inner, typed, "quoted_name", inner, aliases, end=end)
            )
        return out

    def _contextual(self, text: str, sents: Sequence[Sentence]) -> list[Span]:
        out = []
        for rx, rule in ((_KNOWN_AS, "known_as"), (_APPOSITION, "named_campaign")):
            for m in rx.finditer(text):
                name = self.lex.strip_function_words(m.group("n"))
                start = m.end("n") - len(name)
                typed = self.lex.classify(name) or self.lex.fallback(name, INITIATIVE, 0.7)
                if typed is not None:
                    out.append(self._span(start, name, typed, rule, name))
        for sent in sents:
            body = sent.text[sent.body :]
            is_a = _IS_A.match(body)
            if is_a:
                name = self.lex.strip_function_words(is_a.group("n"))
                typed = self.lex.classify(name) or self.lex.fallback(name, INITIATIVE, 0.75)
                if typed is not None and typed.type == INITIATIVE:
                    start = sent.to_clean(sent.body + is_a.end("n") - len(name))
                    out.append(self._span(start, name, typed, "is_a_programme", name))
            if sent.enumerator:
                t = _ENUM_TITLE.match(body)
                if t and 2 <= len(t.group().split()) <= 8:
                    name = self.lex.strip_function_words(t.group().strip())
                    typed = self.lex.classify(name) or self.lex.fallback(
                        name, INITIATIVE, 0.5, titled=True
                    )
                    if typed is None:
                        continue
                    start = sent.to_clean(sent.body + t.end() - len(name))
                    out.append(self._span(start, name, typed, "enumerated_strand", name))
        return out

    def _acronym_tokens(self, text: str) -> list[Span]:
        out = []
        for m in _ACRONYM.finditer(text):
            acronym = m.group("a")
            expansion = self.acronyms.get(acronym)
            if not expansion:
                continue
            if len(acronym) < 3 and acronym not in self.lex.vocab.acronyms:
                continue  # two letters learnt from one document are too often a coincidence
            expansion = expansion.strip(" .")
            last = expansion.split()[-1].lower() if expansion.split() else ""
            if last.rstrip("s") in self.post_nouns:
                continue  # "Senior Responsible Officer", "PCSOs": people and posts, not things
            typed = self.lex.classify(expansion)
            if typed is None:
                if not all(w[0].isupper() for w in expansion.split() if len(w) > 3):
                    continue
                if not self._used_as_work(text, expansion, acronym):
                    continue  # "Total Recorded Crime (TRC)" names a figure, not a programme
                typed = Typed(INITIATIVE, expansion, None, 0.5)
            out.append(
                Span(
                    m.start(),
                    m.end(),
                    typed.type,
                    m.group(),
                    typed.name,
                    "acronym",
                    typed.confidence,
                    (),
                    acronym,
                )
            )
        return out


def split_list(phrase: str) -> list[str]:
    """Items of a written list ("A, B and C", "A/B/C")."""
    return [p.strip(" .") for p in _LIST_SPLIT.split(phrase) if p.strip(" .")]
