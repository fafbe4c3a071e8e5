"""The GraphStore contract, run against the embedded FalkorDB (and Neo4j when NEO4J_URI is set),
then what only the embedded server has: its socket, bounds, persistence and lifecycle."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import redis
from graph_fixtures import STORE_KINDS, falkordb_settings, store_settings
from neo4j.exceptions import Neo4jError, ServiceUnavailable
from pydantic import SecretStr

from graph.falkordb import FalkorDBStore
from graph.falkordb_params import cypher_literal, params_header
from graph.model import NODE_LABELS
from graph.neo4j import Neo4jStore
from graph.store import GraphStore, QueryBounds, QueryResult, open_store
from kg.errors import InvalidRequest, QueryRejected, QueryTimeout, StoreUnavailable
from kg.settings import GraphSettings, Settings


@pytest.fixture(scope="module", params=STORE_KINDS)
def opened(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GraphStore]:
    store = open_store(store_settings(request.param, tmp_path_factory.mktemp("store")))
    yield store
    store.clear()
    store.close()


@pytest.fixture
def store(opened: GraphStore) -> GraphStore:
    """The module's store, emptied and with its schema, for each test."""
    opened.clear()
    opened.ensure_schema()
    return opened


def count(store: GraphStore, pattern: str = "(n)") -> int:
    return int(store.read(f"MATCH {pattern} RETURN count(*) AS c").rows[0][0])


# --- read and write ------------------------------------------------------------------------


def test_read_returns_columns_and_plain_scalars(store: GraphStore) -> None:
    result = store.read(
        "RETURN 1 AS i, 1.5 AS f, 'x' AS s, true AS b, null AS z, [1, 'a'] AS l, {k: 2} AS m"
    )
    assert result == QueryResult(
        columns=["i", "f", "s", "b", "z", "l", "m"],
        rows=[[1, 1.5, "x", True, None, [1, "a"], {"k": 2}]],
        truncated=False,
    )


def test_nodes_relationships_and_paths_come_back_as_json_able_dicts(store: GraphStore) -> None:
    store.write(
        "CREATE (:Person {id: 'p1', name: 'A'})-[:LEADS {since: 2020}]->"
        "(:Initiative {id: 'i1', name: 'B'})"
    )
    result = store.read(
        "MATCH p = (a:Person)-[r:LEADS]->(b:Initiative) RETURN a, r, b, p, date('2024-01-02') AS d"
    )
    a, r, b, p, d = result.rows[0]
    json.dumps(result.rows)  # nothing driver-specific is left
    assert a["labels"] == ["Person"] and a["properties"] == {"id": "p1", "name": "A"}
    assert r["type"] == "LEADS" and r["properties"] == {"since": 2020}
    assert (r["start"], r["end"]) == (a["id"], b["id"])
    assert [n["properties"]["id"] for n in p["nodes"]] == ["p1", "i1"]
    assert [rel["type"] for rel in p["relationships"]] == ["LEADS"]
    assert d == "2024-01-02"


def test_write_returns_what_the_query_returns(store: GraphStore) -> None:
    result = store.write("CREATE (d:Document {id: $id}) RETURN d.id AS id", {"id": "doc-1"})
    assert result.columns == ["id"] and result.rows == [["doc-1"]]
    assert count(store, "(:Document)") == 1


def test_write_batch_sends_every_row_in_batches(store: GraphStore) -> None:
    rows = [{"id": f"c{i}", "ordinal": i} for i in range(1234)]
    sent = store.write_batch(
        "UNWIND $rows AS row MERGE (c:Chunk {id: row.id}) SET c.ordinal = row.ordinal",
        rows,
        batch_size=100,
    )
    assert sent == 1234
    assert store.read("MATCH (c:Chunk) RETURN count(c), sum(c.ordinal)").rows == [
        [1234, sum(range(1234))]
    ]


def test_write_batch_requires_rows_parameter(store: GraphStore) -> None:
    with pytest.raises(ValueError, match=r"\$rows"):
        store.write_batch("CREATE (:Chunk {id: 'x'})", [{"id": "x"}])


