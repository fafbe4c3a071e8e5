"""`kg`: a thin command-line face on the same services as the API.

Exit codes: 0 success, 1 a runtime error (no index, unreadable input), 2 a usage error,
3 `kg index` indexed what it could but some files failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from cli import access
from kg.errors import InvalidRequest, KgError
from kg.settings import Settings, get_settings

log = logging.getLogger("kg")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"must be a date, YYYY-MM-DD; got {value!r}") from e


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {value!r}") from e
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {n}")
    return n


def _param(value: str) -> tuple[str, Any]:
    name, sep, raw = value.partition("=")
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kg", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="index documents (the corpus folder by default)")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")

    p = sub.add_parser("search", help="hybrid search over passages")
    p.add_argument("query")
    p.add_argument("--k", type=_positive, default=None, help="results wanted (default 10)")
    p.add_argument("--doc", action="append", default=[], help="only this document (repeatable)")
    p.add_argument("--from", dest="date_from", type=_date, help="documents dated on or after")
    p.add_argument("--to", dest="date_to", type=_date, help="documents dated on or before")
    p.add_argument("--mode", choices=["hybrid", "dense", "keyword"], default="hybrid")
    p.add_argument("--json", action="store_true", help="print JSON for tools")
    _server_flags(p)

    p = sub.add_parser("ask", help="answer a question with cited facts and passages")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print JSON for tools")
    _server_flags(p)

    p = sub.add_parser("cypher", help="run one read-only Cypher query on the graph")
    p.add_argument("query", nargs="?", help="the Cypher statement (omit with --named)")
    p.add_argument("--named", metavar="NAME", help="run the named query cypher/NAME.cypher")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        type=_param,
        metavar="K=V",
        help="a $parameter; V is read as JSON when it parses (3, true, [1,2]), else as text",
    )
    p.add_argument("--timeout-ms", type=_positive, default=None, help="time limit")
    p.add_argument("--max-rows", type=_positive, default=None, help="row cap")
    p.add_argument("--json", action="store_true", help='print {"columns", "rows"}')
    _clearance_flag(p)

    p = sub.add_parser("queries", help="list the named queries of cypher/ with examples")
    p.add_argument("--json", action="store_true", help="print them as GET /queries does")

    p = sub.add_parser("entities", help="find entities by name, alias or acronym; show a card")
    p.add_argument(
        "query", nargs="?", help="a name, alias, acronym or misspelling (omit with --id)"
    )
    p.add_argument("--id", dest="entity_id", metavar="ID", help="print the card of this entity")
    p.add_argument(
        "--type", default=None, help="only this type (Person, Post, Unit, Initiative, ...)"
    )
    p.add_argument("--limit", type=int, default=None, help="entities wanted (1..50, default 10)")
    p.add_argument("--json", action="store_true", help="print JSON, as GET /entities does")
    _clearance_flag(p)

    p = sub.add_parser("serve", help="serve the HTTP API")
    p.add_argument("--host", default=None, help="bind address (default KG_API__HOST)")
    p.add_argument("--port", type=int, default=None, help="port (default KG_API__PORT)")

    p = sub.add_parser("eval", help="evaluate retrieval, answers, abstention and the graph")
    p.add_argument("--qa", type=Path, help="question set (JSON), e.g. ../shared/eval/dev_qa.json")
    p.add_argument(
        "--graph", type=Path, help="graph facts (JSON), e.g. ../shared/eval/dev_graph.json"
    )
    p.add_argument(
        "--precision-docs",
        nargs="+",
        default=None,
        metavar="DOC",
        help="documents the graph set covers in full: precision is measured on these only "
        "(default: the gold file's docs_full list, else every document it names)",
    )
    p.add_argument(
        "--unanswerable",
        type=Path,
        help="questions the documents cannot answer (JSON list or one per line): the share "
        "that get answered: false",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    access.add_parsers(sub)
    return parser


def _clearance_flag(p: argparse.ArgumentParser) -> None:
    from kg.markings import MARKINGS

    p.add_argument(
        "--clearance",
        choices=MARKINGS,
        default=None,
        metavar="MARKING",
        help="see only documents at or below this marking (default KG_ACCESS__CLI_CLEARANCE); "
        "works locally",
    )


def _server_flags(p: argparse.ArgumentParser) -> None:
    _clearance_flag(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--server",
        metavar="URL",
        help="send the request to this running kg server (default KG_API__SERVER_URL, else "
        "the server kg serve announced in the data directory, if it answers)",
    )
    group.add_argument(
        "--local", action="store_true", help="work alone: load the index and the model here"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kg` console script."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = _parser().parse_args(argv)
    settings = get_settings()
    level = logging.DEBUG if args.verbose else getattr(logging, settings.log_level)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("sentence_transformers", "faiss", "httpx", "transformers"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    try:
        handler = {
            "index": _index,
            "search": _search,
            "ask": _ask,
            "cypher": _cypher,
            "entities": _entities,
            "queries": _queries,
            "serve": _serve,
            "eval": _eval,
            "keys": access.keys,
            "audit": access.audit,
        }
        return handler[args.command](args, settings)
    except KgError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _index(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.pipeline import Indexer

    report = Indexer(settings).run(args.paths or None, progress=not args.no_progress)
    if args.json:
        print(json.dumps(report.__dict__, indent=2))
    else:
        for source, reason in sorted(report.failed.items()):
            print(f"skipped {source}: {reason}", file=sys.stderr)
        summary = (
            f"{len(report.added)} added, {len(report.replaced)} replaced, "
            f"{len(report.removed)} removed, {len(report.unchanged)} unchanged, "
            f"{len(report.failed)} failed; {report.chunks} chunks "
            f"({report.chunks_embedded} embedded) in {report.timings.get('total', 0):.1f}s"
        )
        print(summary if report.changed else f"index up to date: {summary}")
    # 3: the run went through, but some files are not in the index (listed above).
    return 3 if report.failed else 0


def _search(args: argparse.Namespace, settings: Settings) -> int:
    from api.request import Filters, check_request
    from api.schemas import SearchResponse

    filters = Filters(tuple(args.doc), args.date_from, args.date_to)
    try:
        query, k = check_request(settings.search, args.query, args.k, filters)
    except InvalidRequest as e:
        return _usage_error(_as_flags(e.message))
    params = [("q", query), ("k", str(k)), ("mode", args.mode)]
    params += [("doc", d) for d in args.doc]
    for name, value in (("date_from", args.date_from), ("date_to", args.date_to)):
        if value is not None:
            params.append((name, value.isoformat()))
    remote = _remote(args, settings, "/search", params)
    if remote is not None:
        body = SearchResponse.model_validate(remote)
    else:
        body = _local_search(settings, query, k, filters, args.mode, _clearance(args, settings))
    _record(args, settings, "search", query, dict(params), body.model_dump(), remote)
    if args.json:
        print(body.model_dump_json(indent=2))
        return 0
    if body.expansions:
        print(
            "expanded: " + ", ".join(f"{e.acronym} = {e.expansion}" for e in body.expansions) + "\n"
        )
    if not body.results:
        print("no results")
    for rank, hit in enumerate(body.results, start=1):
        where = " ".join(
            part
            for part in (
                f"§ {hit.section}" if hit.section else "",
                f"¶{hit.paragraph}" if hit.paragraph else "",
                f"p.{hit.page}" if hit.page else "",
            )
            if part
        )
        cite = f"{hit.doc}:{hit.start}-{hit.end}"
        print(f"{rank:>2}. [{hit.score:.3f}] {hit.title} ({hit.date or 'undated'}) {cite}")
        if where:
            print(f"    {where}")
        print(f"    {_terminal(hit.snippet)}\n")
    return 0


def _clearance(args: argparse.Namespace, settings: Settings) -> str:
    """The clearance a local command runs with."""
    clearance: str = getattr(args, "clearance", None) or settings.access.cli_clearance
    return clearance


def _record(
    args: argparse.Namespace,
    settings: Settings,
    command: str,
    query: str | None,
    params: dict[str, Any],
    body: Any,
    remote: Any = None,
) -> None:
    """The audit record of a CLI query (one the server answered is also in its own log)."""
    if remote is not None:
        params = {**params, "answered_by": "server"}
    access.record(
        command,
        settings,
        clearance=_clearance(args, settings),
        query=query,
        params=params,
        body=body,
    )


def _local_search(
    settings: Settings, query: str, k: int, filters: Any, mode: Any, clearance: str
) -> Any:
    from api.deps import Services
    from api.schemas import Expansion, SearchResponse, SearchResult

    services = Services(settings)
    try:
        search = services.snapshot().view(clearance).search
        hits = search.search(query, k, filters, mode)
        expansions = search.analyse(query).expansions
    finally:
        services.close()
    return SearchResponse(
        results=[SearchResult.from_hit(h) for h in hits],
        query=query,
        mode=mode,
        expansions=[Expansion(acronym=a, expansion=e) for a, e in expansions],
    )


def _remote(
    args: argparse.Namespace, settings: Settings, path: str, params: list[tuple[str, str]]
) -> dict[str, Any] | None:
    """The body a running server gives for this request, or None to work locally."""
    from cli.client import find_server, get
    from kg.errors import StoreUnavailable

    if args.local or args.clearance:
        return None
    url, explicit = find_server(settings, args.server)
    if url is None:
        return None
    try:
        return get(url, path, params, settings.access.api_key)
    except StoreUnavailable:
        if explicit:
            raise
        log.info("the announced server did not answer; working locally")
        return None


# The API's parameter names as the command line spells them, for shared error messages.
_FLAGS = {"q": "QUERY", "k": "--k", "doc": "--doc", "date_from": "--from", "date_to": "--to"}


def _as_flags(message: str) -> str:
    """An API validation message with parameter names replaced by the CLI's flags."""
    return re.sub(
        r"\b(q|k|doc|date_from|date_to)\b(?=[: (])", lambda m: _FLAGS[m.group(1)], message
    )


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from api.request import Filters, check_request
    from api.schemas import AskResponse

    try:
        question, _ = check_request(settings.search, args.question, None, Filters())
    except InvalidRequest as e:
        return _usage_error(_as_flags(e.message))
    remote = _remote(args, settings, "/ask", [("q", question)])
    if remote is not None:
        answer = AskResponse.model_validate(remote)
    else:
        answer = _local_ask(settings, question, _clearance(args, settings))
    _record(args, settings, "ask", question, {}, answer.model_dump(), remote)
    if args.json:
        print(answer.model_dump_json(indent=2))
        return 0
    print(answer.answer)
    if answer.candidates:
        print("\nDid you mean: " + "; ".join(f"{c.name} ({c.type})" for c in answer.candidates))
    if answer.facts:
        print("\nEvidence:")
        for f in answer.facts:
            print(f"  - {f.subject} {f.relation} {f.object} (as of {f.asOf or 'undated'}, {f.doc})")
            print(f"    “{f.quote}”")
    if answer.passages:
        print("\nPassages:")
        for rank, hit in enumerate(answer.passages, start=1):
            print(
                f"  {rank}. {hit.title} ({hit.date or 'undated'}) {hit.doc}:{hit.start}-{hit.end}"
            )
    return 0


