"""GET /ask."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SettingsDep, SnapshotDep
from api.request import Filters, check_request
from api.schemas import MAX_QUERY_CHARS, AskResponse, QueryText

router = APIRouter(tags=["ask"])


class AskParams(BaseModel):
    """Query string of GET /ask."""

    model_config = ConfigDict(extra="forbid")

    q: QueryText = Field(
        ...,
        min_length=1,
        max_length=MAX_QUERY_CHARS,
        description="A question, e.g. 'who leads CSE'; at most KG_SEARCH__MAX_QUERY_CHARS.",
    )


@router.get("/ask", response_model=AskResponse)
def ask(
    params: Annotated[AskParams, Query()], read: SnapshotDep, settings: SettingsDep
) -> AskResponse:
    """Answer a question from the graph with cited facts and dates, plus supporting passages."""
    question, _ = check_request(settings.search, params.q, None, Filters())
    return AskResponse.from_answer(read().ask.ask(question))
