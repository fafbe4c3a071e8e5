"""GraphStore adapter for a Neo4j 5 server, through the official driver."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import neo4j
from neo4j import GraphDatabase, ManagedTransaction, unit_of_work
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)
from neo4j.graph import Node, Path, Relationship

from graph import writes
from graph.store import QueryBounds, QueryResult, batches, check_batch_query, take_rows
from kg.errors import KgError, QueryRejected, QueryTimeout, StoreUnavailable

if TYPE_CHECKING:
    from kg.settings import GraphSettings, Settings

T = TypeVar("T")

# Driver-side retries of transient failures; kept short so a failing read does not keep an
# analyst's request open for the driver's default 30 s.
MAX_RETRY_TIME_S = 5.0


class Neo4jStore:
    """A GraphStore over one Neo4j database; takes a driver built once by the caller."""

    def __init__(
        self,
        driver: neo4j.Driver,
        database: str,
        bounds: QueryBounds,
        *,
        batch_size: int = 500,
        connect: Callable[[], neo4j.Driver] | None = None,
    ) -> None:
        self._driver = driver
        self._database = database
        self._bounds = bounds
        self._batch_size = batch_size
        self._connect = connect

    def read(
        self,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """EXPLAIN first (query type must be "r"), then run in a READ transaction."""
        cap = self._bounds.rows(max_rows)
        timeout_s = self._bounds.timeout_ms(timeout_ms) / 1000
        params = dict(params or {})

        def explain(tx: ManagedTransaction) -> str | None:
            return tx.run("EXPLAIN " + query, params).consume().query_type

        def fetch(tx: ManagedTransaction) -> tuple[list[str], list[list[Any]], bool]:
            result = tx.run(query, params)
            # Records stream in; take_rows stops at the cap (one more tells it was cut off) or
            # at the size budget, so neither bounds the other away.
            rows, truncated = take_rows(
                (r.values() for r in result), cap, self._bounds.max_result_bytes, to_plain
            )
            return list(result.keys()), rows, truncated

        # The READ access mode alone only routes the query; the query type of the plan is the
        # check. Query(text, timeout=...) works only for auto-commit session.run (the driver
        # refuses Query objects in transaction functions), so the time limit is attached to
        # the transaction function with unit_of_work.
        query_type = self._execute(explain, read=True, timeout_s=timeout_s)
        if query_type != "r":
            raise QueryRejected(
                f"only read queries are allowed; Neo4j plans this one as type {query_type!r}",
                {"query_type": query_type},
            )
        columns, rows, truncated = self._execute(fetch, read=True, timeout_s=timeout_s)
        return QueryResult(columns=columns, rows=rows, truncated=truncated)

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        """Run one query in a write transaction under the longest time limit."""
        params = dict(params or {})

        def work(tx: ManagedTransaction) -> tuple[list[str], list[list[Any]]]:
            result = tx.run(query, params)
            rows = [[to_plain(v) for v in r.values()] for r in result]
            return list(result.keys()), rows

        columns, rows = self._execute(
            work, read=False, timeout_s=self._bounds.max_timeout_ms / 1000
        )
        return QueryResult(columns=columns, rows=rows)

    def write_batch(
        self, query: str, rows: Sequence[Mapping[str, Any]], batch_size: int | None = None
    ) -> int:
        """Run `UNWIND $rows AS row ...` once per batch, each batch its own transaction."""
        check_batch_query(query)
        for batch in batches(rows, batch_size or self._batch_size):
            self.write(query, {"rows": [dict(r) for r in batch]})
        return len(rows)

    def ensure_schema(self) -> None:
        """A unique constraint (with its index) on `id` for every node label."""
        for statement in writes.neo4j_schema_statements():
            self._auto_commit(statement)
        self._auto_commit(writes.NEO4J_AWAIT_INDEXES)

    def clear(self) -> None:
        """Delete every node and relationship, then the constraints ensure_schema made."""
        # In batches, each its own transaction, so a large graph needs no huge transaction.
        # (CALL { ... } IN TRANSACTIONS would do it in one statement, but its syntax changed
        # within Neo4j 5: the old form is deprecated, the new one needs 5.23.)
        while self.write(writes.NEO4J_DELETE_BATCH).rows[0][0]:
            pass
        for statement in writes.neo4j_drop_statements():
            self._auto_commit(statement)

    def close(self) -> None:
        """Close the driver."""
        self._driver.close()

    def ping(self, timeout_s: float) -> None:
        """RETURN 1 in a READ transaction limited to timeout_s."""

        def work(tx: ManagedTransaction) -> None:
            tx.run("RETURN 1", {}).consume()

        self._execute(work, read=True, timeout_s=timeout_s)

    def graph(self, name: str) -> Neo4jStore:
        """Refused: per-clearance graphs need one database per level (Neo4j Enterprise), and
        this adapter serves one database; below-top clearances then get no graph (README)."""
        raise StoreUnavailable(
            f"Neo4j: no graph {name!r}; per-clearance graphs need one database per level, "
            "which this deployment does not provide"
        )

    def reset(self) -> None:
        """Close the driver (and its pooled connections) and build a new one."""
        if self._connect is None:
            raise StoreUnavailable("this Neo4j store was given a driver it cannot rebuild")
        old, self._driver = self._driver, self._connect()
        old.close()

    def _execute(
        self, work: Callable[[ManagedTransaction], T], *, read: bool, timeout_s: float
    ) -> T:
        bounded = unit_of_work(timeout=timeout_s)(work)
        try:
            with self._driver.session(database=self._database) as session:
                if read:
                    return session.execute_read(bounded)
                return session.execute_write(bounded)
        except (Neo4jError, DriverError) as e:
            raise _store_error(e) from e

    def _auto_commit(self, text: str) -> None:
        try:
            with self._driver.session(database=self._database) as session:
                session.run(text).consume()
        except (Neo4jError, DriverError) as e:
            raise _store_error(e) from e


def open_neo4j(settings: Settings) -> Neo4jStore:
    """Build the driver from settings.graph and check that the server answers."""
    graph = settings.graph
    auth = credentials(graph)

    def connect() -> neo4j.Driver:
        driver = GraphDatabase.driver(
            graph.neo4j_uri,
            auth=auth,
            max_transaction_retry_time=MAX_RETRY_TIME_S,
            connection_timeout=graph.ping_timeout_s,
        )
        try:
            driver.verify_connectivity()
        except (Neo4jError, DriverError) as e:
            driver.close()
            raise StoreUnavailable(f"cannot reach Neo4j at {graph.neo4j_uri}: {e}") from e
        return driver

    return Neo4jStore(
        connect(),
        graph.neo4j_database,
        QueryBounds.from_settings(graph),
        batch_size=graph.batch_size,
        connect=connect,
    )


def credentials(graph: GraphSettings) -> tuple[str, str]:
    """User and password: KG_GRAPH__NEO4J_PASSWORD, else the file KG_GRAPH__NEO4J_AUTH_FILE
    holding "user/password" (the form of NEO4J_AUTH, so one docker secret serves both)."""
    if graph.neo4j_password is not None:
        return graph.neo4j_user, graph.neo4j_password.get_secret_value()
    if graph.neo4j_auth_file is None:
        raise StoreUnavailable(
            "neither KG_GRAPH__NEO4J_PASSWORD nor KG_GRAPH__NEO4J_AUTH_FILE is set (store is neo4j)"
        )
    try:
        text = graph.neo4j_auth_file.read_text(encoding="utf-8").strip()
    except OSError as e:
        raise StoreUnavailable(f"cannot read KG_GRAPH__NEO4J_AUTH_FILE ({type(e).__name__})") from e
    user, sep, password = text.partition("/")
    if not sep or not user or not password:
        raise StoreUnavailable("KG_GRAPH__NEO4J_AUTH_FILE must hold user/password, as NEO4J_AUTH")
    return user, password


def _store_error(e: Exception) -> KgError:
    if isinstance(e, AuthError):
        return StoreUnavailable("Neo4j refused the credentials")
    if isinstance(e, ServiceUnavailable | SessionExpired):
        return StoreUnavailable(f"Neo4j is not reachable: {e}")
    if isinstance(e, Neo4jError):
        code = e.code or ""
        if "TransactionTimedOut" in code:
            return QueryTimeout("query ran past its time limit and was stopped", {"code": code})
        if "AccessMode" in code:
            return QueryRejected("the READ transaction refused a query that writes")
        if code.endswith("SyntaxError") and (m := _SYNTAX_WHERE.search(e.message or "")):
            what = (e.message or "").splitlines()[0][: m.start()].strip()
            line, column, offset = int(m["line"]), int(m["column"]), int(m["offset"])
            return QueryRejected(
                f"Cypher syntax error at line {line}, column {column}: {what}",
                {"line": line, "column": column, "offset": offset},
            )
        if isinstance(e, ClientError):
            return QueryRejected(f"Neo4j refused the query: {e.message}", {"code": code})
        return StoreUnavailable(f"Neo4j failed: {e.message}", {"code": code})
    return StoreUnavailable(f"Neo4j driver error: {e}")


# Neo4j ends a syntax error's first line with "(line L, column C (offset: O))", then repeats
# the query with a caret under the place; we keep the words and the place.
_SYNTAX_WHERE = re.compile(
    r"\(line (?P<line>\d+), column (?P<column>\d+) \(offset: (?P<offset>\d+)\)\)"
)


def to_plain(value: Any) -> Any:
    """A driver value as plain JSON-able Python (nodes, relationships, paths as dicts)."""
    if isinstance(value, Node):
        return {
            "id": value.element_id,
            "labels": sorted(value.labels),
            "properties": {k: to_plain(v) for k, v in value.items()},
        }
    if isinstance(value, Relationship):
        return {
            "id": value.element_id,
            "type": value.type,
            "start": value.start_node.element_id if value.start_node else None,
            "end": value.end_node.element_id if value.end_node else None,
            "properties": {k: to_plain(v) for k, v in value.items()},
        }
    if isinstance(value, Path):
        return {
            "nodes": [to_plain(n) for n in value.nodes],
            "relationships": [to_plain(r) for r in value.relationships],
        }
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "iso_format"):  # neo4j.time Date, DateTime, Time, Duration
        return value.iso_format()
    return str(value)