def _local_ask(settings: Settings, question: str, clearance: str) -> Any:
    from api.deps import Services
    from api.schemas import AskResponse

    services = Services(settings)
    try:
        return AskResponse.from_answer(services.snapshot().view(clearance).ask.ask(question))
    finally:
        services.close()


def _queries(args: argparse.Namespace, settings: Settings) -> int:
    from graph.named_queries import load_named_queries

    queries = load_named_queries(settings.graph.queries_dir)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "name": q.name,
                        "summary": q.summary,
                        "answers": q.answers,
                        "parameters": q.parameters,
                        "returns": q.returns,
                        "example": q.example,
                    }
                    for q in queries.values()
                ],
                indent=2,
            )
        )
        return 0
    for q in queries.values():
        print(f"{q.name}: {q.summary}")
        for name, declared in q.parameters.items():
            print(f"    ${name}: {declared}")
        flags = " ".join(
            f"--param {k}={json.dumps(v) if not isinstance(v, str) else v}"
            for k, v in q.example.items()
        )
        print(f"    e.g. kg cypher --named {q.name} {flags}".rstrip() + "\n")
    return 0


def _usage_error(message: str) -> int:
    """Report a usage error the way argparse does (exit code 2)."""
    print(f"kg: error: {message}", file=sys.stderr)
    return 2


