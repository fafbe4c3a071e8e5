"""Who is calling: roles, what each may do, and the Principal a request runs as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kg.errors import KgError
from kg.markings import MARKINGS

Role = Literal["reader", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("reader", "analyst", "admin")
# What each role may do; a role holds every right of the roles before it.
Right = Literal["read", "query", "admin"]
RIGHTS: dict[Role, frozenset[Right]] = {
    "reader": frozenset({"read"}),
    "analyst": frozenset({"read", "query"}),
    "admin": frozenset({"read", "query", "admin"}),
}
RIGHT_WORDS: dict[Right, str] = {
    "read": "search, ask, documents and entities (reader)",
    "query": "Cypher, named queries and exports (analyst)",
    "admin": "keys, the audit log and metrics (admin)",
}


class Unauthenticated(KgError):
    """No credential, or one that is unknown, revoked, expired or badly signed (401)."""

    code = "unauthenticated"


class Forbidden(KgError):
    """The caller's role lacks the right the request needs (403)."""

    code = "forbidden"


class RateLimited(KgError):
    """The caller sent more requests than its rate allows (429)."""

    code = "rate_limited"


class JustificationRequired(KgError):
    """An analyst's request came without the X-Justification header the settings require."""

    code = "justification_required"


@dataclass(frozen=True)
class Principal:
    """The caller a request runs as: a key's name or a token's subject, role and clearance."""

    subject: str
    role: Role
    clearance: str
    via: Literal["key", "oidc", "local"]

    def may(self, right: Right) -> bool:
        """Whether the role holds `right`."""
        return right in RIGHTS[self.role]


def check_role(role: str) -> Role:
    """`role` if it is one of ROLES, else ValueError naming them."""
    for known in ROLES:
        if role == known:
            return known
    raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLES)})")


def check_clearance(clearance: str) -> str:
    """`clearance` if it is a current marking, else ValueError naming them."""
    if clearance not in MARKINGS:
        raise ValueError(f"unknown clearance {clearance!r} (one of {', '.join(MARKINGS)})")
    return clearance


def local_admin(clearance: str = "TOP SECRET") -> Principal:
    """The CLI's own identity: the local admin, logged like any caller."""
    return Principal("local-admin", "admin", clearance, "local")
