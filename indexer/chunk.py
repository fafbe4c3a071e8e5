"""Split a clean document text into token-sized chunks that keep their offsets and context."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache

from langchain_text_splitters import RecursiveCharacterTextSplitter

from indexer.clean import CleanText
from indexer.segment import Structure
from kg.types import Chunk, Document, context_header

# Paragraphs first, then sentences, then clauses, then words: a chunk ends at the largest
# natural boundary that keeps it inside the token budget.
_SEPARATORS = [
    r"\n\n",
    r"\n",
    r"(?<=[.!?])\s+(?=[A-Z0-9\"“‘'(])",
    r"(?<=[;:])\s+",
    r"(?<=,)\s+",
    r"\s+",
    r"",
]


def chunk_id(doc_id: str, text: str, occurrence: int) -> str:
    """Deterministic id from the document and the chunk's content."""
    digest = hashlib.sha1(f"{doc_id}\x00{occurrence}\x00{text}".encode()).hexdigest()
    return digest[:20]


class Chunker:
    """Token-aware recursive splitting (langchain-text-splitters) with offsets and context."""

    def __init__(
        self,
        count_tokens: Callable[[str], int],
        size_tokens: int,
        overlap_tokens: int,
        max_tokens: int,
    ) -> None:
        if size_tokens > max_tokens:
            raise ValueError(f"chunk size {size_tokens} exceeds the model window {max_tokens}")
        self._count = lru_cache(maxsize=65536)(count_tokens)
        self._max_tokens = max_tokens
        self._splitter = RecursiveCharacterTextSplitter(
            separators=_SEPARATORS,
            is_separator_regex=True,
            keep_separator="end",
            chunk_size=size_tokens,
            chunk_overlap=min(overlap_tokens, size_tokens // 2),
            length_function=self._count,
            strip_whitespace=True,
        )

    def split(self, document: Document, view: CleanText, structure: Structure) -> list[Chunk]:
        """Chunks of one document, in order, with offsets into the document text."""
        chunks: list[Chunk] = []
        seen: dict[str, int] = {}
        cursor = 0
        for piece in self._splitter.split_text(view.text):
            start = view.text.find(piece, cursor)
            if start < 0:  # cannot happen with strip_whitespace pieces; be safe
                start = view.text.find(piece)
            end = start + len(piece)
            cursor = start + 1
            occurrence = seen.get(piece, 0)
            seen[piece] = occurrence + 1
            doc_start, doc_end = view.span(start, end)
            chunks.append(
                Chunk(
                    id=chunk_id(document.id, piece, occurrence),
                    doc_id=document.id,
                    ordinal=len(chunks),
                    start=doc_start,
                    end=doc_end,
                    text=piece,
                    section=structure.section_for(start, end),
                    paragraph=structure.paragraph_for(start, end),
                    page=document.page_at(doc_start),
                )
            )
        return chunks

    def embedding_text(self, document: Document, chunk: Chunk) -> str:
        """What the encoder sees: a short context header, then the chunk, within the window."""
        header = context_header(document, chunk.section)
        budget = self._max_tokens - self._count(chunk.text) - 1
        if not header or budget < 4:
            return chunk.text
        if self._count(header) > budget:
            words = header.split()
            while words and self._count(" ".join(words)) > budget:
                words.pop()
            header = " ".join(words)
        return f"{header}\n{chunk.text}" if header else chunk.text