def test_merge_loads_are_idempotent(store: GraphStore) -> None:
    people = [{"id": f"p{i}", "name": f"Person {i}"} for i in range(50)]
    links = [{"person": f"p{i}", "unit": f"u{i % 5}"} for i in range(50)]
    for _ in range(2):
        store.write_batch(
            "UNWIND $rows AS row MERGE (p:Person {id: row.id}) SET p.name = row.name", people
        )
        store.write_batch(
            "UNWIND $rows AS row MATCH (p:Person {id: row.person}) "
            "MERGE (u:Unit {id: row.unit}) MERGE (p)-[:MEMBER_OF]->(u)",
            links,
            batch_size=7,
        )
    assert count(store, "(:Person)") == 50
    assert count(store, "(:Unit)") == 5
    assert count(store, "()-[:MEMBER_OF]->()") == 50


def test_ensure_schema_is_idempotent_and_makes_ids_unique(store: GraphStore) -> None:
    store.ensure_schema()  # a second time changes nothing and raises nothing
    for label in NODE_LABELS:
        store.write(f"CREATE (:{label} {{id: 'same'}})")
        with pytest.raises(QueryRejected):
            store.write(f"CREATE (:{label} {{id: 'same'}})")
    assert count(store) == len(NODE_LABELS)


def test_clear_removes_all_nodes_and_relationships(store: GraphStore) -> None:
    store.write("CREATE (:Theme {id: 't'})-[:CONCERNS]->(:Risk {id: 'r'})")
    store.clear()
    assert count(store) == 0
    store.ensure_schema()
    store.write("CREATE (:Theme {id: 't'})")
    assert count(store) == 1


def test_reading_an_empty_store_returns_no_rows(opened: GraphStore) -> None:
    opened.clear()
    assert opened.read("MATCH (n) RETURN n").rows == []


def test_invalid_cypher_is_rejected(store: GraphStore) -> None:
    with pytest.raises(QueryRejected):
        store.read("MATCH (n RETURN n")


def test_non_positive_bounds_are_invalid(store: GraphStore) -> None:
    with pytest.raises(InvalidRequest, match="timeout_ms"):
        store.read("RETURN 1", timeout_ms=0)
    with pytest.raises(InvalidRequest, match="max_rows"):
        store.read("RETURN 1", max_rows=0)


# --- parameters ----------------------------------------------------------------------------

HOSTILE = [
    "it's",
    'say "hi"',
    "back\\slash",
    "trailing\\",
    "\\",
    '\\"',
    "\\'",
    "\\u0041 is not an escape",
    "\\n is two characters",
    "`backtick`",
    "``",
    "new\nline",
    "cr\r\nlf",
    "tab\there",
    "\x01\x1f\x7f",
    "$param",
    "$1 and ${x}",
    "{curly: 1}",
    "'; MATCH (n) DETACH DELETE n //",
    '"}) DETACH DELETE n //',
    "*/ /* -- ;",
    "CYPHER x=1 RETURN 1",
    "ünïcødé – “curly” ‘quotes’ 🚓 中文",
    "\u2028\u2029\ufeff",
    "",
    " ",
]


@pytest.mark.parametrize("value", HOSTILE, ids=[repr(v)[:24] for v in HOSTILE])
def test_hostile_parameter_strings_round_trip(store: GraphStore, value: str) -> None:
    store.write(
        "CREATE (:Document {id: $id, text: $v, parts: $parts})",
        {"id": "d", "v": value, "parts": [value, value + "x"]},
    )
    result = store.read(
        "MATCH (d:Document {id: $id}) WHERE d.text = $v RETURN d.text, d.parts, $m AS m",
        {"id": "d", "v": value, "m": {"k": value, "odd key-1": [value]}},
    )
    assert result.rows == [[value, [value, value + "x"], {"k": value, "odd key-1": [value]}]]
    assert count(store) == 1


