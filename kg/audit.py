"""The audit log of every consultation (Data Protection Act 2018 s.62): append-only, hash-chained.

<data_dir>/access/audit.jsonl holds one JSON object a line. Each record carries `seq` (1, 2,
...), `prev` (the previous record's hash; 64 zeros for the first) and `hash`, the sha256 of
`prev` and the record's canonical JSON without `hash`. audit.head holds the last seq and hash,
so removing the last records is found too. `verify` recomputes the chain; an edited, removed,
inserted or reordered record breaks it.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

GENESIS = "0" * 64
FIELDS = (
    "seq",
    "time",
    "subject",
    "via",
    "role",
    "clearance",
    "method",
    "endpoint",
    "query",
    "params",
    "docs",
    "chunks",
    "count",
    "status",
    "justification",
    "request_id",
    "prev",
    "hash",
)


@dataclass
class Consultation:
    """What one request (or CLI command) consulted, before it is chained."""

    subject: str
    via: str
    role: str
    clearance: str
    method: str
    endpoint: str
    query: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    docs: list[str] = field(default_factory=list)
    chunks: list[str] = field(default_factory=list)
    count: int = 0
    status: int = 200
    justification: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class Verification:
    """The outcome of `kg audit verify`."""

    ok: bool
    records: int
    problem: str | None = None
    seq: int | None = None  # the first record found wrong


def _digest(prev: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev + canonical).encode()).hexdigest()


class AuditLog:
    """One data directory's audit log."""

    def __init__(self, access_dir: Path) -> None:
        self.path = access_dir / "audit.jsonl"
        self.head = access_dir / "audit.head"

    def append(self, entry: Consultation) -> dict[str, Any]:
        """Chain and append one record (under an exclusive lock, written and fsynced)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.path, "a+", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                seq, prev = self._head()
                body = {
                    "seq": seq + 1,
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    **asdict(entry),
                    "prev": prev,
                }
                body["hash"] = _digest(prev, body)
                f.write(json.dumps(body, sort_keys=True, ensure_ascii=False) + "\n")
                f.flush()
                os.fsync(f.fileno())
                tmp = self.head.with_suffix(".head.tmp")
                tmp.write_text(json.dumps({"seq": body["seq"], "hash": body["hash"]}), "utf-8")
                os.replace(tmp, self.head)
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
        return body

    def _head(self) -> tuple[int, str]:
        try:
            data = json.loads(self.head.read_text("utf-8"))
            return int(data["seq"]), str(data["hash"])
        except FileNotFoundError:
            return 0, GENESIS

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record, in order (a line that is not JSON is yielded as {"_raw": line})."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    yield json.loads(line)
                except ValueError:
                    yield {"_raw": line}

    def verify(self) -> Verification:
        """Recompute the chain: the first record that does not fit, or ok."""
        prev, expected, n = GENESIS, 1, 0
        for record in self.records():
            n += 1
            seq = record.get("seq") if isinstance(record.get("seq"), int) else None
            if "_raw" in record:
                return Verification(False, n, "a line is not a JSON record", expected)
            body = {k: v for k, v in record.items() if k != "hash"}
            if seq != expected:
                return Verification(False, n, f"record {expected} is missing or out of order", seq)
            if record.get("prev") != prev:
                return Verification(False, n, f"record {seq} does not follow record {seq - 1}", seq)
            if _digest(prev, body) != record.get("hash"):
                return Verification(False, n, f"record {seq} was altered", seq)
            prev, expected = str(record["hash"]), expected + 1
        seq, head = self._head()
        if (seq, head) != (expected - 1, prev):
            return Verification(
                False, n, f"the log ends at record {expected - 1}, the head says {seq}", seq
            )
        return Verification(True, n)

    def export_csv(self, out: IO[str], start: datetime | None, end: datetime | None) -> int:
        """Write records with start <= time < end as CSV (lists as JSON); return the count."""
        writer = csv.writer(out)
        writer.writerow(FIELDS)
        n = 0
        for record in self.records():
            if "_raw" in record:
                continue
            when = datetime.fromisoformat(str(record["time"]))
            if (start and when < start) or (end and when >= end):
                continue
            writer.writerow([_cell(record.get(k)) for k in FIELDS])
            n += 1
        return n


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def returned_ids(
    body: Any, doc_keys: Sequence[str] = ("doc", "docId")
) -> tuple[list[str], list[str]]:
    """The document and chunk ids a response body names (every nesting level), in order."""
    docs: dict[str, None] = {}
    chunks: dict[str, None] = {}
    stack = [body]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key in doc_keys and isinstance(item, str):
                    docs[item] = None
                elif key == "chunkId" and isinstance(item, str):
                    chunks[item] = None
                elif isinstance(item, dict | list):
                    stack.append(item)
        elif isinstance(value, list):
            stack.extend(reversed(value))
    return list(docs), list(chunks)


_ID_FIELD = re.compile(rb'"(doc|docId|chunkId|id)"\s*:\s*"((?:[^"\\]|\\.)*)"')


def ids_in_json(
    raw: bytes, doc_keys: Sequence[str] = ("doc", "docId")
) -> tuple[list[str], list[str]]:
    """returned_ids over a serialised body, by one regular-expression scan (fast on a large
    Cypher result, where walking the parsed rows would hold the interpreter for seconds)."""
    docs: dict[str, None] = {}
    chunks: dict[str, None] = {}
    wanted = {k.encode() for k in doc_keys}
    for m in _ID_FIELD.finditer(raw):
        key = m.group(1)
        if key != b"chunkId" and key not in wanted:
            continue
        try:
            value = json.loads(b'"' + m.group(2) + b'"')
        except ValueError:
            continue
        (chunks if key == b"chunkId" else docs)[value] = None
    return list(docs), list(chunks)
