"""Find corpus files and load each into a Document: text, pages, title, date and sha256."""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import docx
import pypdf
from bs4 import (
    BeautifulSoup,
    MarkupResemblesLocatorWarning,
    NavigableString,
    Tag,
    XMLParsedAsHTMLWarning,
)
from bs4.dammit import EncodingDetector
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from lxml import etree
from pypdf.errors import PyPdfError

from indexer.metadata import SIDECAR_SUFFIXES, describe
from kg.errors import DocumentError
from kg.types import Document, Page

FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
SUPPORTED_SUFFIXES = frozenset(FORMATS)
PAGE_SEPARATOR = "\n\n"

_BOM = b"\xef\xbb\xbf"
_BINARY_SAMPLE = 8192
# Bytes below 0x20 that plain text does contain: tab, newline, vertical tab, form feed, return.
_TEXT_CONTROLS = frozenset(b"\t\n\v\f\r")
_DROPPED_TAGS = ("script", "style", "nav", "noscript", "template", "head")
_BLOCK_TAG_NAMES = (
    "address article aside blockquote br caption dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main ol p pre section summary table tr ul"
)
_BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
_CELL_TAGS = frozenset({"td", "th"})
_SPACES_RE = re.compile(r"[^\S\n\t]+")
_WHITESPACE_RE = re.compile(r"\s+")
_CELL_GAP_RE = re.compile(r" *\t *")


@dataclass(frozen=True)
class _Extracted:
    text: str
    pages: tuple[Page, ...] = ()
    title: str | None = None  # the format's own title, if it has one