def test_hostile_strings_round_trip_through_write_batch(store: GraphStore) -> None:
    rows = [{"id": f"d{i}", "text": v} for i, v in enumerate(HOSTILE)]
    store.write_batch("UNWIND $rows AS row CREATE (:Document {id: row.id, text: row.text})", rows)
    result = store.read("MATCH (d:Document) RETURN d.id, d.text", max_rows=len(rows))
    assert sorted(map(tuple, result.rows)) == sorted((r["id"], r["text"]) for r in rows)


def test_numbers_and_booleans_round_trip(store: GraphStore) -> None:
    values = [0, -1, 2**63 - 1, -(2**63), 1.5, -0.25, 1e-300, 1e300, True, False, None]
    result = store.read("RETURN $v AS v", {"v": values})
    assert result.rows == [[values]]


# --- read-only mode: the second gate --------------------------------------------------------

WRITES = [
    "CREATE (:Document {id: 'smuggled'})",
    "MERGE (:Document {id: 'smuggled'})",
    "MATCH (d:Document) SET d.title = 'changed'",
    "MATCH (d:Document) DELETE d",
    "MATCH (d:Document) DETACH DELETE d",
    "MATCH (d:Document) REMOVE d.title",
    "MATCH (d:Document) CALL { WITH d CREATE (:Risk {id: 'smuggled'}) } RETURN d",
]


@pytest.mark.parametrize("query", WRITES)
def test_read_refuses_writes_that_skipped_the_gate(store: GraphStore, query: str) -> None:
    store.write("CREATE (:Document {id: 'kept', title: 'original'})")
    with pytest.raises(QueryRejected):
        store.read(query)
    assert store.read("MATCH (n) RETURN n.id, n.title").rows == [["kept", "original"]]


# --- bounds --------------------------------------------------------------------------------


def test_row_cap_truncates_and_says_so(store: GraphStore) -> None:
    capped = store.read("UNWIND range(1, 20) AS x RETURN x", max_rows=5)
    assert capped.rows == [[1], [2], [3], [4], [5]] and capped.truncated
    exact = store.read("UNWIND range(1, 20) AS x RETURN x", max_rows=20)
    assert len(exact.rows) == 20 and not exact.truncated


def test_row_cap_defaults_and_is_clamped_to_the_limit(store: GraphStore) -> None:
    default = store.read("UNWIND range(1, 150) AS x RETURN x")
    assert len(default.rows) == 100 and default.truncated  # settings.graph.max_rows
    clamped = store.read("UNWIND range(1, 5000) AS x RETURN x", max_rows=1_000_000)
    assert len(clamped.rows) == 1_000 and clamped.truncated  # settings.graph.max_rows_limit


def test_runaway_query_times_out_and_the_store_stays_usable(store: GraphStore) -> None:
    store.write("UNWIND range(1, 30) AS i CREATE (:Risk {id: 'r' + toString(i)})")
    store.write("MATCH (a:Risk), (b:Risk) WHERE a <> b CREATE (a)-[:DEPENDS_ON]->(b)")
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        store.read("MATCH p = (:Risk)-[:DEPENDS_ON*]->(:Risk) RETURN count(p)", timeout_ms=300)
    assert time.monotonic() - started < 5
    assert count(store, "(:Risk)") == 30
    assert count(store, "()-[:DEPENDS_ON]->()") == 30 * 29


# --- FalkorDB only: parameter rendering, server, bounds, lifecycle ---------------------------


@pytest.fixture(scope="module")
def falkor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FalkorDBStore]:
    # A small memory bound so the allocation test reaches it quickly.
    store = open_store(falkordb_settings(tmp_path_factory.mktemp("falkor"), query_memory_mb=32))
    assert isinstance(store, FalkorDBStore)
    yield store
    store.close()


