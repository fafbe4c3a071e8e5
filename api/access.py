"""Sign-in, request limits and the audit record, around every request (one ASGI middleware).

Before a route runs: the body is bounded (413), the bearer credential checked (401: API key
or OIDC token; a browser opening a page without one is sent to /signin instead), the
caller's rate checked (429). A request without an Authorization header may carry the pages'
session cookie, which stands for it (api.web.pages). The route then checks the role's right
(403, `require`). After it: one audit record with who, what, the documents and chunks the
response named (or, for a page or a download, what it says it showed: `audit_shown`), the
count and the status. Only /health, /health/live, the sign-in form and /static/ assets go
unauthenticated (and unaudited: probes call the first two every few seconds).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors
from api.oidc import OidcVerifier
from kg.access import (
    RIGHT_WORDS,
    Forbidden,
    JustificationRequired,
    Principal,
    RateLimited,
    Right,
    Unauthenticated,
)
from kg.audit import AuditLog, Consultation, ids_in_json
from kg.errors import KgError
from kg.keys import KeyStore
from kg.logs import REQUEST_ID
from kg.settings import Settings

log = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health", "/health/live", "/signin", "/signout"})
# Assets only (scripts, styles, fonts): nothing under them depends on who asks.
OPEN_PREFIXES = ("/static/",)
# The web pages' session: the credential and the stated reason, kept by the browser.
SESSION_COOKIE = "kg_session"
JUSTIFICATION_COOKIE = "kg_reason"
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
JUSTIFICATION_HEADER = "x-justification"
# Response bodies larger than this are not parsed for the audit record's ids (it says so).
_AUDIT_PARSE_BYTES = 20_000_000
# Bodies up to this size are parsed to count their results; larger ones are scanned.
_AUDIT_COUNT_BYTES = 2_000_000
_MAX_JUSTIFICATION = 500


class Gatekeeper:
    """Key store, OIDC verifier, rate limiter and audit log: built once per app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        access = settings.access
        self.keys = KeyStore(settings.access_dir, access.key_cache_s)
        self.oidc = OidcVerifier(access.oidc)
        self.audit = AuditLog(settings.access_dir)
        self._rate: RateLimitItem | None = parse(access.rate_limit) if access.rate_limit else None
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal of an Authorization header; Unauthenticated otherwise."""
        if not authorization:
            raise Unauthenticated(
                "sign in: send the header Authorization: Bearer <API key or OIDC token>"
            )
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("the Authorization header must read: Bearer <credential>")
        if self.oidc.enabled and OidcVerifier.looks_like_jwt(token):
            return self.oidc.authenticate(token)
        if OidcVerifier.looks_like_jwt(token):
            raise Unauthenticated("OIDC tokens are not accepted here (no issuer is configured)")
        return self.keys.authenticate(token)

    def check_rate(self, principal: Principal) -> None:
        """RateLimited when the caller is over its rate."""
        if self._rate is not None and not self._limiter.hit(
            self._rate, principal.via, principal.subject
        ):
            raise RateLimited(f"too many requests: at most {self._rate} per caller")


class AccessMiddleware:
    """Pure ASGI, so it sees the request before any parsing and the response body after."""

    def __init__(self, app: ASGIApp, gate: Gatekeeper) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if (
            path in OPEN_PATHS
            or path.startswith(OPEN_PREFIXES)
            or (path in DOCS_PATHS and self.gate.settings.access.public_docs)
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if "authorization" not in headers:
            _session_from_cookies(scope, headers)
        entry = Consultation("(anonymous)", "none", "", "", scope["method"], path)
        entry.justification = (headers.get(JUSTIFICATION_HEADER) or "")[:_MAX_JUSTIFICATION] or None
        entry.params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        entry.query = entry.params.get("q")
        body = bytearray()
        status = 500
        sent = bytearray()
        try:
            limit = self.gate.settings.access.max_body_bytes
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _TooLarge(limit)
            principal = await anyio.to_thread.run_sync(
                self.gate.authenticate, headers.get("authorization")
            )
            entry.subject, entry.via = principal.subject, principal.via
            entry.role, entry.clearance = principal.role, principal.clearance
            self.gate.check_rate(principal)
            scope.setdefault("state", {})["principal"] = principal

            while True:  # the whole body, bounded, before any route parses it
                message = await receive()
                if message["type"] != "http.request":
                    break
                body.extend(message.get("body", b""))
                if len(body) > limit:
                    raise _TooLarge(limit)
                if not message.get("more_body", False):
                    break
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": bytes(body), "more_body": False}
                return await receive()

            async def capture_send(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                elif message["type"] == "http.response.body" and len(sent) < _AUDIT_PARSE_BYTES:
                    sent.extend(message.get("body", b""))
                await send(message)

            await self.app(scope, replay, capture_send)
        except _TooLarge as e:
            status = 413
            await _reply(send, 413, "body_too_large", f"the request body exceeds {e.limit} bytes")
        except Unauthenticated as e:
            if _is_page_visit(scope, headers):  # a browser: to the sign-in page, and back
                status = 303
                await _redirect_to_signin(send, scope)
            else:
                status = 401
                await _reply(send, 401, e.code, e.message, {"WWW-Authenticate": "Bearer"})
        except KgError as e:
            status = errors.status_for(e)
            extra = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
            if isinstance(e, RateLimited):
                extra["Retry-After"] = "1"
            await _reply(send, status, e.code, e.message, extra)
        finally:
            entry.status = status
            entry.request_id = REQUEST_ID.get()
            # A page names what it showed (api.web.pages); its HTML is not parsed.
            shown = scope.get("state", {}).get("audited")
            if isinstance(shown, bytes):
                sent = bytearray(shown)
            try:
                # Parsing a large response and the fsync stay off the event loop.
                await anyio.to_thread.run_sync(self._record, entry, bytes(body), bytes(sent))
            except OSError:
                # A consultation that cannot be logged has still been answered: say so loudly.
                log.critical("audit record not written for %s %s", entry.method, entry.endpoint)

    def _record(self, entry: Consultation, body: bytes, sent: bytes) -> None:
        _describe(entry, body, sent)
        self.gate.audit.append(entry)


def _session_from_cookies(scope: Scope, headers: dict[str, str]) -> None:
    """A signed-in page's cookies as the headers an API caller sends (Authorization, and
    X-Justification when the session stated a reason), in `headers` and in the scope."""
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except CookieError:
        return
    added: list[tuple[bytes, bytes]] = []
    if SESSION_COOKIE in jar and jar[SESSION_COOKIE].value:
        headers["authorization"] = f"Bearer {jar[SESSION_COOKIE].value}"
        added.append((b"authorization", headers["authorization"].encode("latin-1", "replace")))
        reason = jar[JUSTIFICATION_COOKIE].value if JUSTIFICATION_COOKIE in jar else ""
        if reason and JUSTIFICATION_HEADER not in headers:
            headers[JUSTIFICATION_HEADER] = reason
            added.append((JUSTIFICATION_HEADER.encode(), reason.encode("latin-1", "replace")))
    if added:
        scope["headers"] = [*scope["headers"], *added]


def _is_page_visit(scope: Scope, headers: dict[str, str]) -> bool:
    """A browser opening a page (GET, asking for HTML), not an API client."""
    return scope["method"] in ("GET", "HEAD") and "text/html" in headers.get("accept", "")


async def _redirect_to_signin(send: Send, scope: Scope) -> None:
    target = scope["path"]
    if scope.get("query_string"):
        target += "?" + scope["query_string"].decode("latin-1")
    location = "/signin?" + urlencode({"next": target})
    raw = [(b"location", location.encode("latin-1")), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 303, "headers": raw})
    await send({"type": "http.response.body", "body": b""})


class _TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        self.limit = limit


async def _reply(
    send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> None:
    payload = json.dumps(errors.error_body(code, message)).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


def _describe(entry: Consultation, body: bytes, sent: bytes) -> None:
    """Fill the record's query, parameters, returned ids and count from the exchange."""
    if body:
        try:
            data = json.loads(body)
        except ValueError:  # a page's form (the workbench): its fields
            data = dict(parse_qsl(body.decode("utf-8", "replace"))) or None
        if isinstance(data, dict):
            if isinstance(data.get("query"), str):
                entry.query = data["query"]
            elif isinstance(data.get("name"), str):  # a named query (POST /export/csv)
                entry.query = f"named query {data['name']}"
            if isinstance(data.get("params"), dict):
                entry.params = {**entry.params, **data["params"]}
    if not sent or entry.status >= 400:
        return
    doc_keys = ("doc", "docId", "id") if entry.endpoint.startswith("/documents") else None
    entry.docs, entry.chunks = ids_in_json(sent, doc_keys or ("doc", "docId"))
    if len(sent) >= _AUDIT_PARSE_BYTES:
        entry.params = {**entry.params, "_audit": "response too large to list every id"}
    entry.count = _count_json(sent)


