"""Helpers shared by the graph test modules: settings for a store under a temporary directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from kg.settings import GraphSettings, Settings

NEO4J_URI = os.environ.get("NEO4J_URI", "")

# Tests that need a live Neo4j: marked, and skipped unless NEO4J_URI is set.
requires_neo4j = [
    pytest.mark.neo4j,
    pytest.mark.skipif(not NEO4J_URI, reason="NEO4J_URI is not set (no Neo4j server)"),
]

# Small bounds so the row cap and timeouts show within a short test run.
TEST_BOUNDS: dict[str, Any] = {
    "query_timeout_ms": 5_000,
    "max_query_timeout_ms": 20_000,
    "max_rows": 100,
    "max_rows_limit": 1_000,
    "query_memory_mb": 256,
    "start_timeout_s": 20.0,
}


def falkordb_settings(data_dir: Path, **graph: Any) -> Settings:
    """Settings for an embedded FalkorDB under data_dir, with test bounds."""
    return Settings(data_dir=data_dir, graph=GraphSettings(**{**TEST_BOUNDS, **graph}))


def neo4j_settings(data_dir: Path, **graph: Any) -> Settings:
    """Settings for the Neo4j server named by NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD."""
    return Settings(
        data_dir=data_dir,
        graph=GraphSettings(
            **{
                **TEST_BOUNDS,
                "store": "neo4j",
                "neo4j_uri": NEO4J_URI,
                "neo4j_user": os.environ.get("NEO4J_USER", "neo4j"),
                "neo4j_password": os.environ.get("NEO4J_PASSWORD", ""),
                "neo4j_database": os.environ.get("NEO4J_DATABASE", "neo4j"),
                **graph,
            }
        ),
    )


def store_settings(kind: str, data_dir: Path, **graph: Any) -> Settings:
    """Settings for the store kind ("falkordb" or "neo4j")."""
    if kind == "neo4j":
        return neo4j_settings(data_dir, **graph)
    return falkordb_settings(data_dir, **graph)


STORE_KINDS = ["falkordb", pytest.param("neo4j", marks=requires_neo4j)]
