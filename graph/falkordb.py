"""GraphStore adapter for FalkorDB (embedded by default; see falkordb_server.py)."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from datetime import time as time_of_day
from typing import TYPE_CHECKING, Any

import redis
from falkordb import FalkorDB
from falkordb.edge import Edge
from falkordb.exceptions import SchemaVersionMismatchException
from falkordb.node import Node
from falkordb.path import Path

from graph import writes
from graph.falkordb_params import params_header
from graph.falkordb_server import EmbeddedFalkorDB, ServerOptions, no_retry
from graph.model import ID_PROPERTY, NODE_LABELS
from graph.store import QueryBounds, QueryResult, batches, check_batch_query, take_rows
from kg.errors import KgError, QueryRejected, QueryTimeout, StoreUnavailable

if TYPE_CHECKING:
    from falkordb.query_result import QueryResult as FalkorResult

    from kg.settings import Settings

# Slack on the client socket beyond the longest query time limit: the server stops a query
# itself; the socket timeout only catches a server that stopped answering.
SOCKET_SLACK_S = 30.0


class FalkorDBStore:
    """A GraphStore over one FalkorDB graph, reached through a falkordb client."""

    def __init__(
        self,
        db: FalkorDB,
        graph_name: str,
        bounds: QueryBounds,
        *,
        batch_size: int = 500,
        server: EmbeddedFalkorDB | None = None,
        wedged_after_ms: float | None = None,
    ) -> None:
        self._db = db
        self._wedged_after_ms = wedged_after_ms
        self._name = graph_name
        self._graph = db.select_graph(graph_name)
        self._bounds = bounds
        self._batch_size = batch_size
        self.server = server
        self._owner: FalkorDBStore | None = None  # the store whose connections this one shares

    def read(
        self,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """Run a query through GRAPH.RO_QUERY, which refuses anything that writes."""
        cap = self._bounds.rows(max_rows)
        timeout = self._bounds.timeout_ms(timeout_ms)
        result = self._run(params_header(params) + query, read_only=True, timeout_ms=timeout)
        # The server caps the rows it sends (RESULTSET_SIZE); take_rows bounds the conversion.
        rows, truncated = take_rows(result.result_set, cap, self._bounds.max_result_bytes, to_plain)
        return QueryResult(columns=_columns(result), rows=rows, truncated=truncated)

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        """Run a query through GRAPH.QUERY (one atomic query) under the longest time limit."""
        result = self._run(
            params_header(params) + query, read_only=False, timeout_ms=self._bounds.max_timeout_ms
        )
        return QueryResult(
            columns=_columns(result),
            rows=[[to_plain(v) for v in row] for row in result.result_set],
        )

    def write_batch(
        self, query: str, rows: Sequence[Mapping[str, Any]], batch_size: int | None = None
    ) -> int:
        """Run `UNWIND $rows AS row ...` once per batch of rows."""
        check_batch_query(query)
        for batch in batches(rows, batch_size or self._batch_size):
            self.write(query, {"rows": list(batch)})
        return len(rows)

    def ensure_schema(self) -> None:
        """A range index and a unique constraint on `id` for every node label."""
        indexed = {
            row[0]
            for row in self.read(writes.FALKORDB_INDEXES, max_rows=self._bounds.max_rows).rows
            if row[2] == "NODE" and ID_PROPERTY in row[1]
        }
        for label in NODE_LABELS:
            if label not in indexed:
                self.write(writes.falkordb_create_index(label))
        states = self._constraint_states()
        for label in NODE_LABELS:
            if label not in states:
                # A unique constraint needs the range index above; FalkorDB builds it in the
                # background, so we wait for it below.
                self._constraint("CREATE", label)
        self._await_constraints()

    def clear(self) -> None:
        """Delete the whole graph (data, indexes, constraints) and start an empty one."""
        try:
            self._command("GRAPH.DELETE", self._name)
        except QueryRejected as e:
            if "empty key" not in e.message:
                raise
        # The client caches label and property names by id; a new graph reuses the ids.
        self._graph.schema.clear()
        self._create_graph()

    def graph(self, name: str) -> FalkorDBStore:
        """The same server's graph `name` (one key per clearance level), on these connections."""
        child = FalkorDBStore(
            self._db,
            name,
            self._bounds,
            batch_size=self._batch_size,
            wedged_after_ms=self._wedged_after_ms,
        )
        child._owner = self._owner or self
        return child

    def close(self) -> None:
        """Close the client's connections and stop the embedded server if this process owns it."""
        if self._owner is not None:
            return  # the owner's connections and server
        try:
            self._db.connection.close()
        finally:
            if self.server is not None:
                self.server.stop()

    def ping(self, timeout_s: float) -> None:
        """RETURN 1 through GRAPH.RO_QUERY on a fresh connection (the pool's may be busy).

        A server that answers but has a query running longer than wedged_after_ms (past every
        time limit: the parser and some functions do not check it) also fails the ping.
        """
        where = dict(self._db.connection.connection_pool.connection_kwargs)
        server = self.server or (self._owner.server if self._owner else None)
        if server is not None:
            where = {"unix_socket_path": str(server.socket_path)}
        elif "path" in where:
            where = {"unix_socket_path": where["path"]}
        else:
            where = {"host": where.get("host", "localhost"), "port": where.get("port", 6379)}
        client = redis.Redis(
            **where,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=no_retry(),
        )
        try:
            # An error is an answer too (a graph not created yet, for one).
            with contextlib.suppress(redis.ResponseError):
                client.execute_command("GRAPH.RO_QUERY", self._name, "RETURN 1")
            if self._wedged_after_ms is not None:
                longest = _longest_running_ms(client)
                if longest > self._wedged_after_ms:
                    raise StoreUnavailable(
                        f"FalkorDB has had a query running for {longest / 1000:.0f} s, "
                        "past every time limit",
                        {"running_ms": round(longest)},
                    )
        except redis.RedisError as e:
            raise unreachable(e, f"a ping within {timeout_s:g} s") from e
        finally:
            client.close()

    def reset(self) -> None:
        """Restart the embedded server (killing a wedged one) and drop pooled connections."""
        if self._owner is not None:
            self._owner.reset()
            return
        if self.server is None:
            raise StoreUnavailable("FalkorDB is not embedded here, so it cannot be restarted")
        self.server.restart()
        # Idle connections only: one a stuck call is reading from gets EOF from the killed
        # server and fails on its own thread (closing it under the reader is an I/O error).
        self._db.connection.connection_pool.disconnect(inuse_connections=False)

    def _run(self, text: str, *, read_only: bool, timeout_ms: int) -> FalkorResult:
        run = self._graph.ro_query if read_only else self._graph.query
        for attempt in range(2):
            try:
                return run(text, timeout=timeout_ms)
            except redis.ConnectionError as e:
                # A pooled connection to a server that was restarted fails before the query is
                # sent; a read is safe to send once more on a new connection.
                if attempt or not read_only or isinstance(e, redis.TimeoutError):
                    raise unreachable(e) from e
            except SchemaVersionMismatchException as e:
                # The client refreshed its cached schema before raising; run once more.
                if attempt:
                    raise StoreUnavailable("graph schema kept changing under the query") from e
            except redis.ResponseError as e:
                if attempt == 0 and "empty key" in str(e):
                    self._create_graph()  # first use, or cleared by another process
                    continue
                raise _query_error(e, timeout_ms) from e
            except redis.RedisError as e:
                raise unreachable(e) from e
            except (OSError, ValueError) as e:
                # redis-py lets a socket closed under it surface as these.
                raise StoreUnavailable(
                    "FalkorDB connection failed", {"error": type(e).__name__}
                ) from e
        raise StoreUnavailable("graph could not be created")  # pragma: no cover

    def _command(self, *args: Any) -> Any:
        try:
            return self._db.connection.execute_command(*args)
        except redis.ResponseError as e:
            raise QueryRejected(f"FalkorDB refused {args[0]}: {e}") from e
        except redis.RedisError as e:
            raise unreachable(e) from e

    def _constraint(self, action: str, label: str) -> None:
        self._command(
            "GRAPH.CONSTRAINT",
            action,
            self._name,
            "UNIQUE",
            "NODE",
            label,
            "PROPERTIES",
            1,
            ID_PROPERTY,
        )

    def _create_graph(self) -> None:
        # RO_QUERY on a graph that does not exist fails ("empty key"); any GRAPH.QUERY makes it.
        try:
            self._graph.query(writes.FALKORDB_CREATE_GRAPH)
        except redis.RedisError as e:
            raise unreachable(e) from e

    def _constraint_states(self) -> dict[str, str]:
        rows = self.read(writes.FALKORDB_CONSTRAINTS, max_rows=self._bounds.max_rows).rows
        return {
            label: status
            for kind, label, props, entity, status in rows
            if kind == "UNIQUE" and entity == "NODE" and props == [ID_PROPERTY]
        }

    def _await_constraints(self) -> None:
        deadline = time.monotonic() + self._bounds.max_timeout_ms / 1000
        while True:
            states = self._constraint_states()
            failed = sorted(label for label in NODE_LABELS if states.get(label) == "FAILED")
            if failed:
                for label in failed:
                    self._constraint("DROP", label)
                raise QueryRejected(
                    f"unique id constraint failed (duplicate ids) on: {', '.join(failed)}",
                    {"labels": failed},
                )
            if all(states.get(label) == "OPERATIONAL" for label in NODE_LABELS):
                return
            if time.monotonic() > deadline:
                raise StoreUnavailable("FalkorDB did not finish building the id constraints")
            time.sleep(0.01)