def discover(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    """Supported files under `paths` as (absolute path, doc id), directories walked in order.

    A file reached twice is listed once; two files that share an id (a.txt in two folders
    given) are both listed, for the caller to report.
    """
    found: list[tuple[Path, str]] = []
    for given in paths:
        if not given.exists():
            raise DocumentError(f"{given}: no such file or directory", {"path": str(given)})
        root = Path(os.path.abspath(given))
        if root.is_dir():
            files = sorted(_walk(root), key=lambda f: f.relative_to(root).as_posix())
            pairs = [(f, f.relative_to(root).as_posix()) for f in files]
        else:
            # A file named directly may be hidden, but sidecars and other formats never load.
            pairs = [(root, root.name)] if _loadable(root) else []
        listed = {file for file, _ in found}
        found += [pair for pair in pairs if pair[0] not in listed]
    return found


def load_document(path: Path, doc_id: str) -> Document:
    """Read, extract and describe one file; DocumentError says what is wrong with it."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DocumentError(
            f"{path}: unsupported format {path.suffix!r} "
            f"(supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})",
            {"path": str(path)},
        )
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(f"{path}: cannot read: {e.strerror or e}", {"path": str(path)}) from e
    if not data.strip():
        raise DocumentError(f"{path}: empty file", {"path": str(path)})
    extracted = _EXTRACTORS[fmt](path, data)
    if not extracted.text.strip():
        raise DocumentError(f"{path}: no text could be extracted", {"path": str(path)})
    meta = describe(path, extracted.text, extracted.title)
    return Document(
        id=doc_id,
        source=os.path.abspath(path),
        format=fmt,
        text=extracted.text,
        title=meta.title,
        date=meta.date,
        date_text=meta.date_text,
        date_source=meta.date_source,
        sha256=hashlib.sha256(data).hexdigest(),
        pages=extracted.pages,
        classification=meta.classification,
        force=meta.force,
    )


def _walk(root: Path) -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        files += [Path(folder, n) for n in names if not n.startswith(".")]
    return [f for f in files if _loadable(f)]


def _loadable(path: Path) -> bool:
    name = path.name.lower()
    return not name.endswith(SIDECAR_SUFFIXES) and path.suffix.lower() in SUPPORTED_SUFFIXES


def _newlines(text: str) -> str:
    # Runs before any offset is taken; a lone \r (old Mac files) is a line break too.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_not_binary(path: Path, data: bytes) -> None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(
            f"{path}: UTF-16 text is not supported; save it as UTF-8", {"path": str(path)}
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DocumentError(f"{path}: binary file (NUL byte at offset {nul})", {"path": str(path)})
    sample = data[:_BINARY_SAMPLE]
    controls = sum(1 for b in sample if b < 0x20 and b not in _TEXT_CONTROLS)
    if controls > 0.1 * len(sample):
        raise DocumentError(f"{path}: binary file (mostly non-text bytes)", {"path": str(path)})


def _decode_utf8(path: Path, data: bytes) -> str:
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        offset = e.start + len(data) - len(body)
        raise DocumentError(
            f"{path}: invalid UTF-8 at byte offset {offset} (byte 0x{data[offset]:02x})",
            {"path": str(path), "offset": offset},
        ) from e


def _load_text(path: Path, data: bytes) -> _Extracted:
    _check_not_binary(path, data)
    return _Extracted(_newlines(_decode_utf8(path, data)))


def _load_html(path: Path, data: bytes) -> _Extracted:
    _check_not_binary(path, data)
    # A page that declares another charset is decoded with it; otherwise it must be UTF-8,
    # checked here because bs4 would quietly guess another encoding.
    declared = EncodingDetector.find_declared_encoding(data, is_html=True)
    if declared and declared.lower().replace("_", "-") in ("utf-8", "utf8"):
        declared = None
    markup = data if declared else _decode_utf8(path, data)
    try:
        with warnings.catch_warnings():
            # bs4 warns about XHTML parsed as HTML and markup that looks like a file name;
            # neither stops the text being read.
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            soup = BeautifulSoup(markup, "lxml", from_encoding=declared)
    except (LookupError, ValueError, etree.LxmlError) as e:
        raise DocumentError(f"{path}: cannot parse HTML: {e}", {"path": str(path)}) from e
    titles = (tag.get_text(" ", strip=True) for tag in (soup.title, soup.find("h1")) if tag)
    title = next((t for t in titles if t), None)
    for tag in soup.find_all(_DROPPED_TAGS):
        tag.decompose()
    return _Extracted(_html_text(soup), title=title)


def _html_text(soup: BeautifulSoup) -> str:
    """Visible text, one line per block element, table cells separated by tabs."""
    pieces: list[str] = []
    stack: list[Tag | NavigableString | str] = [soup]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and not isinstance(node, NavigableString):
            pieces.append(node)  # a separator pushed below
        elif isinstance(node, Tag):
            block = node.name in _BLOCK_TAGS
            stack.append("\n" if block else "\t" if node.name in _CELL_TAGS else "")
            stack.extend(
                reversed([c for c in node.children if isinstance(c, Tag | NavigableString)])
            )
            pieces.append("\n" if block else "")
        elif type(node) is NavigableString:  # not a Comment, Doctype or other special string
            pieces.append(_WHITESPACE_RE.sub(" ", node))  # source line breaks are spaces in HTML
    lines = (_SPACES_RE.sub(" ", line) for line in "".join(pieces).split("\n"))
    lines = (_CELL_GAP_RE.sub("\t", line).strip(" \t") for line in lines)
    return "\n".join(line for line in lines if line)


def _load_pdf(path: Path, data: bytes) -> _Extracted:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{path}: PDF is encrypted with a password", {"path": str(path)})
        texts = [_newlines(page.extract_text() or "") for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        OSError,
        NotImplementedError,
        RecursionError,
    ) as e:
        # pypdf reports damage with its own errors and, deeper in a broken file, builtin ones.
        raise DocumentError(f"{path}: cannot open PDF: {e}", {"path": str(path)}) from e
    pages, start = [], 0
    for number, text in enumerate(texts, start=1):
        pages.append(Page(number, start, start + len(text)))
        start += len(text) + len(PAGE_SEPARATOR)
    return _Extracted(PAGE_SEPARATOR.join(texts), tuple(pages), title)


def _load_docx(path: Path, data: bytes) -> _Extracted:
    try:
        document = docx.Document(io.BytesIO(data))
        lines = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines += _table_lines(block)
            elif block.text.strip():
                lines.append(block.text)
        title = document.core_properties.title
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError) as e:
        raise DocumentError(f"{path}: cannot open DOCX: {e}", {"path": str(path)}) from e
    return _Extracted(_newlines("\n".join(lines)), title=title or None)


def _table_lines(table: Table) -> list[str]:
    """One line per row, cells separated by tabs; a merged cell is read once."""
    lines = []
    for row in table.rows:
        cells, elements = [], []
        for cell in row.cells:
            if cell._tc not in elements:  # lxml elements compare by identity
                elements.append(cell._tc)
                cells.append(" ".join(cell.text.split()))
        if any(cells):
            lines.append("\t".join(cells))
    return lines


_EXTRACTORS = {
    "txt": _load_text,
    "md": _load_text,
    "html": _load_html,
    "pdf": _load_pdf,
    "docx": _load_docx,
}
