"""A wall-clock deadline on every store call, whatever the store does, and its recovery.

The stores enforce their own time limits, but not everywhere: FalkorDB's parser runs outside its
query timeout, some functions (a huge range()) run without checking it, and a result can take
longer to arrive than to compute. So every call runs in a worker thread and the caller waits
for it no longer than its time limit plus a small grace:

- a call that ends within its limit returns (or raises) as usual;
- a call that ends past its limit, or not at all, raises QueryTimeout (408), even when the store
  would have answered later: no query returns rows after its limit;
- after an overrun the store is pinged on a fresh connection; a store that does not answer
  within `ping_timeout_s`, or whose overrunning call is still running `stuck_after_s` past its
  deadline, is reset in the background (the embedded FalkorDB restarted, a Neo4j driver
  rebuilt), and so is one that becomes unreachable.

Worker threads are daemons: one stuck on a wedged store ends when the reset closes its socket.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from graph.store import GraphStore, QueryBounds, QueryResult, batches
from kg import metrics
from kg.errors import KgError, QueryTimeout, StoreUnavailable

if TYPE_CHECKING:
    from kg.settings import GraphSettings, Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

# Resets closer together than this are skipped: a store that keeps failing is not restarted in
# a loop, and one reset serves every request that saw the failure.
MIN_RESET_INTERVAL_S = 5.0


class _Call:
    """One store call running in a daemon thread."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
        self.started = time.monotonic()
        self.ended: float | None = None
        self._work = work
        threading.Thread(target=self._run, name="graph-call", daemon=True).start()

    def _run(self) -> None:
        try:
            self.value = self._work()
        except BaseException as e:  # handed to the waiting caller
            self.error = e
        finally:
            self.ended = time.monotonic()
            self.done.set()