def _terminal(snippet_html: str) -> str:
    import html

    bold = sys.stdout.isatty()
    text = re.sub(r"<mark>(.*?)</mark>", r"\033[1m\1\033[0m" if bold else r"\1", snippet_html)
    return html.unescape(text)


def _cypher(args: argparse.Namespace, settings: Settings) -> int:
    from api.cypher import CypherService
    from graph.guard import open_guarded_store

    if bool(args.query) == bool(args.named):
        return _usage_error("give either a QUERY or --named NAME")
    params = dict(args.param)
    clearance = _clearance(args, settings)
    store = open_guarded_store(settings)
    try:
        graph = _cleared_graph(settings, clearance)
        service = CypherService(
            settings, store if graph is None else store.graph(graph), settings.graph.queries_dir
        )
        bounds = {"timeout_ms": args.timeout_ms, "max_rows": args.max_rows}
        if args.named:
            result = service.run_named(args.named, params, **bounds)
        else:
            result = service.run(args.query, params, **bounds)
    finally:
        store.close()
    body = {"columns": result.columns, "rows": result.rows, "truncated": result.truncated}
    _record(args, settings, "cypher", args.query or args.named, params, body)
    if args.json:
        print(
            json.dumps(
                body,
                default=str,
            )
        )
        return 0
    print(" | ".join(result.columns))
    for row in result.rows:
        print(" | ".join(json.dumps(v, default=str) if not isinstance(v, str) else v for v in row))
    print(f"({len(result.rows)} rows{', truncated' if result.truncated else ''})")
    return 0


