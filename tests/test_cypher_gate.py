"""The first gate for analysts' Cypher: one read statement, named read procedures only."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from graph_fixtures import falkordb_settings

from graph.cypher_gate import ALLOWED_PROCEDURES, check_cypher
from graph.cypher_tokens import Kind, tokenize
from graph.store import GraphStore, open_store
from kg.errors import QueryRejected

MAX = 10_000


def gate(query: str) -> str:
    return check_cypher(query, max_chars=MAX)


ACCEPTED = [
    "MATCH (n:Person) RETURN n.name",
    "MATCH (n:Person) RETURN n.name;",
    "MATCH (n:Person) RETURN n.name ;  // trailing comment",
    "MATCH (n) WHERE n.name = 'CREATE (x)' RETURN n",
    'MATCH (n) WHERE n.name = "DELETE; DROP" RETURN n',
    "MATCH (n) WHERE n.quote = 'it\\'s; SET x' RETURN n",
    'MATCH (n) WHERE n.quote = "say \\"MERGE\\"; x" RETURN n',
    "MATCH (n) RETURN n // CREATE (x); DELETE n",
    "MATCH (n) /* SET n.x = 1; */ RETURN n",
    "MATCH (n) RETURN n.`CREATE; SET` AS `weird;name`",
    "MATCH (n) RETURN n.`a``b` AS x",
    "MATCH (n) RETURN n.set, n.delete, n.merge, n.create",
    "MATCH (n:Merge)-[:CREATE]->(m:Delete) RETURN m",
    "RETURN {set: 1, create: 2, use: 3} AS m",
    "MATCH (n) WHERE n.createdAt > $since AND n.loaded = $load RETURN n",
    "MATCH (n) WHERE n.id = $create RETURN n",
    "MATCH (n) WITH n AS settled, n.offset AS dropped_count RETURN settled",
    "CALL db.labels() YIELD label RETURN label",
    "CALL db.relationshipTypes()",
    "call DB.PROPERTYKEYS()",
    "CALL db.indexes()",
    "CALL db.constraints()",
    "CALL db.idx.fulltext.queryNodes('Person', $q) YIELD node RETURN node",
    "CALL `db`.`labels`()",
    "CALL { MATCH (n) RETURN n } RETURN n",
    "MATCH (n) CALL (n) { MATCH (n)--(m) RETURN m } RETURN m",
    "MATCH p = (a)-[:DEPENDS_ON*1..3]->(b) RETURN p",
    "MATCH (n) RETURN n.x * 1.5e3, 0x1F, 1_000",
    "UNWIND [';', \"'\", '`', '//', '/*'] AS s RETURN s",
    "RETURN '日本語; CREATE' AS s",
]


@pytest.mark.parametrize("query", ACCEPTED)
def test_read_queries_pass(query: str) -> None:
    assert gate(query)


REFUSED = [
    ("CREATE (n:Person {name: 'x'})", "write clause CREATE"),
    ("MATCH (n) MERGE (m:Unit {id: 'u'})", "write clause MERGE"),
    ("MATCH (n) SET n.name = 'x'", "write clause SET"),
    ("MATCH (n) DELETE n", "write clause DELETE"),
    ("MATCH (n) DETACH DELETE n", "write clause DETACH"),
    ("MATCH (n) REMOVE n.name", "write clause REMOVE"),
    ("MATCH (n) FOREACH (x IN [1] | SET n.x = x)", "write clause FOREACH"),
    ("DROP INDEX ON :Person(name)", "write clause DROP"),
    ("INSERT (:Person {name: 'x'})", "write clause INSERT"),
    ("match (n) set n.x = 1", "write clause SET"),
    ("MATCH (n) CALL { WITH n CREATE (:X) } RETURN n", "write clause CREATE"),
    ("LOAD CSV FROM 'https://example.com/x.csv' AS row RETURN row", "LOAD CSV"),
    ("load csv with headers from 'file:///etc/passwd' AS r RETURN r", "LOAD CSV"),
    ("USE other MATCH (n) RETURN n", "USE"),
    ("MATCH (n) RETURN n; MATCH (m) RETURN m", "multiple statements"),
    ("MATCH (n) RETURN n;;", "multiple statements"),
    ("RETURN 1; CREATE (n)", "multiple statements"),
    ("CALL db.idx.fulltext.createNodeIndex('Person', 'name')", "db.idx.fulltext.createNodeIndex"),
    ("CALL db.idx.fulltext.drop('Person')", "db.idx.fulltext.drop"),
    ("CALL dbms.killQuery('x')", "dbms.killQuery"),
    ("CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DELETE n', {})", "apoc.periodic"),
    ("CALL algo.pageRank('Person', 'KNOWS')", "algo.pageRank"),
    ("MATCH (n) CALL db.createLabel('X') RETURN n", "db.createLabel"),
    ("CALL", "CALL without a procedure"),
    ("GRANT ROLE admin TO bob", "administration command GRANT"),
    ("SHOW TRANSACTIONS", "administration command SHOW"),
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "administration command TERMINATE"),
    ("EXPLAIN MATCH (n) RETURN n", "EXPLAIN prefix"),
    ("PROFILE MATCH (n) RETURN n", "PROFILE prefix"),
    ("CYPHER x=1 MATCH (n) RETURN n", "CYPHER prefix"),
    ("", "empty query"),
    ("  // only a comment", "empty query"),
    (";", "empty query"),
    ("MATCH (n) WHERE n.x = 'unterminated RETURN n", "unterminated string"),
    ("MATCH (n) RETURN n.`open", "unterminated quoted name"),
    ("MATCH (n) /* never closed RETURN n", "unterminated comment"),
]


@pytest.mark.parametrize(("query", "named"), REFUSED)
def test_writes_and_unsafe_forms_are_refused_by_name(query: str, named: str) -> None:
    with pytest.raises(QueryRejected, match=re.escape(named)):
        gate(query)


def test_refusal_says_where() -> None:
    with pytest.raises(QueryRejected) as raised:
        gate("MATCH (n) WHERE n.s = 'SET' SET n.x = 1")
    assert raised.value.detail == {"refused": "write clause SET", "offset": 28}


def test_over_long_query_is_refused() -> None:
    query = "RETURN '" + "x" * 200 + "'"
    assert check_cypher(query, max_chars=len(query)) == query
    with pytest.raises(QueryRejected, match="characters long; the limit is 100"):
        check_cypher(query, max_chars=100)


def test_trailing_semicolon_is_removed_and_the_rest_kept() -> None:
    assert gate("MATCH (n) RETURN n; // done") == "MATCH (n) RETURN n // done"
    assert gate("RETURN ';'") == "RETURN ';'"


def test_procedure_allowlist_can_be_narrowed() -> None:
    assert "db.labels" in ALLOWED_PROCEDURES
    with pytest.raises(QueryRejected, match=r"db\.labels"):
        check_cypher("CALL db.labels()", max_chars=MAX, procedures=["db.propertyKeys"])


def test_tokenizer_keeps_strings_comments_and_names_apart() -> None:
    tokens = tokenize("MATCH (n) // x; y\nWHERE n.a = 'b\\'; c' /* ; */ RETURN `d;e`, $p")
    kinds = [(t.kind, t.text) for t in tokens if t.kind is not Kind.PUNCT]
    assert kinds == [
        (Kind.WORD, "MATCH"),
        (Kind.WORD, "n"),
        (Kind.WORD, "WHERE"),
        (Kind.WORD, "n"),
        (Kind.WORD, "a"),
        (Kind.STRING, "'b\\'; c'"),
        (Kind.WORD, "RETURN"),
        (Kind.NAME, "`d;e`"),
        (Kind.PARAM, "$p"),
    ]


# --- gate and store together ----------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    opened = open_store(falkordb_settings(tmp_path_factory.mktemp("gate")))
    opened.ensure_schema()
    opened.write("CREATE (:Person {id: 'p', name: 'CREATE; DELETE'})")
    yield opened
    opened.close()


def test_accepted_queries_with_keywords_in_strings_run_on_the_store(store: GraphStore) -> None:
    query = gate("MATCH (p:Person) WHERE p.name = 'CREATE; DELETE' RETURN p.name /* SET */;")
    assert store.read(query).rows == [["CREATE; DELETE"]]


@pytest.mark.parametrize("query", ["CALL db.labels()", "CALL db.propertyKeys()"])
def test_allowed_procedures_run_in_read_only_mode(store: GraphStore, query: str) -> None:
    assert store.read(gate(query)).rows


def test_a_write_that_slips_past_the_gate_is_refused_by_the_store(store: GraphStore) -> None:
    # The gate is a pre-filter; suppose a write got through it (a keyword it does not know):
    # the store's read-only mode still refuses it and nothing changes.
    with pytest.raises(QueryRejected, match="read-only"):
        store.read("MATCH (p:Person) CREATE (:Risk {id: 'smuggled'})")
    with pytest.raises(QueryRejected, match="read-only"):
        store.read("MATCH (p:Person) SET p.name = 'changed'")
    assert store.read("MATCH (n) RETURN n.id, n.name").rows == [["p", "CREATE; DELETE"]]
