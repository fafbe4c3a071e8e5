"""The pages: sign-in, the staff question page, a document at a passage, an entity, and the
analyst workbench. Each reads the request's snapshot through the same dependencies and rights
as the API routes; a KgError renders as an HTML error page with the API's status.

Signing in checks the credential with the API's own gatekeeper and keeps it in an HttpOnly,
SameSite=Strict cookie that the access middleware reads when a request has no Authorization
header, so every page and every API call from the page is signed in, bounded by the caller's
clearance and audited exactly as an API call is. Pages hand the middleware the JSON of what
they showed (`audit_shown`), so the audit record names the documents and chunks a page displayed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from api import errors, export_sheets
from api.access import (
    JUSTIFICATION_COOKIE,
    SESSION_COOKIE,
    PrincipalDep,
    audit_shown,
    require,
)
from api.deps import CypherDep, SettingsDep, SnapshotDep
from api.entities import Neighbourhood
from api.exports import document_markings
from api.request import Filters, check_request
from api.routes.entities import EntityCardOut, NeighboursResponse
from api.schemas import AskResponse, SearchResult
from api.search import Hit
from graph.named_queries import NamedQuery
from kg.access import Forbidden, Unauthenticated
from kg.errors import InvalidRequest, KgError, NotFound
from kg.markings import marking_of

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
_SESSION_HOURS = 8
_PASSAGES = 10
# Pages allow only their own origin: no inline script, nothing from anywhere else.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'"
)


class PageRoute(APIRoute):
    """A route whose errors render as a page (status as the API gives it), not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                response = await handler(request)
            except KgError as e:
                response = _error_page(request, errors.status_for(e), e.message)
            except RequestValidationError as e:
                message = "; ".join(
                    f"{'.'.join(str(p) for p in err['loc'][1:])}: {err['msg']}"
                    for err in e.errors()
                )
                response = _error_page(request, 422, message or "the request is not valid")
            if response.headers.get("content-type", "").startswith("text/html"):
                response.headers.setdefault("Content-Security-Policy", _CSP)
                response.headers.setdefault("X-Content-Type-Options", "nosniff")
                response.headers.setdefault("Referrer-Policy", "same-origin")
            return response

        return page


router = APIRouter(route_class=PageRoute, include_in_schema=False)
ReadRight = Depends(require("read"))
QueryRight = Depends(require("query"))


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    principal = request.scope.get("state", {}).get("principal")
    return TEMPLATES.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": errors.scrub_paths(message), "principal": principal},
        status_code=status,
    )


def _render(request: Request, name: str, principal: Any, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, {"principal": principal, **context})


def _check_origin(request: Request) -> None:
    """A form post must come from this site's own pages (the cookie is SameSite=Strict too)."""
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise Forbidden(f"a form from {origin} may not post here")


