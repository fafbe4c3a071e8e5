"""Learn acronyms from the corpus: inline "Long Name (ACR)" / "ACR (Long Name)" and glossaries.

Inline definitions are checked with the Schwartz–Hearst rule (every character of the short
form appears, in order, in the long form, the first at the start of a word), so that
ordinary parenthetical remarks are not taken for definitions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kg.text import STOP_WORDS
from kg.types import AcronymDefinition

# A short form: 2-10 characters, starts with a letter, has at least two capitals,
# may hold digits, '&', '/', '-', '+' and lower-case letters ("ViSOR", "D&CCU", "THRIVE+").
_SHORT = r"[A-Za-z][A-Za-z0-9&/+\-]{1,9}"
_PAREN_SHORT = re.compile(rf"\(\s*({_SHORT})\s*\)")
_SHORT_PAREN_LONG = re.compile(rf"\b({_SHORT})\s+\(([^()\n]{{4,120}})\)")
_GLOSSARY_LINE = re.compile(
    rf"^[ \t]*({_SHORT})[ \t]*(?:\t|[ \t]*[–:=-][ \t]+|[ \t]{{2,}})([^\t\n]{{3,120}}?)[ \t]*$",
    re.MULTILINE,
)
_GLOSSARY_HEADING = re.compile(
    r"^.*\b(glossary|abbreviations|acronyms)\b.*$", re.IGNORECASE | re.MULTILINE
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’]*")
_CONNECTORS = frozenset(["of", "and", "the", "for", "in", "on", "to", "a", "an", "&", "with"])


def is_short_form(token: str) -> bool:
    """Whether `token` looks like an acronym (at least two capitals, not all digits)."""
    capitals = sum(1 for c in token if c.isupper())
    return capitals >= 2 and not token.isdigit() and len(token) <= 10


_MINOR_WORDS = frozenset({"and", "of", "the", "for", "&", "in", "on", "to", "a"})


def by_initials(short: str, long: str) -> str | None:
    """The words at the end of `long` whose initials spell `short`, one content word per
    letter, minor words ("and", "of") between them allowed: "Innovation and Integration
    Partner" for IIP, where the shortest suffix would be "Integration Partner"."""
    letters = [c.lower() for c in short if c.isalpha()]
    words = long.split()
    if not letters or not short.isupper():
        return None
    si, start = len(letters) - 1, None
    for wi in range(len(words) - 1, -1, -1):
        word = words[wi].strip(",;:()“”\"'")
        if not word:
            return None
        if word.lower() in _MINOR_WORDS and si < len(letters) - 1:
            continue
        if word[0].lower() != letters[si]:
            return None
        start, si = wi, si - 1
        if si < 0:
            break
    if si >= 0 or start is None:
        return None
    return " ".join(words[start:]).strip(" ,;:-–")