class GuardedStore:
    """A GraphStore whose every call ends by its deadline, and that resets a wedged store."""

    def __init__(
        self,
        store: GraphStore,
        bounds: QueryBounds,
        *,
        grace_s: float = 2.0,
        ping_timeout_s: float = 3.0,
        stuck_after_s: float = 10.0,
        batch_size: int = 500,
    ) -> None:
        self.inner = store
        self._batch_size = batch_size
        self._bounds = bounds
        self._grace_s = grace_s
        self._ping_timeout_s = ping_timeout_s
        self._stuck_after_s = stuck_after_s
        self._recovering = threading.Lock()
        self._last_reset = 0.0
        self.resets = 0
        # False from a failed call or ping until a call, ping or reset succeeds: callers use it
        # to skip optional work (loading the graph for /ask) while the store is down.
        self.healthy = True

    @classmethod
    def from_settings(cls, store: GraphStore, graph: GraphSettings) -> GuardedStore:
        """A guard with the bounds and recovery times of settings.graph."""
        return cls(
            store,
            QueryBounds.from_settings(graph),
            grace_s=graph.deadline_grace_ms / 1000,
            ping_timeout_s=graph.ping_timeout_s,
            stuck_after_s=graph.stuck_after_s,
            batch_size=graph.batch_size,
        )

    def read(
        self,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """The store's read, ended by its time limit plus the grace."""
        limit_ms = self._bounds.timeout_ms(timeout_ms)
        return self._bounded(
            lambda: self.inner.read(query, params, timeout_ms=limit_ms, max_rows=max_rows),
            limit_ms,
        )

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        """The store's write, ended by the longest time limit plus the grace."""
        return self._bounded(lambda: self.inner.write(query, params), self._bounds.max_timeout_ms)

    def write_batch(
        self, query: str, rows: Sequence[Mapping[str, Any]], batch_size: int | None = None
    ) -> int:
        """The store's write_batch, ended by the longest time limit for each batch."""
        count = len(batches(rows, batch_size or self._batch_size)) or 1
        return self._bounded(
            lambda: self.inner.write_batch(query, rows, batch_size),
            self._bounds.max_timeout_ms * count,
        )

    def ensure_schema(self) -> None:
        """The store's ensure_schema (it waits for index builds, bounded by the store)."""
        self._guarded(self.inner.ensure_schema)

    def clear(self) -> None:
        """The store's clear."""
        self._guarded(self.inner.clear)

    def close(self) -> None:
        """Close the store."""
        self.inner.close()

    def ping(self, timeout_s: float | None = None) -> None:
        """A real round trip; a store that fails it is reset in the background."""
        try:
            self.inner.ping(timeout_s or self._ping_timeout_s)
        except StoreUnavailable:
            self._failed("it did not answer a ping")
            raise
        self.healthy = True

    def reset(self) -> None:
        """Reset the store now."""
        self.inner.reset()

    def graph(self, name: str) -> GuardedStore:
        """The same server's graph `name`, behind a guard with these bounds."""
        return GuardedStore(
            self.inner.graph(name),
            self._bounds,
            grace_s=self._grace_s,
            ping_timeout_s=self._ping_timeout_s,
            stuck_after_s=self._stuck_after_s,
            batch_size=self._batch_size,
        )

    def _guarded(self, work: Callable[[], T]) -> T:
        try:
            return work()
        except StoreUnavailable:
            self._failed("it became unreachable")
            raise

    def _failed(self, why: str) -> None:
        self.healthy = False
        metrics.GRAPH_STORE_ERRORS.inc()
        self._recover_later(why)

    def _bounded(self, work: Callable[[], T], limit_ms: int) -> T:
        limit_s = limit_ms / 1000
        call = _Call(work)
        finished = call.done.wait(limit_s + self._grace_s)
        if finished and call.error is not None:
            if isinstance(call.error, QueryTimeout):
                metrics.QUERY_TIMEOUTS.inc()
            elif isinstance(call.error, StoreUnavailable):
                self._failed("it became unreachable")
            raise call.error
        if finished and call.ended is not None and call.ended - call.started <= limit_s:
            self.healthy = True
            value: T = call.value
            return value
        metrics.QUERY_TIMEOUTS.inc()
        if not finished:
            self._watch(call, limit_s)
        raise QueryTimeout(
            f"query ran past its time limit of {limit_ms} ms and was stopped",
            {"timeout_ms": limit_ms},
        )

    def _watch(self, call: _Call, limit_s: float) -> None:
        """After an overrun: reset a store that fails a ping or never finishes the call."""

        def watch() -> None:
            try:
                self.inner.ping(self._ping_timeout_s)
            except KgError:
                self.healthy = False
                self._recover("it did not answer a ping after a query overran its deadline")
                return
            # Still running later? Then ask again: the ping also fails on a store whose own
            # query has run past every limit (a call may merely be slow to read its reply).
            wait_s = self._stuck_after_s - (time.monotonic() - call.started - limit_s)
            if not call.done.wait(max(0.0, wait_s)):
                self._recover(f"a query was still running {self._stuck_after_s:g} s past its limit")

        threading.Thread(target=watch, name="graph-watch", daemon=True).start()

    def _recover_later(self, why: str) -> None:
        threading.Thread(target=self._recover, args=(why,), name="graph-reset", daemon=True).start()

    def _recover(self, why: str) -> None:
        """Reset the store unless it answers a ping again."""
        if not self._recovering.acquire(blocking=False):
            return  # a reset is under way
        try:
            if time.monotonic() - self._last_reset < MIN_RESET_INTERVAL_S:
                return
            try:
                self.inner.ping(self._ping_timeout_s)
                self.healthy = True
                return  # it answers: nothing to reset
            except KgError:
                pass
            log.warning("resetting the graph store: %s", why)
            self._last_reset = time.monotonic()
            try:
                self.inner.reset()
                self.healthy = True
                self.resets += 1
                metrics.GRAPH_STORE_RESETS.inc()
                log.warning("graph store reset")
            except KgError as e:
                metrics.GRAPH_STORE_ERRORS.inc()
                log.error("graph store reset failed: %s", e.message)
        finally:
            self._recovering.release()


def open_guarded_store(settings: Settings) -> GuardedStore:
    """The store settings.graph.store names, behind the deadline guard (for the read side)."""
    from graph.store import open_store

    return GuardedStore.from_settings(open_store(settings), settings.graph)
