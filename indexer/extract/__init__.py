"""Extraction: mentions and facts of a document, by rules and gazetteers kept as data."""

from indexer.extract.document import DocumentExtractor, extract_document
from indexer.extract.model import Evidence, Extraction, Fact, Mention
from indexer.extract.vocab import Vocabulary, default_vocabulary, load_vocabulary

__all__ = [
    "DocumentExtractor",
    "Evidence",
    "Extraction",
    "Fact",
    "Mention",
    "Vocabulary",
    "default_vocabulary",
    "extract_document",
    "load_vocabulary",
]