def open_falkordb(settings: Settings) -> FalkorDBStore:
    """Start (or attach to) the embedded server in <data_dir>/graph and connect to it."""
    graph = settings.graph
    server = EmbeddedFalkorDB(ServerOptions.from_settings(settings))
    server.start()
    try:
        db = FalkorDB(
            unix_socket_path=str(server.socket_path),
            socket_timeout=graph.max_query_timeout_ms / 1000 + SOCKET_SLACK_S,
            socket_connect_timeout=5,
            retry=no_retry(),
        )
        store = FalkorDBStore(
            db,
            graph.graph_name,
            QueryBounds.from_settings(graph),
            batch_size=graph.batch_size,
            server=server,
            wedged_after_ms=graph.max_query_timeout_ms + graph.stuck_after_s * 1000,
        )
        store._create_graph()
    except redis.RedisError as e:
        server.stop()
        raise StoreUnavailable(f"cannot connect to FalkorDB at {server.socket_path}: {e}") from e
    except BaseException:
        server.stop()
        raise
    return store


def _longest_running_ms(client: redis.Redis) -> float:
    """The longest execution time among the server's running queries (GRAPH.INFO), in ms."""
    try:
        info = client.execute_command("GRAPH.INFO", "RunningQueries")
    except redis.ResponseError:
        return 0.0  # a server without GRAPH.INFO: nothing to tell
    longest = 0.0
    for section in info[1::2] if isinstance(info, list) else []:
        for query in section or []:
            fields = dict(zip(query[::2], query[1::2], strict=False))
            duration = fields.get(b"Execution duration", fields.get("Execution duration", 0))
            longest = max(longest, float(duration or 0))
    return longest


