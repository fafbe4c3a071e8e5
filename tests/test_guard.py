"""The deadline guard with stores that misbehave on purpose: a fake store is the only way to
show a call that returns just after its limit, or never (the hostile-Cypher suite shows the
same against the real FalkorDB)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest

from graph.guard import GuardedStore
from graph.store import QueryBounds, QueryResult
from kg.errors import QueryTimeout, StoreUnavailable

BOUNDS = QueryBounds(default_timeout_ms=200, max_timeout_ms=1_000, default_rows=10, max_rows=10)


class SlowStore:
    """Answers each read after `delay` seconds; ping and reset are recorded."""

    def __init__(self, delay: float, ping_ok: bool = True) -> None:
        self.delay, self.ping_ok = delay, ping_ok
        self.resets = 0
        self.reset_done = threading.Event()

    def read(
        self,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        time.sleep(self.delay)
        return QueryResult(["x"], [[1]])

    def ping(self, timeout_s: float) -> None:
        if not self.ping_ok:
            raise StoreUnavailable("no answer")

    def reset(self) -> None:
        self.resets += 1
        self.ping_ok = True
        self.reset_done.set()

    def close(self) -> None:
        pass


def guard(store: SlowStore) -> GuardedStore:
    return GuardedStore(store, BOUNDS, grace_s=0.3, ping_timeout_s=0.1, stuck_after_s=0.5)  # type: ignore[arg-type]


def test_a_result_within_the_limit_is_returned() -> None:
    assert guard(SlowStore(0.0)).read("RETURN 1").rows == [[1]]


def test_a_result_that_arrives_after_the_limit_is_a_timeout_not_rows() -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="200 ms"):
        guard(SlowStore(0.35)).read("RETURN 1")  # past 0.2 s, within the 0.3 s grace
    assert time.monotonic() - started < 0.6


def test_a_call_that_never_ends_is_abandoned_at_the_deadline_and_a_dead_store_reset() -> None:
    store = SlowStore(30.0, ping_ok=False)
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        guard(store).read("RETURN 1", timeout_ms=100)
    assert time.monotonic() - started < 0.6  # 0.1 s limit + 0.3 s grace
    assert store.reset_done.wait(5) and store.resets == 1


def test_a_store_that_answers_pings_is_not_reset_for_one_slow_call() -> None:
    store = SlowStore(1.5)
    with pytest.raises(QueryTimeout):
        guard(store).read("RETURN 1", timeout_ms=100)
    time.sleep(1.0)  # past stuck_after_s: the ping still answers, so no reset
    assert store.resets == 0