def _cleared_graph(settings: Settings, clearance: str) -> str | None:
    """The graph a clearance's Cypher runs on: None for the full one (it sees every document)."""
    from kg.markings import MARKINGS, level_graph, visible
    from vectors.generations import Snapshot

    if clearance == MARKINGS[-1]:
        return None
    snapshot = Snapshot.open_current(settings.index_dir)
    try:
        counts = snapshot.markings(settings.access.default_marking)
    finally:
        snapshot.close()
    if all(visible(m, clearance) for m in counts):
        return None
    return level_graph(settings.graph.graph_name, clearance)


def _entities(args: argparse.Namespace, settings: Settings) -> int:
    from pydantic import ValidationError

    from api.deps import Services
    from api.routes.entities import (
        EntityCardOut,
        EntityMatchOut,
        EntitySearchParams,
        EntitySearchResponse,
    )
    from kg.validation import plain_problem

    if bool(args.query) == bool(args.entity_id):
        return _usage_error("give either a QUERY or --id ID")
    if args.entity_id and (args.type is not None or args.limit is not None):
        return _usage_error("--type and --limit go with a QUERY, not with --id")
    params = None
    if args.query:
        given = {"q": args.query, "type": args.type, "limit": args.limit}
        try:
            params = EntitySearchParams(**{k: v for k, v in given.items() if v is not None})
        except ValidationError as error:
            flags = {"q": "QUERY", "type": "--type", "limit": "--limit"}
            messages = []
            for problem in error.errors():
                name, message = plain_problem(problem)
                messages.append(flags.get(name, name) + message.removeprefix(name))
            return _usage_error("; ".join(messages))
    services = Services(settings)
    try:
        entities = services.snapshot().view(_clearance(args, settings)).entities
        if params is None:
            card = EntityCardOut.model_validate(entities.card(args.entity_id))
            _record(
                args,
                settings,
                "entities",
                args.entity_id,
                {"id": args.entity_id},
                card.model_dump(),
            )
            print(card.model_dump_json(indent=2) if args.json else _card_text(card))
            return 0
        found = EntitySearchResponse(
            entities=[
                EntityMatchOut.model_validate(m)
                for m in entities.find(params.q, params.type, params.limit)
            ]
        )
        _record(args, settings, "entities", params.q, {}, found.model_dump())
    finally:
        services.close()
    if args.json:
        print(found.model_dump_json(indent=2))
    elif not found.entities:
        print("no entities")
    else:
        print(f"{'score':>5}  {'type':<14} {'id':<40} name (matched by)")
        for m in found.entities:
            print(f"{m.score:>5.2f}  {m.type:<14} {m.id:<40} {m.name} ({m.matchedBy})")
    return 0