def server_client(store: FalkorDBStore) -> redis.Redis:
    assert store.server is not None
    return redis.Redis(unix_socket_path=str(store.server.socket_path), decode_responses=True)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("a\x00b", "NUL"),
        (float("inf"), "infinite"),
        (float("nan"), "NaN"),
        (2**63, "64-bit"),
        (date(2024, 1, 2), "unsupported type date"),
        ("\ud800", "surrogate"),
        ({"bad`key": 1}, "map key"),
        ([1, {"x": float("-inf")}], r"v\[1\]\.x"),
    ],
)
def test_values_falkordb_cannot_carry_are_refused_not_corrupted(
    falkor: FalkorDBStore, value: Any, why: str
) -> None:
    falkor.clear()
    with pytest.raises(InvalidRequest, match=why):
        falkor.write("CREATE (:Document {id: 'x', v: $v})", {"v": value})
    assert count(falkor) == 0


@pytest.mark.parametrize("name", ["bad-name", "", "1x", "a b", "x`"])
def test_invalid_parameter_names_are_refused(falkor: FalkorDBStore, name: str) -> None:
    with pytest.raises(InvalidRequest, match="parameter name"):
        falkor.read("RETURN 1", {name: 1})


def test_params_header_renders_each_value_once_quoted() -> None:
    assert params_header(None) == ""
    assert params_header({"a": 'x"\\y', "b": [1, None, True]}) == (
        'CYPHER a="x\\"\\\\y" b=[1,null,true] '
    )
    assert cypher_literal({"k": 1.5}) == "{`k`:1.5}"


def test_server_listens_only_on_a_private_unix_socket(falkor: FalkorDBStore) -> None:
    assert falkor.server is not None
    client = server_client(falkor)
    assert client.config_get("port") == {"port": "0"}
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    socket_path = falkor.server.socket_path
    assert socket_path.parent.name == "graph"
    assert stat.S_IMODE(socket_path.stat().st_mode) == 0o700
    client.close()


def test_server_wide_bounds_come_from_settings(falkor: FalkorDBStore) -> None:
    client = server_client(falkor)
    config = dict(client.execute_command("GRAPH.CONFIG", "GET", "*"))
    client.close()
    assert config["TIMEOUT_MAX"] == 20_000
    assert config["TIMEOUT_DEFAULT"] == 5_000
    assert config["RESULTSET_SIZE"] == 1_001  # one more than max_rows_limit, to see truncation
    assert config["QUERY_MEM_CAPACITY"] == 32 * 1024 * 1024


def test_server_wide_timeout_bounds_clients_that_bypass_the_adapter(
    falkor: FalkorDBStore,
) -> None:
    client = server_client(falkor)
    with pytest.raises(redis.ResponseError, match="TIMEOUT_MAX"):
        client.execute_command("GRAPH.RO_QUERY", "kg", "RETURN 1", "timeout", 10**9)
    client.close()


def test_runaway_allocation_hits_the_memory_bound(falkor: FalkorDBStore) -> None:
    started = time.monotonic()
    with pytest.raises(QueryRejected, match="memory"):
        falkor.read("UNWIND range(1, 10000000) AS x RETURN count(x)", timeout_ms=10_000)
    assert time.monotonic() - started < 10
    assert falkor.read("RETURN 1").rows == [[1]]


def test_refused_procedure_call_in_read_only_mode(falkor: FalkorDBStore) -> None:
    with pytest.raises(QueryRejected, match="read-only"):
        falkor.read("CALL db.idx.fulltext.createNodeIndex('Document', 'title')")


def test_restart_keeps_data_in_the_append_only_file(tmp_path: Path) -> None:
    settings = falkordb_settings(tmp_path)
    first = open_store(settings)
    assert isinstance(first, FalkorDBStore) and first.server is not None
    first.ensure_schema()
    first.write("CREATE (:Person {id: 'p', name: $n})", {"n": "kept\nacross restarts"})
    socket_path = first.server.socket_path
    first.close()
    assert not socket_path.exists()

    second = open_store(settings)
    try:
        assert second.read("MATCH (p:Person) RETURN p.name").rows == [["kept\nacross restarts"]]
        with pytest.raises(QueryRejected):  # the constraint came back too
            second.write("CREATE (:Person {id: 'p'})")
    finally:
        second.close()


