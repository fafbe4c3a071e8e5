"""GET /audit and GET /audit/verify (admins only): the consultation log and its chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from kg.audit import AuditLog

router = APIRouter(tags=["audit"])


class AuditParams(BaseModel):
    """Query string of GET /audit."""

    model_config = ConfigDict(extra="forbid")

    start: datetime | None = Field(None, alias="from", description="Records at or after (ISO).")
    end: datetime | None = Field(None, alias="to", description="Records before (ISO).")
    limit: int = Field(100, ge=1, le=10_000, description="Newest records wanted (1..10000).")


class AuditRecords(BaseModel):
    """The newest records in the window, oldest first, as the log holds them."""

    records: list[dict[str, Any]]


class AuditCheck(BaseModel):
    """Whether the hash chain holds."""

    ok: bool
    records: int
    problem: str | None
    seq: int | None


def _log(request: Request) -> AuditLog:
    log: AuditLog = request.app.state.gate.audit
    return log


@router.get("/audit", response_model=AuditRecords)
def audit(request: Request, params: Annotated[AuditParams, Query()]) -> AuditRecords:
    """Audit records (who consulted what, when, with which documents returned)."""
    found = []
    for record in _log(request).records():
        if "_raw" in record:
            continue
        when = datetime.fromisoformat(str(record["time"]))
        if params.start and when < _aware(params.start, when):
            continue
        if params.end and when >= _aware(params.end, when):
            continue
        found.append(record)
    return AuditRecords(records=found[-params.limit :])


@router.get("/audit/verify", response_model=AuditCheck)
def verify(request: Request) -> AuditCheck:
    """Recompute the hash chain of the audit log."""
    result = _log(request).verify()
    return AuditCheck(ok=result.ok, records=result.records, problem=result.problem, seq=result.seq)


def _aware(value: datetime, like: datetime) -> datetime:
    """`value` with a time zone (UTC when none was given), to compare with the log's times."""
    return value if value.tzinfo else value.replace(tzinfo=like.tzinfo)