def unreachable(e: redis.RedisError, what: str = "in time") -> StoreUnavailable:
    """StoreUnavailable in plain words; redis-py's own text (with the socket path) goes to detail
    only as the error class, so no filesystem path reaches a client."""
    if isinstance(e, redis.TimeoutError):
        return StoreUnavailable(f"FalkorDB did not answer {what}", {"error": type(e).__name__})
    return StoreUnavailable(
        "FalkorDB is not reachable (it is down or restarting)", {"error": type(e).__name__}
    )


def _query_error(e: redis.ResponseError, timeout_ms: int) -> KgError:
    message = str(e)
    if "timed out" in message:
        return QueryTimeout(
            f"query ran past its time limit of {timeout_ms} ms and was stopped",
            {"timeout_ms": timeout_ms},
        )
    if "only on read-only queries" in message:
        return QueryRejected(
            "the store's read-only mode refused a query that writes", {"store": message}
        )
    if "mem consumption exceeded" in message:
        return QueryRejected("query exceeded its memory limit", {"store": message})
    if "Max pending queries exceeded" in message:
        return StoreUnavailable("FalkorDB is overloaded (too many queued queries)")
    if m := _SYNTAX_ERROR.search(message):
        line, column, offset = int(m["line"]), int(m["column"]), int(m["offset"])
        return QueryRejected(
            f"Cypher syntax error at line {line}, column {column}: {m['what'].strip()}",
            {"line": line, "column": column, "offset": offset},
        )
    if message.startswith("errMsg: "):
        what = message.removeprefix("errMsg: ").split(" errCtx: ")[0]
        return QueryRejected(f"Cypher syntax error: {what.strip()}")
    return QueryRejected(f"the graph store refused the query: {message}")