def _count_json(sent: bytes) -> int:
    """The count of a body, parsed only when small (-1: too large to count here)."""
    if len(sent) > _AUDIT_COUNT_BYTES:
        return -1
    try:
        return _count(json.loads(sent))
    except ValueError:
        return 0


def _count(data: Any) -> int:
    """How many results a body holds: the length of its main list, else 1."""
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):
        for key in ("results", "documents", "entities", "rows", "chain", "nodes", "facts"):
            if isinstance(data.get(key), list):
                return len(data[key])
    return 1


def audit_shown(request: Request, shown: Any) -> None:
    """Name what a response showed, as JSON, for its audit record: for a page or a download,
    whose HTML, CSV or GraphML body the middleware does not parse for ids and counts."""
    request.scope.setdefault("state", {})["audited"] = json.dumps(shown, default=str).encode()


# -- what routes depend on -----------------------------------------------------------------

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key (`kg keys create`) or, when configured, an OIDC access token.",
)


def get_principal(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller the middleware signed in (401 if none: a route outside the middleware)."""
    principal = request.scope.get("state", {}).get("principal")
    if not isinstance(principal, Principal):
        raise Unauthenticated("sign in: send the header Authorization: Bearer <credential>")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(right: Right) -> Callable[..., Principal]:
    """A dependency that admits callers whose role holds `right` (403 otherwise)."""

    def check(request: Request, principal: PrincipalDep) -> Principal:
        if not principal.may(right):
            raise Forbidden(
                f"the role {principal.role!r} may not do this: it needs {RIGHT_WORDS[right]}"
            )
        settings: Settings = request.app.state.gate.settings
        if (
            settings.access.require_justification
            and principal.role != "reader"
            and not request.headers.get(JUSTIFICATION_HEADER, "").strip()
        ):
            raise JustificationRequired(
                "say why: send an X-Justification header (required for analysts and admins)"
            )
        return principal

    return check