def _card_text(card: Any) -> str:
    """An entity card (api.routes.entities.EntityCardOut) for people to read."""
    lines = [f"{card.name} ({card.type})  {card.id}"]
    if card.aliases:
        lines.append("aliases: " + "; ".join(card.aliases))
    for key, value in card.properties.items():
        lines.append(f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    lines.append(f"\nSources ({len(card.sources)}):")
    for s in card.sources:
        lines.append(f"  {s.date or 'undated'} {s.title or s.docId} ({s.docId}:{s.start}-{s.end})")
        lines.append(f"    “{s.quote}”")
    lines.append(f"\nFacts ({len(card.facts)}):")
    for f in card.facts:
        ends = (card.name, f.other.name) if f.direction == "outgoing" else (f.other.name, card.name)
        lines.append(f"  {f.asOf or 'undated'} {ends[0]} {f.relation} {ends[1]} ({f.docId})")
        lines.append(f"    “{f.quote}”")
    if card.history:
        lines.append("\nPosts and ranks:")
        for h in card.history:
            lines.append(f"  {h.asOf or 'undated'} {h.kind}: {h.title} ({h.docId})")
    if card.truncated:
        lines.append("\n(truncated: a card lists its newest sources and facts up to a cap)")
    return "\n".join(lines)


def _eval_graph(args: argparse.Namespace, settings: Settings) -> None:
    from graph.guard import open_guarded_store
    from kg.graph_eval import evaluate_graph, format_graph_report

    store = open_guarded_store(settings)
    try:
        result = evaluate_graph(store, args.graph, precision_docs=args.precision_docs)
    finally:
        store.close()
    if args.json:
        print(json.dumps({"graph": result}, indent=2, default=str))
    else:
        print(f"Graph on {args.graph}\n")
        print(format_graph_report(result))
        print()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.app import create_app
    from cli.client import announced
    from kg import logs

    host = args.host or settings.api.host
    port = args.port or settings.api.port
    logs.configure(logging.DEBUG if args.verbose else settings.log_level, settings.log_format)
    with announced(settings, host, port):
        # uvicorn logs through the root handler (JSON by default); the app writes the access
        # lines itself, with request id, route, status and duration.
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            log_config=None,
            access_log=False,
        )
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from api.deps import Services
    from api.search import MODES, Mode
    from kg.evaluation import (
        evaluate_abstention,
        evaluate_answers,
        evaluate_retrieval,
        format_answers,
        format_table,
        load_questions,
        load_unanswerable,
    )

    if args.qa is None and args.graph is None and args.unanswerable is None:
        return _usage_error(
            "nothing to evaluate: give --qa FILE, --unanswerable FILE and/or --graph FILE"
        )
    if args.graph is not None:
        _eval_graph(args, settings)
    if args.qa is None and args.unanswerable is None:
        return 0
    services = Services(settings)

    def ask(question: str) -> tuple[str, list[tuple[str, str]], bool]:
        answer = services.ask.ask(question)
        passages = [(h.chunk.doc_id, h.chunk.text) for h in answer.passages]
        return answer.answer, passages, answer.answered

    if args.qa is None:
        only = evaluate_abstention(load_unanswerable(args.unanswerable), ask)
        services.close()
        _print_abstention(args, only)
        return 0
    questions = load_questions(args.qa)
    results: dict[str, Any] = {}
    for mode in MODES:

        def run(query: str, mode: Mode = mode) -> list[tuple[str, str]]:
            return [
                (h.chunk.doc_id, h.chunk.text) for h in services.search.search(query, 10, mode=mode)
            ]

        results[mode] = evaluate_retrieval(questions, run)

    answers = evaluate_answers(questions, ask)
    abstention: dict[str, Any] | None = None
    if args.unanswerable is not None:
        abstention = evaluate_abstention(load_unanswerable(args.unanswerable), ask)
    services.close()
    if args.json:
        body = {"retrieval": results, "answers": answers}
        print(json.dumps(body | ({"abstention": abstention} if abstention else {}), indent=2))
        return 0
    print(f"Retrieval on {args.qa} ({len(questions)} questions)\n")
    print(format_table(results))
    print(f"Answers (kg ask) on {args.qa}\n")
    print(format_answers(answers))
    if abstention is not None:
        print()
        _print_abstention(args, abstention)
    return 0


def _print_abstention(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if args.json and args.qa is None:
        print(json.dumps({"abstention": result}, indent=2))
        return
    print(f"Abstention on {args.unanswerable} ({result['questions']} questions)\n")
    print(f"answered: false            {result['abstained']:.3f}")
    for question in result["answered"]:
        print(f"  answered anyway: {question}")


if __name__ == "__main__":
    sys.exit(main())
