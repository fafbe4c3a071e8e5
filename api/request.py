"""What a search request may ask for, checked once for the API and the CLI.

Kept apart from the search engine (FAISS, BM25) so that the command line can check a request
and send it to a running server without importing either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kg.errors import InvalidRequest
from kg.settings import SearchSettings


@dataclass(frozen=True)
class Filters:
    """Restrict search to some documents and a date range (inclusive)."""

    docs: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.docs) or self.date_from is not None or self.date_to is not None


def check_request(
    limits: SearchSettings, query: str, k: int | None, filters: Filters
) -> tuple[str, int]:
    """Validate a search request against the configured bounds; return (query, k).

    The one check behind both the API and the CLI, so they refuse the same requests.
    """
    query = query.strip()
    if not query:
        raise InvalidRequest("q: the query is empty")
    if len(query) > limits.max_query_chars:
        raise InvalidRequest(
            f"q: the query is {len(query)} characters; the limit is {limits.max_query_chars}"
        )
    k = limits.default_k if k is None else k
    if not 1 <= k <= limits.max_k:
        raise InvalidRequest(f"k: must be between 1 and {limits.max_k}, got {k}")
    if any(not d.strip() for d in filters.docs):
        raise InvalidRequest("doc: a document id is empty")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidRequest(
            f"date_from ({filters.date_from}) is after date_to ({filters.date_to})"
        )
    return query, k
