"""GET /documents and GET /documents/{id}."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SnapshotDep
from api.schemas import DocumentDetail, DocumentList, DocumentSummary
from kg.errors import NotFound

router = APIRouter(tags=["documents"])


@router.get("/documents", response_model=DocumentList)
def documents(read: SnapshotDep) -> DocumentList:
    """Every indexed document with its metadata."""
    service = read().search
    return DocumentList(
        documents=[DocumentSummary.build(d, service.chunk_count(d.id)) for d in service.documents()]
    )


@router.get("/documents/{doc_id:path}", response_model=DocumentDetail)
def document(doc_id: str, read: SnapshotDep) -> DocumentDetail:
    """One document: metadata and the text that search offsets point into."""
    service = read().search
    found = service.index.document(doc_id)
    if found is None:
        raise NotFound(f"no document with id {doc_id!r}")
    summary = DocumentSummary.build(found, service.chunk_count(doc_id))
    return DocumentDetail(**summary.model_dump(), text=found.text)
