"""The first gate for analysts' Cypher, before any store sees it.

One statement (a trailing semicolon is fine), no clause that writes or administers, no LOAD CSV
(it fetches files and URLs even in a read-only query), no USE, and CALL only to a named set of
read procedures. Keywords are matched as tokens, so they may appear freely inside strings,
comments, quoted names, property keys, labels and parameters. This is a pre-filter with clear
messages; the store's own read-only mode (FalkorDB GRAPH.RO_QUERY, Neo4j EXPLAIN query type
plus a READ transaction) is the gate that holds if something slips past this one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NoReturn

from graph.cypher_tokens import Kind, Token, tokenize
from kg.errors import QueryRejected

WRITE_CLAUSES = frozenset(
    {"CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "FOREACH", "INSERT"}
)
# Administration commands (Neo4j): they change users, privileges, databases or transactions,
# or (SHOW) list other users' queries; the allowed procedures cover schema listing.
ADMIN_COMMANDS = frozenset(
    {"GRANT", "DENY", "REVOKE", "ALTER", "RENAME", "TERMINATE", "SHOW", "ENABLE", "DEALLOCATE"}
)
# Statement prefixes: CYPHER sets options (and, on FalkorDB, parameters); PROFILE executes.
PREFIXES = frozenset({"CYPHER", "EXPLAIN", "PROFILE"})

ALLOWED_PROCEDURES = frozenset(
    name.lower()
    for name in (
        "db.labels",
        "db.relationshipTypes",
        "db.propertyKeys",
        "db.indexes",
        "db.constraints",
        "db.idx.fulltext.queryNodes",  # FalkorDB full-text search
        "db.index.fulltext.queryNodes",  # Neo4j full-text search
    )
)


# Words after which a + or - is a sign (unary), not arithmetic.
_OPERATOR_WORDS = frozenset(
    {
        "RETURN",
        "WITH",
        "WHERE",
        "AND",
        "OR",
        "XOR",
        "NOT",
        "WHEN",
        "THEN",
        "ELSE",
        "IN",
        "UNWIND",
        "CASE",
        "IS",
        "SKIP",
        "LIMIT",
        "BY",
        "STARTS",
        "ENDS",
        "CONTAINS",
    }
)
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = frozenset(_OPEN.values())


def check_cypher(
    query: str,
    *,
    max_chars: int,
    procedures: Iterable[str] = ALLOWED_PROCEDURES,
    max_nesting: int | None = None,
) -> str:
    """Return the single read statement in `query` (trailing semicolon removed) or refuse it.

    Raises QueryRejected naming what was refused.
    """
    if len(query) > max_chars:
        raise QueryRejected(
            f"query is {len(query)} characters long; the limit is {max_chars}",
            {"length": len(query), "max_chars": max_chars},
        )
    tokens = tokenize(query)
    if not tokens:
        raise QueryRejected("empty query")
    statement, tokens = _single_statement(query, tokens)
    if max_nesting is not None:
        _check_nesting(tokens, max_nesting)
    allowed = {p.lower() for p in procedures}
    first = tokens[0]
    if first.kind is Kind.WORD and first.upper in PREFIXES:
        _refuse(f"{first.upper} prefix", first)
    for i, token in enumerate(tokens):
        if token.kind is not Kind.WORD or _used_as_name(tokens, i):
            continue
        word = token.upper
        if word in WRITE_CLAUSES:
            _refuse(f"write clause {word}", token)
        if word in ADMIN_COMMANDS:
            _refuse(f"administration command {word}", token)
        if word == "USE":
            _refuse("USE (switching graphs or databases)", token)
        if word == "LOAD" and _next_is(tokens, i, "CSV"):
            _refuse("LOAD CSV (it reads files and URLs)", token)
        if word == "CALL":
            _check_call(tokens, i, allowed)
    return statement


def nesting_depth(tokens: Sequence[Token]) -> tuple[int, int]:
    """The deepest nesting in a query and the offset where it is reached.

    Brackets, CASE ... END and runs of prefix operators (NOT, a sign) each open a level: the
    parser recurses once per level, and FalkorDB's takes time exponential in the depth (20
    nested brackets held it for seconds, 25 for longer than any time limit, outside its query
    timeout). A run of prefix operators is counted in full, which may overcount NOT chains
    that are not nested; that errs on the side of refusing.
    """
    stack: list[int] = []  # prefix operators pending at each open level
    prefixes = depth = deepest = 0
    where = 0
    previous: Token | None = None
    for token in tokens:
        opened = False
        if (token.kind is Kind.PUNCT and token.text in _OPEN) or (
            token.kind is Kind.WORD and token.upper == "CASE"
        ):
            stack.append(prefixes)
            depth += 1
            prefixes = 0
            opened = True
        elif (token.kind is Kind.PUNCT and token.text in _CLOSE) or (
            token.kind is Kind.WORD and token.upper == "END"
        ):
            if stack:
                depth -= 1
                prefixes = stack.pop()
        elif _is_prefix_operator(token, previous):
            prefixes += 1
            opened = True
        else:
            prefixes = 0 if token.kind is not Kind.PUNCT else prefixes
        level = depth + prefixes + sum(stack)
        if opened and level > deepest:
            deepest, where = level, token.start
        previous = token
    return deepest, where


def _is_prefix_operator(token: Token, previous: Token | None) -> bool:
    if token.kind is Kind.WORD and token.upper == "NOT":
        return True
    if token.kind is not Kind.PUNCT or token.text not in "+-":
        return False
    if previous is None:
        return True
    if previous.kind is Kind.PUNCT:
        return previous.text not in _CLOSE
    return previous.kind is Kind.WORD and previous.upper in _OPERATOR_WORDS


def _check_nesting(tokens: Sequence[Token], max_nesting: int) -> None:
    depth, offset = nesting_depth(tokens)
    if depth > max_nesting:
        raise QueryRejected(
            f"query is nested {depth} levels deep (brackets, CASE, NOT or signs) at offset "
            f"{offset}; the limit is {max_nesting}: flatten it, e.g. with WITH clauses or lists",
            {"refused": "nesting", "depth": depth, "max_nesting": max_nesting, "offset": offset},
        )


def _single_statement(query: str, tokens: list[Token]) -> tuple[str, list[Token]]:
    semicolons = [i for i, t in enumerate(tokens) if t.kind is Kind.PUNCT and t.text == ";"]
    if not semicolons:
        return query, tokens
    first = semicolons[0]
    if first != len(tokens) - 1:
        raise QueryRejected(
            "multiple statements: send exactly one (a trailing semicolon is fine)",
            {"refused": "multiple statements", "offset": tokens[first].start},
        )
    if first == 0:
        raise QueryRejected("empty query")
    at = tokens[first].start
    return query[:at] + query[at + 1 :], tokens[:first]


def _used_as_name(tokens: Sequence[Token], i: int) -> bool:
    """A keyword-looking word used as a property key, label, type, map key or namespace."""
    before = tokens[i - 1] if i > 0 else None
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    if before is not None and before.kind is Kind.PUNCT and before.text in ".:":
        return True  # n.set, (n:Merge), [:CREATE], apoc.create
    return after is not None and after.kind is Kind.PUNCT and after.text in ":."  # {set: 1}


def _next_is(tokens: Sequence[Token], i: int, word: str) -> bool:
    return i + 1 < len(tokens) and tokens[i + 1].kind is Kind.WORD and tokens[i + 1].upper == word


def _check_call(tokens: Sequence[Token], i: int, allowed: set[str]) -> None:
    call = tokens[i]
    if i + 1 >= len(tokens):
        _refuse("CALL without a procedure", call)
    nxt = tokens[i + 1]
    if nxt.kind is Kind.PUNCT and nxt.text in "{(":
        # A subquery, CALL { ... } or CALL (x) { ... }: its clauses are checked like the rest.
        return
    name_parts: list[str] = []
    j = i + 1
    while j < len(tokens) and tokens[j].kind in (Kind.WORD, Kind.NAME):
        name_parts.append(tokens[j].text.strip("`"))
        if j + 1 < len(tokens) and tokens[j + 1].kind is Kind.PUNCT and tokens[j + 1].text == ".":
            j += 2
            continue
        break
    name = ".".join(name_parts)
    if not name or name.lower() not in allowed:
        raise QueryRejected(
            f"CALL to procedure {name or '?'!r} is not allowed; allowed: "
            + ", ".join(sorted(allowed)),
            {"refused": f"CALL {name}", "offset": call.start},
        )


def _refuse(what: str, token: Token) -> NoReturn:
    raise QueryRejected(
        f"{what} is not allowed: only read queries may be run here",
        {"refused": what, "offset": token.start},
    )
