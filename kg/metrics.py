"""The service's own Prometheus counters (request metrics come from the instrumentator).

They live in one registry of their own, so an app built twice in one process (the tests) does
not register them twice; GET /metrics serves this registry beside the instrumentator's.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

REGISTRY = CollectorRegistry(auto_describe=True)

GRAPH_STORE_ERRORS = Counter(
    "kg_graph_store_errors",
    "Graph store calls that failed because the store was unreachable or did not answer a ping.",
    registry=REGISTRY,
)
QUERY_TIMEOUTS = Counter(
    "kg_query_timeouts",
    "Graph queries stopped at their time limit (by the store or by the service's deadline).",
    registry=REGISTRY,
)
GRAPH_STORE_RESETS = Counter(
    "kg_graph_store_resets",
    "Times the service restarted the embedded graph store or rebuilt its Neo4j driver.",
    registry=REGISTRY,
)
