"""Shared text helpers: word tokens, stop words, normalisation for matching."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

# Words that carry no topic in a query or a long form (question words included).
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves also may might must shall us within without whose upon via per
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

_TOKEN = re.compile(r"[a-z0-9]+(?:&[a-z0-9]+)*")
_SPACE = re.compile(r"\s+")
# A Snowball stemmer keeps the word it works on in itself: one per thread, or requests served
# side by side corrupt each other's words (IndexError inside the stemmer, or a wrong stem).
_local = threading.local()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of a lower-case word."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


def words(text: str) -> list[str]:
    """Lower-case word tokens ("D&CCU" stays one token, "force's" gives "force")."""
    return [t for t in _TOKEN.findall(text.lower().replace("'s", "").replace("’s", ""))]


def terms(text: str, *, keep_stop_words: bool = False) -> list[str]:
    """Stemmed index terms of `text`, stop words dropped unless asked to keep them."""
    return [stem(w) for w in words(text) if keep_stop_words or w not in STOP_WORDS]


def normalise(text: str) -> str:
    """Lower-case, markup-free, single-spaced text, as the evaluation matches it."""
    text = text.replace("**", "").replace("<b>", "").replace("</b>", "")
    return _SPACE.sub(" ", text).strip().lower()
