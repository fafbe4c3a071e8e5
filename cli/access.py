"""`kg keys` and `kg audit`, and the audit record of the CLI's own queries (as the local admin)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kg.access import ROLES, local_admin
from kg.audit import AuditLog, Consultation, returned_ids
from kg.keys import KeyStore
from kg.markings import MARKINGS
from kg.settings import Settings


def add_parsers(sub: Any) -> None:
    """The `keys` and `audit` sub-commands."""
    p = sub.add_parser("keys", help="create, list and revoke API keys (admins)")
    keys = p.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    c = keys.add_parser("create", help="create a key; it is printed once, only its hash is kept")
    c.add_argument("--name", required=True, help="who or what the key is for (unique)")
    c.add_argument("--role", required=True, choices=ROLES)
    c.add_argument("--clearance", required=True, choices=MARKINGS, metavar="MARKING")
    c.add_argument("--json", action="store_true", help='print {"key", "name", "role", "clearance"}')
    c = keys.add_parser("list", help="list keys (never their secrets)")
    c.add_argument("--json", action="store_true", help="print JSON")
    c = keys.add_parser("revoke", help="revoke a key by name")
    c.add_argument("name")
    c.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("audit", help="verify or export the audit log (admins)")
    audit = p.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    c = audit.add_parser("verify", help="check the hash chain (exit 1 when broken)")
    c.add_argument("--json", action="store_true", help="print JSON")
    c = audit.add_parser("export", help="write records as CSV")
    c.add_argument("--from", dest="start", type=_when, help="records at or after (ISO date/time)")
    c.add_argument("--to", dest="end", type=_when, help="records before (ISO date/time)")
    c.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")


def _when(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"must be an ISO date or date-time; got {value!r}") from e
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def keys(args: argparse.Namespace, settings: Settings) -> int:
    """`kg keys create|list|revoke`."""
    store = KeyStore(settings.access_dir)
    if args.keys_command == "create":
        key, info = store.create(args.name, args.role, args.clearance)
        record("keys create", settings, query=args.name, params={"role": args.role})
        if args.json:
            print(
                json.dumps(
                    {"key": key, "name": info.name, "role": info.role, "clearance": info.clearance}
                )
            )
        else:
            print(key)
            print(
                f"(key {info.name!r}: {info.role}, cleared to {info.clearance}; shown once, "
                "only its hash is kept)",
                file=sys.stderr,
            )
        return 0
    if args.keys_command == "list":
        found = store.list()
        record("keys list", settings, count=len(found))
        if args.json:
            print(json.dumps([vars(k) for k in found], indent=2))
        for k in [] if args.json else found:
            state = f"revoked {k.revoked}" if k.revoked else "active"
            print(f"{k.name:<32} {k.role:<8} {k.clearance:<19} {k.created}  {state}")
        return 0
    info = store.revoke(args.name)
    record("keys revoke", settings, query=args.name)
    if args.json:
        print(json.dumps(vars(info)))
    else:
        print(f"revoked {info.name}")
    return 0


def audit(args: argparse.Namespace, settings: Settings) -> int:
    """`kg audit verify|export`."""
    log = AuditLog(settings.access_dir)
    if args.audit_command == "verify":
        result = log.verify()
        record("audit verify", settings, count=result.records)
        if args.json:
            print(json.dumps(vars(result)))
        elif result.ok:
            print(f"audit log intact: {result.records} records")
        else:
            print(f"audit log broken: {result.problem}", file=sys.stderr)
        return 0 if result.ok else 1
    record("audit export", settings, params={"from": str(args.start), "to": str(args.end)})
    if args.out is None:
        n = log.export_csv(sys.stdout, args.start, args.end)
    else:
        with open(args.out, "w", newline="", encoding="utf-8") as f:
            n = log.export_csv(f, args.start, args.end)
    print(f"{n} records", file=sys.stderr)
    return 0


def record(
    command: str,
    settings: Settings,
    *,
    clearance: str | None = None,
    query: str | None = None,
    params: dict[str, Any] | None = None,
    body: Any = None,
    count: int | None = None,
    status: int = 0,
) -> None:
    """One audit record of a CLI command, as the local admin (status: its exit code)."""
    who = local_admin(clearance or settings.access.cli_clearance)
    entry = Consultation(
        who.subject, who.via, who.role, who.clearance, "CLI", f"kg {command}", query, params or {}
    )
    if body is not None:
        entry.docs, entry.chunks = returned_ids(body)
    entry.count = count if count is not None else _count(body)
    entry.status = status
    AuditLog(settings.access_dir).append(entry)


def _count(body: Any) -> int:
    if isinstance(body, dict):
        for key in ("results", "entities", "rows", "facts"):
            if isinstance(body.get(key), list):
                return len(body[key])
        return 1
    return 0
