"""Loading each supported format into a Document, the errors for bad files, and discovery."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from indexer.load import SUPPORTED_SUFFIXES, discover, load_document
from kg.errors import DocumentError


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def _pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
    pdf.output(str(path))
    return path


def _docx(path: Path) -> Path:
    document = docx.Document()
    document.core_properties.title = "Force Review"
    document.add_heading("Force Review", level=1)
    document.add_paragraph("First paragraph.")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {
        (0, 0): "Name",
        (0, 1): "Role",
        (1, 0): "Jane Smith",
        (1, 1): "Chief Constable",
    }.items():
        table.cell(row, col).text = text
    document.add_paragraph("After the table.")
    document.save(str(path))
    return path


def _error(path: Path) -> str:
    with pytest.raises(DocumentError) as info:
        load_document(path, path.name)
    assert str(path) in str(info.value)
    return str(info.value)


def test_supported_suffixes_cover_every_format() -> None:
    assert {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"} == SUPPORTED_SUFFIXES


def test_txt_loads_text_as_is_with_hash_source_and_format(tmp_path: Path) -> None:
    path = _write(tmp_path / "paper.txt", "Crime Plan Update\n\n  1. Text   stays as written.  \n")
    doc = load_document(path, "paper.txt")
    assert doc.id == "paper.txt"
    assert doc.format == "txt"
    assert doc.text == "Crime Plan Update\n\n  1. Text   stays as written.  \n"
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.source == str(path)
    assert doc.title == "Crime Plan Update"
    assert doc.pages == ()


def test_txt_line_endings_become_newlines(tmp_path: Path) -> None:
    path = _write(tmp_path / "crlf.txt", "Line one\r\nLine two\rLine three\n")
    assert load_document(path, "crlf.txt").text == "Line one\nLine two\nLine three\n"


def test_txt_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.txt", "\ufeffOperation Sentinel – update".encode())
    assert load_document(path, "bom.txt").text == "Operation Sentinel – update"


@pytest.mark.parametrize("name", ["notes.md", "notes.markdown"])
def test_markdown_loads_as_md_with_heading_title(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path / name, "# **Neighbourhood Policing Review**\n\nSome *text*.\n")
    doc = load_document(path, name)
    assert doc.format == "md"
    assert doc.text == "# **Neighbourhood Policing Review**\n\nSome *text*.\n"
    assert doc.title == "Neighbourhood Policing Review"


def test_html_drops_script_style_nav_and_puts_blocks_on_lines(tmp_path: Path) -> None:
    html = """<!DOCTYPE html><html><head><title>Board Report</title>
    <style>p { color: red }</style><script>var hidden = 1;</script></head>
    <body><nav><a href="/">Home</a></nav><h1>Main   heading</h1>
    <p>Hello <b>world</b>,
       again.</p><ul><li>One</li><li>Two</li></ul><!-- a comment -->
    <table><tr><td>Post</td> <td>Holder</td></tr></table><div>End<br>line</div></body></html>"""
    doc = load_document(_write(tmp_path / "page.html", html), "page.html")
    assert doc.format == "html"
    assert doc.text == "Main heading\nHello world, again.\nOne\nTwo\nPost\tHolder\nEnd\nline"
    assert doc.title == "Board Report"


def test_html_title_falls_back_to_first_h1(tmp_path: Path) -> None:
    html = "<html><body><p>Intro</p><h1>Custody Inspection</h1><h1>Other</h1></body></html>"
    assert load_document(_write(tmp_path / "a.htm", html), "a.htm").title == "Custody Inspection"


def test_html_declared_charset_is_used(tmp_path: Path) -> None:
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>Café visit</p></body></html>'
    path = _write(tmp_path / "latin.html", html.encode("iso-8859-1"))
    assert load_document(path, "latin.html").text == "Café visit"


def test_pdf_records_one_page_span_per_page(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "two.pdf", ["Alpha on page one.", "Beta on page two."])
    doc = load_document(path, "two.pdf")
    assert doc.format == "pdf"
    assert [p.number for p in doc.pages] == [1, 2]
    first, second = doc.pages
    assert doc.text[first.start : first.end].strip() == "Alpha on page one."
    assert doc.text[second.start : second.end].strip() == "Beta on page two."
    assert doc.text[first.end : second.start] == "\n\n"
    assert doc.page_at(doc.text.index("Beta")) == 2
    assert doc.page_at(doc.text.index("Alpha")) == 1


def test_pdf_title_comes_from_its_metadata(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "t.pdf", ["Some body text here."], title="Annual Custody Report")
    assert load_document(path, "t.pdf").title == "Annual Custody Report"


def test_docx_keeps_paragraphs_headings_and_table_cells(tmp_path: Path) -> None:
    doc = load_document(_docx(tmp_path / "review.docx"), "review.docx")
    assert doc.format == "docx"
    assert doc.text == (
        "Force Review\nFirst paragraph.\nName\tRole\nJane Smith\tChief Constable\nAfter the table."
    )
    assert doc.title == "Force Review"


@pytest.mark.parametrize("name", ["empty.txt", "empty.md", "empty.html", "empty.pdf", "empty.docx"])
def test_empty_file_is_refused(tmp_path: Path, name: str) -> None:
    assert "empty file" in _error(_write(tmp_path / name, b""))


def test_whitespace_only_file_is_refused(tmp_path: Path) -> None:
    assert "empty file" in _error(_write(tmp_path / "blank.txt", " \n\n\t\n"))


def test_html_without_visible_text_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.html", "<html><script>x()</script><nav>Menu</nav></html>")
    assert "no text" in _error(path)


def test_pdf_without_text_is_refused(tmp_path: Path) -> None:
    assert "no text" in _error(_pdf(tmp_path / "scan.pdf", [""]))


def test_file_with_nul_bytes_is_binary(tmp_path: Path) -> None:
    message = _error(_write(tmp_path / "image.txt", b"GIF89a\x00\x01\x02binary"))
    assert "binary file" in message
    assert "offset 6" in message


def test_nul_byte_late_in_a_file_is_found(tmp_path: Path) -> None:
    message = _error(_write(tmp_path / "late.txt", b"a" * 20_000 + b"\x00"))
    assert "NUL byte at offset 20000" in message


def test_file_of_control_bytes_is_binary(tmp_path: Path) -> None:
    assert "binary file" in _error(_write(tmp_path / "blob.md", bytes(range(1, 32)) * 20))


def test_utf16_text_is_refused_with_advice(tmp_path: Path) -> None:
    path = _write(tmp_path / "wide.txt", "Report".encode("utf-16"))
    assert "UTF-16" in _error(path)


def test_invalid_utf8_names_the_byte_offset(tmp_path: Path) -> None:
    message = _error(_write(tmp_path / "latin.txt", b"Caf\xe9 au lait"))
    assert "invalid UTF-8 at byte offset 3" in message


def test_invalid_utf8_offset_counts_the_bom(tmp_path: Path) -> None:
    message = _error(_write(tmp_path / "bom.md", b"\xef\xbb\xbfAB\xff"))
    assert "byte offset 5" in message


def test_html_without_charset_must_be_utf8(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.html", b"<p>Caf\xe9</p>")
    assert "invalid UTF-8 at byte offset 6" in _error(path)


def test_html_declaring_utf8_must_be_valid_utf8(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.html", b'<meta charset="utf-8"><p>Caf\xe9</p>')
    assert "invalid UTF-8 at byte offset 28" in _error(path)


@pytest.mark.parametrize(
    "content", [b"%PDF-1.4\ngarbage\n%%EOF\n", b"not a pdf at all", b"%PDF-1.7\n1 0 obj <<"]
)
def test_corrupt_pdf_is_refused(tmp_path: Path, content: bytes) -> None:
    assert "cannot open PDF" in _error(_write(tmp_path / "broken.pdf", content))


def test_truncated_pdf_is_refused(tmp_path: Path) -> None:
    data = _pdf(tmp_path / "whole.pdf", ["Some text."]).read_bytes()
    assert "cannot open PDF" in _error(_write(tmp_path / "half.pdf", data[: len(data) // 2]))


def test_corrupt_docx_is_refused(tmp_path: Path) -> None:
    assert "cannot open DOCX" in _error(_write(tmp_path / "broken.docx", b"PK\x03\x04garbage"))


def test_zip_that_is_not_a_word_file_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "cannot open DOCX" in _error(_write(tmp_path / "zip.docx", buffer.getvalue()))


def test_unsupported_suffix_is_refused(tmp_path: Path) -> None:
    assert "unsupported format '.csv'" in _error(_write(tmp_path / "table.csv", "a,b\n"))


def test_missing_file_is_refused(tmp_path: Path) -> None:
    assert "cannot read" in _error(tmp_path / "gone.txt")


def test_discover_walks_directories_in_order_with_relative_ids(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    for name in ["b.txt", "a.md", "sub/c.pdf", "sub/deeper/d.docx", "Z.HTML"]:
        _write(root / name, "x")
    found = discover([root])
    assert [doc_id for _, doc_id in found] == [
        "Z.HTML",
        "a.md",
        "b.txt",
        "sub/c.pdf",
        "sub/deeper/d.docx",
    ]
    assert all(path.is_absolute() and path.is_file() for path, _ in found)
    assert found[3][0] == root / "sub" / "c.pdf"


def test_discover_skips_sidecars_hidden_and_unsupported_files(tmp_path: Path) -> None:
    for name in [
        "keep.txt",
        "keep.txt.meta.yaml",
        "keep.txt.meta.json",
        ".hidden.txt",
        ".git/config.txt",
        "notes/.cache/x.md",
        "data.csv",
        "image.png",
        "README",
    ]:
        _write(tmp_path / name, "x")
    assert [doc_id for _, doc_id in discover([tmp_path])] == ["keep.txt"]


def test_discover_names_a_file_given_directly_by_its_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "deep" / "paper.txt", "x")
    _write(tmp_path / "deep" / "paper.txt.meta.yaml", "title: X\n")
    assert discover([path, tmp_path / "deep" / "paper.txt.meta.yaml"]) == [(path, "paper.txt")]


def test_discover_lists_a_file_reached_twice_once(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.txt", "x")
    assert discover([tmp_path, path]) == [(path, "a.txt")]


def test_discover_lists_two_files_with_one_id_for_the_caller_to_report(tmp_path: Path) -> None:
    one = _write(tmp_path / "one" / "a.txt", "x")
    two = _write(tmp_path / "two" / "a.txt", "x")
    assert discover([one.parent, two.parent]) == [(one, "a.txt"), (two, "a.txt")]


def test_discover_refuses_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such file or directory"):
        discover([tmp_path / "nowhere"])


def test_discovered_files_load(tmp_path: Path) -> None:
    _write(tmp_path / "a.txt", "Plain Text Title\n\nBody.\n")
    (tmp_path / "b").mkdir()
    _pdf(tmp_path / "b" / "c.pdf", ["Page text."])
    docs = [load_document(path, doc_id) for path, doc_id in discover([tmp_path])]
    assert [(d.id, d.format) for d in docs] == [("a.txt", "txt"), ("b/c.pdf", "pdf")]
