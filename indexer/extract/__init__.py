"""Extraction: mentions and facts of a document, by rules and gazetteers kept as data."""

from graph.model import Evidence, Extraction, Fact, Mention
from indexer.extract.document import DocumentExtractor, extract_document
from kg.vocab import Vocabulary, default_vocabulary, load_vocabulary

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