def test_second_store_attaches_to_the_running_server(tmp_path: Path) -> None:
    settings = falkordb_settings(tmp_path)
    owner = open_store(settings)
    other = open_store(settings)
    try:
        assert isinstance(owner, FalkorDBStore) and isinstance(other, FalkorDBStore)
        assert owner.server is not None and other.server is not None
        assert owner.server.owned and not other.server.owned
        other.write("CREATE (:Unit {id: 'u'})")
        other.close()  # leaves the server running for its owner
        assert count(owner) == 1
    finally:
        owner.close()


def test_stale_pid_file_does_not_stop_a_start(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    graph_dir = tmp_path / "graph"
    graph_dir.mkdir()
    (graph_dir / "falkordb.pid").write_text(f"{dead.pid}\n")
    store = open_store(falkordb_settings(tmp_path))
    try:
        assert isinstance(store, FalkorDBStore) and store.server is not None
        assert store.server.owned
    finally:
        store.close()


def test_failed_start_raises_store_unavailable_with_the_log(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(StoreUnavailable, match="exited on start") as raised:
            open_store(falkordb_settings(tmp_path, falkordb_port=port))
    assert "falkordb.log" in raised.value.message
    assert not (tmp_path / "graph" / "falkordb.sock").exists()


def test_lost_server_raises_store_unavailable(tmp_path: Path) -> None:
    store = open_store(falkordb_settings(tmp_path))
    assert isinstance(store, FalkorDBStore) and store.server is not None
    pid = int(store.server.pid_path.read_text())
    os.kill(pid, signal.SIGKILL)
    try:
        with pytest.raises(StoreUnavailable):
            for _ in range(50):  # until the kernel has closed the socket
                store.read("RETURN 1")
                time.sleep(0.01)
    finally:
        store.close()


# --- Neo4j adapter logic without a server ---------------------------------------------------
# No Neo4j can run here, so these use a fake driver (the contract tests above run against a
# real one when NEO4J_URI is set). They show the order of the checks, not Neo4j's behaviour.


class FakeResult:
    def __init__(self, query_type: str, rows: list[list[Any]]) -> None:
        self.query_type, self.rows, self.fetched = query_type, rows, 0

    def consume(self) -> Any:
        return SimpleNamespace(query_type=self.query_type)

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:  # records stream in: count how many were pulled
            self.fetched += 1
            yield SimpleNamespace(values=lambda row=row: row)

    def keys(self) -> list[str]:
        return ["x"]


class FakeDriver:
    def __init__(self, query_type: str = "r", rows: int = 0, error: Exception | None = None):
        self.query_type, self.rows, self.error = query_type, rows, error
        self.log: list[tuple[str, Any]] = []
        self.results: list[FakeResult] = []

    def session(self, database: str) -> Any:
        return self

    def __enter__(self) -> FakeDriver:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute_read(self, work: Any) -> Any:
        self.log.append(("read transaction", work.timeout))
        return work(self)

    def execute_write(self, work: Any) -> Any:
        self.log.append(("write transaction", work.timeout))
        return work(self)

    def run(self, text: str, params: dict[str, Any]) -> FakeResult:
        self.log.append(("run", text))
        if self.error is not None and not text.startswith("EXPLAIN"):
            raise self.error
        result = FakeResult(self.query_type, [[i] for i in range(self.rows)])
        self.results.append(result)
        return result


def _neo4j_error(code: str) -> Neo4jError:
    return Neo4jError._hydrate_neo4j(code=code, message="from the server")


def neo4j_store(driver: FakeDriver) -> Neo4jStore:
    return Neo4jStore(cast(Any, driver), "neo4j", QueryBounds(5_000, 20_000, 100, 1_000))


def test_neo4j_read_explains_first_and_refuses_non_read_plans() -> None:
    driver = FakeDriver(query_type="rw")
    with pytest.raises(QueryRejected, match="'rw'"):
        neo4j_store(driver).read("MATCH (n) SET n.x = 1")
    assert driver.log == [("read transaction", 5.0), ("run", "EXPLAIN MATCH (n) SET n.x = 1")]


def test_neo4j_read_runs_in_a_read_transaction_with_timeout_and_row_cap() -> None:
    driver = FakeDriver(rows=10)
    result = neo4j_store(driver).read("MATCH (n) RETURN n", timeout_ms=1_500, max_rows=4)
    assert driver.log == [
        ("read transaction", 1.5),
        ("run", "EXPLAIN MATCH (n) RETURN n"),
        ("read transaction", 1.5),
        ("run", "MATCH (n) RETURN n"),
    ]
    assert driver.results[-1].fetched == 5  # the cap plus one, to see truncation: no more
    assert result == QueryResult(["x"], [[0], [1], [2], [3]], truncated=True)


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (
            _neo4j_error("Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"),
            QueryTimeout,
        ),
        (_neo4j_error("Neo.ClientError.Statement.AccessMode"), QueryRejected),
        (_neo4j_error("Neo.ClientError.Statement.SyntaxError"), QueryRejected),
        (_neo4j_error("Neo.DatabaseError.General.UnknownError"), StoreUnavailable),
        (ServiceUnavailable("gone"), StoreUnavailable),
    ],
)
def test_neo4j_errors_map_to_the_exception_tree(error: Exception, raised: type[Exception]) -> None:
    with pytest.raises(raised) as caught:
        neo4j_store(FakeDriver(error=error)).read("MATCH (n) RETURN n")
    assert caught.value.__cause__ is error