def schwartz_hearst(short: str, long: str) -> str | None:
    """The long form of `short` at the end of `long`: the words whose initials spell it
    when there are such, else the shortest suffix that defines it; None when neither."""
    initials = by_initials(short, long)
    if initials and initials.lower() != short.lower():
        return initials
    letters = [c.lower() for c in short if c.isalnum()]
    if not letters:
        return None
    text = long.lower()
    li = len(text) - 1
    for si in range(len(letters) - 1, -1, -1):
        c = letters[si]
        while li >= 0 and (text[li] != c or (si == 0 and li > 0 and text[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        li -= 1
    start = text.rfind(" ", 0, li + 1) + 1
    candidate = long[start:].strip(" ,;:-–")
    words = candidate.split()
    # Bound the long form's length as Schwartz & Hearst do: min(|A| + 5, 2|A|) words.
    if not words or len(words) > min(len(letters) + 5, 2 * len(letters)):
        return None
    if candidate.lower() == short.lower():
        return None
    return candidate


def _tail_words(text: str, limit: int) -> str:
    words = text.split()
    return " ".join(words[-limit:])


def find_definitions(doc_id: str, text: str) -> list[AcronymDefinition]:
    """Acronym definitions in one document's (clean) text, with their spans."""
    found: list[AcronymDefinition] = []
    for m in _PAREN_SHORT.finditer(text):
        short = m.group(1)
        if not is_short_form(short):
            continue
        line_start = max(text.rfind("\n", 0, m.start()) + 1, m.start() - 200)
        before = _tail_words(text[line_start : m.start()], 2 * len(short) + 5)
        long = schwartz_hearst(short, before)
        if long:
            found.append(
                AcronymDefinition(short, _tidy(long), doc_id, m.start() - len(long) - 1, m.end())
            )
    for m in _SHORT_PAREN_LONG.finditer(text):
        short, inside = m.group(1), m.group(2)
        if is_short_form(short) and not is_short_form(inside.split()[0]):
            long = schwartz_hearst(short, inside)
            if long and long == inside.strip():
                found.append(AcronymDefinition(short, _tidy(long), doc_id, m.start(), m.end()))
    found.extend(_glossary_definitions(doc_id, text))
    return found


def _glossary_definitions(doc_id: str, text: str) -> Iterable[AcronymDefinition]:
    """Lines "ACR<tab>long form" after a heading that names a glossary or abbreviations.

    The glossary ends at the first run of lines that are neither entries nor letter headings
    (so a glossary named in a table of contents yields nothing).
    """
    for heading in _GLOSSARY_HEADING.finditer(text):
        misses = 0
        offset = heading.end() + 1
        for line in text[offset:].split("\n"):
            m = _GLOSSARY_LINE.match(line)
            if m and is_short_form(m.group(1)) and not is_short_form(m.group(2).strip()):
                misses = 0
                start = offset + m.start()
                yield AcronymDefinition(
                    m.group(1), _tidy(m.group(2)), doc_id, start, offset + m.end()
                )
            elif line.strip() and len(line.strip("#* ")) > 1:
                misses += 1
                if misses > 2:
                    break
            offset += len(line) + 1


def infer_definitions(doc_id: str, text: str, known: set[str]) -> list[AcronymDefinition]:
    """Definitions by initials, for acronyms a document uses but never defines.

    "CSE" used beside "Child Sexual Exploitation": a phrase whose words' initials spell the
    acronym (connectives skipped), each significant word capitalised or the phrase used twice.
    """
    found: list[AcronymDefinition] = []
    used = {m.group() for m in re.finditer(r"\b[A-Z][A-Z&]{1,5}\b", text)}
    for acronym in sorted(used - known):
        letters = [c for c in acronym if c.isalpha()]
        if len(letters) < 2 or acronym.lower() in STOP_WORDS:
            continue
        connector = r"(?:(?:and|of|the|for|in|on|to|&)\s+)?"
        parts = [rf"{c}[a-z]+" for c in letters]
        pattern = r"\b" + (r"[ \t-]+" + connector).join(parts) + r"\b"
        matches = list(re.finditer(pattern, text, re.IGNORECASE))
        phrases = {m.group() for m in matches}
        for phrase in phrases:
            raw = re.split(r"[\s-]+", phrase)
            words = [w for w in raw[1:-1] if w.lower() not in _CONNECTORS]
            words = [raw[0], *words, raw[-1]]
            if any(w.lower() in STOP_WORDS or len(w) < 3 for w in words):
                continue
            capitalised = all(w[0].isupper() for w in words)
            uses = sum(1 for m in matches if m.group().lower() == phrase.lower())
            if capitalised or (uses >= 2 and len(letters) >= 3):
                first = next(m for m in matches if m.group() == phrase)
                found.append(AcronymDefinition(acronym, phrase, doc_id, first.start(), first.end()))
                break
    return found


def _tidy(long: str) -> str:
    long = re.sub(r"\s+", " ", long).strip(" ,;:-–'\"“”‘’")
    return long


def merge_definitions(definitions: Iterable[AcronymDefinition]) -> dict[str, list[str]]:
    """acronym -> its distinct long forms, most often defined first."""
    counts: dict[str, dict[str, tuple[int, str]]] = {}
    for d in definitions:
        forms = counts.setdefault(d.acronym, {})
        key = d.expansion.lower()
        n, text = forms.get(key, (0, d.expansion))
        forms[key] = (n + 1, text)
    return {
        acronym: [text for _, text in sorted(forms.values(), key=lambda f: -f[0])]
        for acronym, forms in counts.items()
    }
