"""One exception tree. HTTP status codes are assigned only at the edge (api/errors.py)."""

from __future__ import annotations

from typing import Any


class KgError(Exception):
    """Base of every error policing-kg raises on purpose."""

    code = "kg_error"

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class DocumentError(KgError):
    """A document could not be read or understood; it is skipped, the rest indexed."""

    code = "document_error"


class IndexNotFound(KgError):
    """No usable index exists yet (run `kg index`)."""

    code = "index_not_found"


class IndexError_(KgError):
    """An index on disk is damaged or was built with incompatible settings."""

    code = "index_error"


class InvalidRequest(KgError):
    """A request was well-formed but asked for something impossible (unknown filter value)."""

    code = "invalid_request"


class NotFound(KgError):
    """A named thing (document, entity, query) does not exist."""

    code = "not_found"


class QueryRejected(KgError):
    """A Cypher query was refused by a gate."""

    code = "query_rejected"


class QueryTimeout(KgError):
    """A query ran past its time limit and was stopped."""

    code = "query_timeout"


class StoreUnavailable(KgError):
    """A backing store (graph database) cannot be reached."""

    code = "store_unavailable"


class GraphChanged(KgError):
    """An index run began rewriting the graph while a request read it; retrying will see the
    new generation."""

    code = "graph_changed"