def test_neo4j_needs_a_password_and_a_reachable_server(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="NEO4J_PASSWORD"):
        open_store(Settings(data_dir=tmp_path, graph=GraphSettings(store="neo4j")))
    unreachable = GraphSettings(
        store="neo4j", neo4j_uri="bolt://127.0.0.1:1", neo4j_password=SecretStr("x")
    )
    with pytest.raises(StoreUnavailable, match="cannot reach Neo4j"):
        open_store(Settings(data_dir=tmp_path, graph=unreachable))


def test_neo4j_syntax_errors_say_where_without_the_server_format() -> None:
    message = (
        'Invalid input \'RETURN\': expected "(" (line 2, column 1 (offset: 9))\n"RETURN n"\n ^'
    )
    error = Neo4jError._hydrate_neo4j(code="Neo.ClientError.Statement.SyntaxError", message=message)
    with pytest.raises(QueryRejected) as caught:
        neo4j_store(FakeDriver(error=error)).read("MATCH (n\nRETURN n")
    assert caught.value.message == (
        "Cypher syntax error at line 2, column 1: Invalid input 'RETURN': expected \"(\""
    )
    assert caught.value.detail == {"line": 2, "column": 1, "offset": 9}


def test_neo4j_credentials_come_from_the_auth_file_when_no_password_is_set(
    tmp_path: Path,
) -> None:
    from graph.neo4j import credentials

    secret = tmp_path / "neo4j_auth"
    secret.write_text("neo4j/s3cret/with-slash\n", encoding="utf-8")
    assert credentials(GraphSettings(store="neo4j", neo4j_auth_file=secret)) == (
        "neo4j",
        "s3cret/with-slash",
    )
    secret.write_text("no-slash", encoding="utf-8")
    with pytest.raises(StoreUnavailable, match="must hold user/password"):
        credentials(GraphSettings(store="neo4j", neo4j_auth_file=secret))
    with pytest.raises(StoreUnavailable, match="cannot read") as caught:
        credentials(GraphSettings(store="neo4j", neo4j_auth_file=tmp_path / "missing"))
    assert str(tmp_path) not in caught.value.message


def test_neo4j_reset_builds_a_new_driver_and_closes_the_old_one() -> None:
    old, new = FakeDriver(), FakeDriver()
    closed: list[FakeDriver] = []
    old.close = lambda: closed.append(old)  # type: ignore[method-assign]
    store = Neo4jStore(
        cast(Any, old), "neo4j", QueryBounds(5_000, 20_000, 100, 1_000), connect=lambda: new
    )
    store.reset()
    assert closed == [old]
    store.ping(1.0)
    assert new.log == [("read transaction", 1.0), ("run", "RETURN 1")]
