"""A small Cypher tokenizer: just enough to see keywords, names, strings and statement ends.

It knows '...' and "..." strings (with backslash escapes), `quoted names` (`` is an escaped
backtick), $parameters, numbers, // and /* */ comments. Comments and whitespace are dropped,
so the gate never mistakes text inside a string or comment for a keyword or a semicolon.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from kg.errors import QueryRejected


class Kind(Enum):
    """What a token is."""

    WORD = "word"  # keyword or unquoted name
    NAME = "name"  # `quoted name`
    STRING = "string"
    NUMBER = "number"
    PARAM = "param"
    PUNCT = "punct"


@dataclass(frozen=True)
class Token:
    """One token and where it starts in the query text."""

    kind: Kind
    text: str
    start: int

    @property
    def end(self) -> int:
        """Offset just past the token."""
        return self.start + len(self.text)

    @property
    def upper(self) -> str:
        """The token text upper-cased, for keyword comparisons."""
        return self.text.upper()


def tokenize(query: str) -> list[Token]:
    """Split a query into tokens; unterminated strings, names or comments are rejected."""
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif query.startswith("//", i):
            end = query.find("\n", i)
            i = n if end < 0 else end + 1
        elif query.startswith("/*", i):
            end = query.find("*/", i + 2)
            if end < 0:
                raise _unterminated("comment", i)
            i = end + 2
        elif c in "'\"":
            end = _string_end(query, i)
            tokens.append(Token(Kind.STRING, query[i:end], i))
            i = end
        elif c == "`":
            end = _quoted_name_end(query, i)
            tokens.append(Token(Kind.NAME, query[i:end], i))
            i = end
        elif c == "$":
            end = i + 1
            if end < n and query[end] == "`":
                end = _quoted_name_end(query, end)
            else:
                while end < n and _is_word_char(query[end]):
                    end += 1
            tokens.append(Token(Kind.PARAM, query[i:end], i))
            i = end
        elif c.isdigit():
            end = _number_end(query, i)
            tokens.append(Token(Kind.NUMBER, query[i:end], i))
            i = end
        elif _is_word_start(c):
            end = i + 1
            while end < n and _is_word_char(query[end]):
                end += 1
            tokens.append(Token(Kind.WORD, query[i:end], i))
            i = end
        else:
            tokens.append(Token(Kind.PUNCT, c, i))
            i += 1
    return tokens


def _string_end(query: str, start: int) -> int:
    quote, i, n = query[start], start + 1, len(query)
    while i < n:
        if query[i] == "\\":
            i += 2
        elif query[i] == quote:
            return i + 1
        else:
            i += 1
    raise _unterminated("string", start)


def _quoted_name_end(query: str, start: int) -> int:
    i, n = start + 1, len(query)
    while i < n:
        if query[i] == "`":
            if query.startswith("``", i):
                i += 2
                continue
            return i + 1
        i += 1
    raise _unterminated("quoted name", start)


def _number_end(query: str, start: int) -> int:
    i, n = start, len(query)
    while i < n and (query[i].isalnum() or query[i] == "_"):  # 12, 0x1F, 1e5, 1_000
        i += 1
    # A fraction only when a digit follows the dot: `1..3` in [*1..3] is a range.
    if i + 1 < n and query[i] == "." and query[i + 1].isdigit():
        i += 1
        while i < n and (query[i].isalnum() or query[i] == "_"):
            i += 1
    return i


def _is_word_start(c: str) -> bool:
    return c.isalpha() or c == "_"


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _unterminated(what: str, offset: int) -> QueryRejected:
    return QueryRejected(f"unterminated {what} at offset {offset}", {"offset": offset})