async def _form(request: Request) -> dict[str, str]:
    """The fields of an application/x-www-form-urlencoded body (the middleware bounds it)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != "application/x-www-form-urlencoded":
        raise InvalidRequest("send the form as application/x-www-form-urlencoded")
    body = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def _safe_next(target: str | None) -> str:
    """Only a path of this site (never //host or a scheme) is followed after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# -- sign-in -------------------------------------------------------------------------------


@router.get("/signin")
def signin_form(request: Request, next: str = "/") -> HTMLResponse:
    """The sign-in form."""
    return _render(request, "signin.html", None, next=_safe_next(next), error=None)


@router.post("/signin")
async def signin(request: Request) -> Response:
    """Check the credential as the API would; keep it in an HttpOnly cookie for the session."""
    _check_origin(request)
    form = await _form(request)
    credential = form.get("credential", "").strip()
    reason = " ".join(form.get("reason", "").split())[:500]
    target = _safe_next(form.get("next"))
    try:
        request.app.state.gate.authenticate(f"Bearer {credential}" if credential else None)
    except Unauthenticated as e:
        return TEMPLATES.TemplateResponse(
            request,
            "signin.html",
            {"principal": None, "next": target, "error": e.message},
            status_code=401,
        )
    response = RedirectResponse(target, status_code=303)
    secure = request.url.scheme == "https"
    for name, value in ((SESSION_COOKIE, credential), (JUSTIFICATION_COOKIE, reason)):
        if value:
            response.set_cookie(
                name,
                value,
                max_age=_SESSION_HOURS * 3600,
                httponly=True,
                samesite="strict",
                secure=secure,
            )
    return response


@router.post("/signout")
def signout(request: Request) -> Response:
    """Forget the session's credential."""
    _check_origin(request)
    response = RedirectResponse("/signin", status_code=303)
    for name in (SESSION_COOKIE, JUSTIFICATION_COOKIE):
        response.delete_cookie(name, httponly=True, samesite="strict")
    return response


# -- the staff page ------------------------------------------------------------------------


@router.get("/", dependencies=[ReadRight])
def home(
    request: Request,
    principal: PrincipalDep,
    read: SnapshotDep,
    settings: SettingsDep,
    q: str = "",
    doc: Annotated[list[str] | None, Query()] = None,
    force: str = "",
    date_from: str = "",
    date_to: str = "",
) -> HTMLResponse:
    """One box for a question or search words: the answer card, then the passages.
    A filter left empty on the form (the browser sends it as "") is no filter."""
    doc = [d for d in doc or [] if d]
    since, until = _date("date_from", date_from), _date("date_to", date_to)
    snapshot = read()
    documents = snapshot.search.documents()
    forces = sorted({d.force for d in documents if d.force})
    context: dict[str, Any] = {
        "q": q,
        "documents": documents,
        "forces": forces,
        "chosen_docs": doc or [],
        "force": force,
        "date_from": since,
        "date_to": until,
        "answer": None,
        "passages": [],
        "href": _passage_href,
    }
    if q.strip():
        wanted = tuple(doc or ())
        if force:
            of_force = [d.id for d in documents if d.force == force]
            wanted = tuple(d for d in wanted if d in of_force) if wanted else tuple(of_force)
        filters = Filters(wanted, since, until)
        question, k = check_request(settings.search, q, _PASSAGES, filters)
        answer = snapshot.ask.ask(question)
        # A force none of the caller's documents come from: no passage can match.
        hits = [] if force and not wanted else snapshot.search.search(question, k, filters)
        marking = document_markings(documents, settings.access.default_marking)
        facts = list(answer.facts)
        context.update(
            answer=answer,
            card=facts[0] if facts else None,
            history=sorted(facts[1:], key=lambda f: f.evidence.as_of or "", reverse=True),
            passages=[_passage(h, marking) for h in hits],
            marking=marking,
        )
        audit_shown(
            request,
            {
                "answer": AskResponse.from_answer(answer).model_dump(mode="json"),
                "passages": [SearchResult.from_hit(h).model_dump(mode="json") for h in hits],
            },
        )
    return _render(request, "home.html", principal, **context)


def _date(name: str, raw: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidRequest(f"{name} must be a date, YYYY-MM-DD: not {raw!r}") from None


def _passage(hit: Hit, marking: dict[str, str]) -> dict[str, Any]:
    c, d = hit.chunk, hit.document
    return {
        "doc": c.doc_id,
        "title": d.title,
        "date": d.date,
        "force": d.force,
        "section": c.section,
        "page": c.page,
        "snippet": hit.snippet,
        "href": _passage_href(c.doc_id, c.start, c.end),
        "marking": marking.get(c.doc_id, ""),
        "score": hit.score,
    }


def _passage_href(doc_id: str, start: int | None, end: int | None) -> str:
    href = f"/read/{quote(doc_id)}"
    if start is not None and end is not None:
        href += f"?start={start}&end={end}#passage"
    return href


# -- a document at a passage ---------------------------------------------------------------


@router.get("/read/{doc_id:path}", dependencies=[ReadRight])
def read_document(
    request: Request,
    doc_id: str,
    principal: PrincipalDep,
    read: SnapshotDep,
    settings: SettingsDep,
    start: int | None = None,
    end: int | None = None,
) -> HTMLResponse:
    """The document's text with the cited passage highlighted and scrolled to."""
    document = read().search.index.document(doc_id)
    if document is None:
        raise NotFound(f"no document with id {doc_id!r}")
    text = document.text
    if start is None or end is None or not 0 <= start < end <= len(text):
        start = end = 0
    audit_shown(request, {"docId": doc_id, "start": start, "end": end})
    return _render(
        request,
        "read.html",
        principal,
        document=document,
        marking=marking_of(document, settings.access.default_marking),
        before=text[:start],
        passage=text[start:end],
        after=text[end:],
    )


# -- an entity -----------------------------------------------------------------------------


@router.get("/entity/{entity_id}", dependencies=[ReadRight])
def entity_page(
    request: Request,
    entity_id: str,
    principal: PrincipalDep,
    read: SnapshotDep,
    settings: SettingsDep,
    depth: int = 1,
) -> HTMLResponse:
    """The entity card, its posts or facts over time, and its neighbourhood as a graph."""
    snapshot = read()
    card = snapshot.entities.card(entity_id)
    hood = snapshot.entities.neighbours(entity_id, max(1, min(depth, 3)))
    # Markings from the documents' metadata (their texts are not read for it).
    marking = document_markings(
        snapshot.search.index.documents.values(), settings.access.default_marking
    )
    card_out = EntityCardOut.model_validate(card)
    hood_out = NeighboursResponse.model_validate(hood)
    audit_shown(request, {"card": card_out.model_dump(), "neighbours": hood_out.model_dump()})
    return _render(
        request,
        "entity.html",
        principal,
        card=card,
        timeline=export_sheets.timeline(card),
        graph=_graph_data(hood, snapshot.entities.titles),
        marking=marking,
        depth=hood.depth,
        href=_passage_href,
    )


# Node colours of the graph by entity type (each at least 4.5:1 on white), and its legend.
_COLOURS = {
    "Person": "#1d4f91",
    "Post": "#a34a00",
    "Unit": "#6f3c91",
    "Initiative": "#00703c",
    "Organisation": "#505a5f",
    "Theme": "#8a1c7c",
    "Risk": "#b10e1e",
    "Recommendation": "#7a5c00",
}
_OTHER_COLOUR = "#3d4b50"


def _graph_data(hood: Neighbourhood, titles: Mapping[str, str]) -> dict[str, Any]:
    """Nodes and edges for the graph view (cytoscape's element format), and its legend."""
    nodes = [
        {
            "data": {
                "id": n.id,
                "label": n.name,
                "type": n.type,
                "depth": n.depth,
                "colour": _COLOURS.get(n.type, _OTHER_COLOUR),
            },
            "classes": "centre" if n.depth == 0 else "",
        }
        for n in hood.nodes
    ]
    edges = [
        {
            "data": {
                "id": f"e{i}",
                "source": e.source,
                "target": e.target,
                "label": e.relation,
                "quote": e.quote or "",
                "doc": e.doc_id or "",
                "title": titles.get(e.doc_id or "", e.doc_id or ""),
                "asOf": e.as_of or "",
                "href": _passage_href(e.doc_id, None, None) if e.doc_id else "",
            }
        }
        for i, e in enumerate(hood.edges)
    ]
    legend = sorted({n.type for n in hood.nodes})
    return {
        "centre": hood.entity.id,
        "nodes": nodes,
        "edges": edges,
        "legend": [(t, _COLOURS.get(t, _OTHER_COLOUR)) for t in legend],
    }


# -- the analyst workbench -----------------------------------------------------------------


@router.get("/workbench", dependencies=[QueryRight])
def workbench(request: Request, principal: PrincipalDep, cypher: CypherDep) -> HTMLResponse:
    """The Cypher editor and the named queries, each with a form from its parameters."""
    return _workbench(request, principal, cypher, None)


@router.post("/workbench", dependencies=[QueryRight])
async def workbench_run(
    request: Request, principal: PrincipalDep, cypher: CypherDep
) -> HTMLResponse:
    """Run the editor's query or a named query and show its result as a table."""
    _check_origin(request)
    form = await _form(request)
    name = form.get("name", "")
    if name:
        query = cypher.queries.get(name)
        if query is None:
            raise NotFound(f"no named query {name!r}")
        params = {p: _parameter(query, p, form.get(f"p_{p}", "")) for p in query.parameters}
        run: dict[str, Any] = {"name": name, "params": params}
        text = query.text
    else:
        text = form.get("query", "").strip()
        if not text:
            raise InvalidRequest("write a Cypher query first")
        try:
            params = json.loads(form.get("params") or "{}")
        except ValueError as e:
            raise InvalidRequest(f"parameters must be a JSON object: {e}") from None
        if not isinstance(params, dict):
            raise InvalidRequest("parameters must be a JSON object")
        run = {"query": text, "params": params}
    result = (
        cypher.run_named(name, params) if name else cypher.run(text, params)
    )  # gated and cleared as POST /cypher is
    audit_shown(request, {"query": text, "params": params, "rows": result.rows})
    return _workbench(
        request,
        principal,
        cypher,
        {
            "columns": result.columns,
            "rows": [[_cell(v) for v in row] for row in result.rows],
            "truncated": result.truncated,
            "run": run,
            "graphml": {"query": text, "params": params},
            "name": name,
            "text": text if not name else "",
            "params": json.dumps(params) if not name else "",
        },
    )


def _workbench(
    request: Request, principal: Any, cypher: Any, result: dict[str, Any] | None
) -> HTMLResponse:
    queries = sorted(cypher.queries.values(), key=lambda q: q.name)
    return _render(
        request,
        "workbench.html",
        principal,
        queries=[_query_form(q) for q in queries],
        result=result,
    )


def _query_form(query: NamedQuery) -> dict[str, Any]:
    fields = []
    for name, described in query.parameters.items():
        kind, _, meaning = described.partition(",")
        example = query.example.get(name, "")
        fields.append(
            {
                "name": name,
                "kind": kind.strip(),
                "meaning": meaning.strip(),
                "value": json.dumps(example) if isinstance(example, list | dict) else example,
            }
        )
    return {
        "name": query.name,
        "summary": query.summary,
        "answers": query.answers,
        "fields": fields,
    }


def _parameter(query: NamedQuery, name: str, raw: str) -> Any:
    """A form field as the parameter's declared type (integer, number, list, else string)."""
    kind = query.parameters[name].split(",")[0].strip().lower()
    raw = raw.strip()
    try:
        if kind.startswith("list"):
            value = json.loads(raw) if raw.startswith("[") else [p.strip() for p in raw.split(",")]
            return [v for v in value if v != ""]
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith(("float", "number")):
            return float(raw)
    except ValueError:
        raise InvalidRequest(f"parameter {name!r} must be {kind}, not {raw!r}") from None
    return raw


def _cell(value: Any) -> str:
    """A result value as table text: a node or relationship by its name or id."""
    if isinstance(value, dict):
        props = value.get("properties", value)
        if isinstance(props, dict):
            for key in ("name", "title", "id", "text"):
                if props.get(key) not in (None, ""):
                    return str(props[key])
        return json.dumps(value, default=str)
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    return "" if value is None else str(value)