# FalkorDB's parser reports "errMsg: <what> line: L, column: C, offset: O errCtx: <line text>
# errCtxOffset: N"; we keep what and where, in our own words.
_SYNTAX_ERROR = re.compile(
    r"errMsg: (?P<what>.*?) line: (?P<line>\d+), column: (?P<column>\d+), offset: (?P<offset>\d+)",
    re.DOTALL,
)


def _columns(result: FalkorResult) -> list[str]:
    # Compact results carry a header of [column type, column name] pairs.
    return [str(column[1]) for column in result.header]


def to_plain(value: Any) -> Any:
    """A FalkorDB result value as plain JSON-able Python (nodes, edges, paths as dicts)."""
    # Most values are scalars: tested first by exact type, since the isinstance chain below
    # dominated reading large results (the graph index reads 300k facts at 100k entities).
    if value is None or type(value) in _SCALARS:
        return value
    if isinstance(value, Node):
        return {
            "id": value.id,
            "labels": list(value.labels or []),
            "properties": {k: to_plain(v) for k, v in value.properties.items()},
        }
    if isinstance(value, Edge):
        return {
            "id": value.id,
            "type": value.relation,
            "start": _node_id(value.src_node),
            "end": _node_id(value.dest_node),
            "properties": {k: to_plain(v) for k, v in value.properties.items()},
        }
    if isinstance(value, Path):
        return {
            "nodes": [to_plain(n) for n in value.nodes()],
            "relationships": [to_plain(r) for r in value.edges()],
        }
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, datetime | date | time_of_day):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "normalized"):  # a duration (dateutil relativedelta)
        return _iso_duration(value)
    return str(value)


_SCALARS = frozenset({str, int, float, bool})


def _iso_duration(d: Any) -> str:
    date_part = "".join(
        f"{n}{unit}" for n, unit in ((d.years, "Y"), (d.months, "M"), (d.days, "D")) if n
    )
    seconds = d.seconds + d.microseconds / 1_000_000
    time_part = "".join(
        f"{n:g}{unit}" for n, unit in ((d.hours, "H"), (d.minutes, "M"), (seconds, "S")) if n
    )
    if not (date_part or time_part):
        return "PT0S"
    return "P" + date_part + ("T" + time_part if time_part else "")


def _node_id(node: Any) -> Any:
    return node.id if isinstance(node, Node) else node
