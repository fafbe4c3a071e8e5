"""People and posts: "C/Supt Jane Doe", "ACC Local Policing", "Director of Resources"."""

from __future__ import annotations

import re
from functools import cached_property

from graph.model import PERSON, POST, Span
from indexer.extract.lexicon import FUNCTION_WORDS, NAME_WORD, TITLE_SPAN, Lexicon
from kg.vocab import Rank

# Words after a given name that show the pair names a place or a body, not a person.
_NOT_SURNAME = frozenset(
    """
    House Street Road Lane Square Park Hall Court Centre Center Institute Trust University
    College School Hospital Station Way Avenue Close Drive Green Wood Market Report Act Unit
    Team Board Forum Group Programme Project Plan Strategy Police Council Foundation Award
    Awards Review Fund Cup Games Stadium Ltd Limited Street Bridge Gate Quarter
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
# A name ends before a letter or hyphen, but may take a possessive ("Ashdown's team").
_NAME_END = r"(?![\w\-]|['’][A-Za-z]{2})"
_DETERMINERS = frozenset(
    """
    the a an this that these those our their its new of-the
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


class PeopleFinder:
    """Finds person and post mentions in a clean text."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon
        self.vocab = lexicon.vocab

    @cached_property
    def _rank_forms(self) -> str:
        forms = sorted({f.rstrip(".") for f in self.vocab.rank_by_form}, key=len, reverse=True)
        return "|".join(re.escape(f) for f in forms)

    @cached_property
    def _ranked(self) -> re.Pattern[str]:
        suffixes = "|".join(sorted(self.vocab.suffixes, key=len, reverse=True))
        return re.compile(
            # A dot may close a short abbreviation ("Supt.", "Insp."), never a full or
            # all-capitals form: "the DCC. Specific Reference is made ..." ends a sentence.
            # "T/ACC", "A/Supt": a temporary or acting rank reads as the rank.
            rf"(?<![\w/])(?:[TA]/)?(?P<rank>{self._rank_forms})(?P<dot>\.)?(?P<comma>,)?"
            rf"[ \t]+(?P<n1>{NAME_WORD})"
            rf"(?:[ \t]+(?P<n2>{NAME_WORD}))?(?:[ \t]+(?P<suffix>{suffixes})\b)?" + _NAME_END
        )

    @cached_property
    def _given(self) -> re.Pattern[str]:
        given = "|".join(sorted(self.vocab.given_names, key=len, reverse=True))
        return re.compile(
            rf"(?<![\w’'\-/])(?P<given>{given})[ \t]+(?P<surname>{NAME_WORD})" + _NAME_END
        )

    @cached_property
    def _rank_post(self) -> re.Pattern[str]:
        post_forms = sorted(
            {f.rstrip(".") for r in self.vocab.ranks.ranks if r.post for f in r.forms},
            key=len,
            reverse=True,
        )
        forms = "|".join(re.escape(f) for f in post_forms)
        return re.compile(
            rf"(?<![\w/])(?:[TA]/)?(?P<rank>{forms})\b"
            rf"(?:[ \t]+(?P<q>{TITLE_SPAN})|[ \t]*\((?P<pq>[a-z][a-z ]{{2,30}})\))?"
        )

    @cached_property
    def _posts(self) -> list[re.Pattern[str]]:
        return [
            re.compile(r"(?<![\w’'])(?:" + p.regex.replace("{TITLE}", TITLE_SPAN) + ")")
            for p in self.vocab.gazetteer.posts
        ]

    def _rank(self, form: str) -> Rank | None:
        return self.vocab.rank_by_form.get(form) or self.vocab.rank_by_form.get(form + ".")

    def _is_name(self, word: str | None, rank: Rank | None = None) -> bool:
        """Whether a word after a rank is a name ("ACC Local" is a portfolio; "Mr Head" a
        name: courtesy titles take no portfolio)."""
        if not word or word in FUNCTION_WORDS:
            return False
        return (rank is not None and rank.courtesy) or word not in self.vocab.portfolio_words

    def find(self, text: str) -> list[Span]:
        """Person mentions first (ranked, then by given name), then posts."""
        spans = [*self._find_ranked(text), *self._find_given(text)]
        spans += self._find_posts(text)
        return spans

    def _find_ranked(self, text: str) -> list[Span]:
        out: list[Span] = []
        for m in self._ranked.finditer(text):
            rank = self._rank(m.group("rank"))
            n1, n2 = m.group("n1"), m.group("n2")
            if rank is None or not self._is_name(n1, rank):
                continue
            form = m.group("rank").rsplit("/", 1)[-1]
            if m.group("dot") and (len(form) > 5 or form.isupper()):
                continue
            if m.group("comma") and n1 not in self.vocab.given_names:
                continue
            end = m.end()
            if n2 and not self._is_name(n2, rank):
                n2 = None
                end = m.end("n1")
            elif n2 and n2 in _NOT_SURNAME:
                continue
            suffix = m.group("suffix") if n2 is None or m.end("n2") < m.end() else None
            if m.group("suffix") and end < m.end("suffix"):
                suffix = None
            given, surname = (n1, n2) if n2 else (None, n1)
            attrs = [("rank", m.group("rank")), ("rankName", rank.name), ("surname", surname)]
            if given:
                attrs.append(("given", given))
            if suffix:
                attrs.append(("suffix", suffix))
            name = f"{given} {surname}" if given else surname
            out.append(
                Span(
                    m.start(),
                    end,
                    PERSON,
                    text[m.start() : end],
                    name,
                    "person_ranked",
                    0.95,
                    tuple(sorted(attrs)),
                )
            )
        return out

    def _find_given(self, text: str) -> list[Span]:
        out: list[Span] = []
        for m in self._given.finditer(text):
            given, surname = m.group("given"), m.group("surname")
            if surname in _NOT_SURNAME or not self._is_name(surname):
                continue
            if surname in self.vocab.given_names and surname not in {"Lee"}:
                pass
            before = text[max(0, m.start() - 20) : m.start()].split()
            if before and (before[-1].lower() in _DETERMINERS or before[-1] in {"St", "St."}):
                continue
            after = text[m.end() : m.end() + 30]
            nxt = re.match(r"[ \t]+([A-Z][a-z]+)", after)
            if (
                nxt
                and nxt.group(1) not in FUNCTION_WORDS
                and nxt.group(1) not in self.vocab.portfolio_words
            ):
                continue  # part of a longer name ("Jane Doe Institute")
            attrs = (("given", given), ("surname", surname))
            out.append(
                Span(
                    m.start(),
                    m.end(),
                    PERSON,
                    m.group(),
                    f"{given} {surname}",
                    "person_given_name",
                    0.75,
                    attrs,
                )
            )
        return out

    def _find_posts(self, text: str) -> list[Span]:
        out: list[Span] = []
        for m in self._rank_post.finditer(text):
            rank = self._rank(m.group("rank"))
            if rank is None:
                continue
            q = m.group("q")
            end = m.end()
            if q is not None:
                words = q.split()
                if words[0] not in self.vocab.portfolio_words or words[0] in {
                    "And",
                    "Of",
                    "For",
                    "The",
                }:
                    q, end = None, m.end("rank")
                else:
                    while words and words[-1] in {"Portfolio", "Lead", "Role", "Team"}:
                        words.pop()
                    q = " ".join(words) or None
                    end = m.start("q") + len(q) if q else m.end("rank")
            elif m.group("pq"):
                q = m.group("pq").strip().title()
            prefix = rank.post_prefix or rank.name
            name = f"{prefix} {q}" if q else rank.name
            attrs = (("rank", m.group("rank")), ("rankName", rank.name))
            out.append(
                Span(m.start(), end, POST, text[m.start() : end], name, "post_rank", 0.85, attrs)
            )
        for pattern in self._posts:
            for m in pattern.finditer(text):
                words = m.group().split()
                while len(words) > 2 and words[-1] in {"Role", "Post"}:
                    words.pop()
                name = " ".join(words)
                out.append(
                    Span(m.start(), m.start() + len(name), POST, name, name, "post_title", 0.8)
                )
        return out
