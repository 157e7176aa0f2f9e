"""Documents for /translate_file: pieces out, translations back, the rest of the file kept."""

from __future__ import annotations

import io
import zipfile

import pytest

from glassbox.errors import UnreadableFile
from glassbox.services.text._files import MAX_MEMBERS, read_document

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(*paragraphs: list[str]) -> bytes:
    """A small Word document: each paragraph a list of runs."""
    body = "".join(
        '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr>'
        + "".join(f"<w:r><w:rPr><w:b/></w:rPr><w:t>{run}</w:t></w:r>" for run in runs)
        + "</w:p>"
        for runs in paragraphs
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}" xmlns:w14="http://schemas.microsoft.com/office/word/2010/'
        f'wordml" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        f'mc:Ignorable="w14"><w:body>{body}</w:body></w:document>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", document)
        z.writestr("word/media/image1.png", b"\x89PNG not really")
    return out.getvalue()


def odt(*paragraphs: str) -> bytes:
    body = "".join(f'<text:p text:style-name="P1">{p}</text:p>' for p in paragraphs)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f'<office:body><office:text><text:h text:outline-level="1">Title</text:h>{body}'
        "</office:text></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", "<manifest/>")
    return out.getvalue()


def upper(pieces: list[str]) -> list[str]:
    """A stand-in translation that shows where each piece went."""
    return [p.upper() for p in pieces]


def test_plain_text_keeps_its_lines_and_blank_lines() -> None:
    doc = read_document("notes.txt", b"First line\n\nSecond line\n")
    assert doc.pieces == ["First line", "Second line"] and doc.fmt == "text"
    assert doc.rebuild(upper(doc.pieces)) == b"FIRST LINE\n\nSECOND LINE\n"


def test_html_is_one_piece_in_html_mode() -> None:
    doc = read_document("page.html", b"<p>Hello <b>world</b></p>")
    assert doc.pieces == ["<p>Hello <b>world</b></p>"] and doc.fmt == "html"


def test_word_paragraphs_are_translated_whole_and_the_rest_is_kept() -> None:
    data = docx(["The cat ", "sleeps &amp; dreams."], ["Second paragraph."], [" "])
    doc = read_document("letter.docx", data)
    assert doc.pieces == ["The cat sleeps & dreams.", "Second paragraph."]
    rebuilt = zipfile.ZipFile(io.BytesIO(doc.rebuild(upper(doc.pieces))))
    xml = rebuilt.read("word/document.xml").decode()
    assert "THE CAT SLEEPS &amp; DREAMS." in xml and "SECOND PARAGRAPH." in xml
    assert xml.count('<w:pStyle w:val="Heading1"/>') == 3  # paragraph styles stay
    assert 'mc:Ignorable="w14"' in xml and "xmlns:w14=" in xml  # declarations untouched
    assert rebuilt.read("word/media/image1.png") == b"\x89PNG not really"
    assert read_document("again.docx", doc.rebuild(upper(doc.pieces))).pieces == upper(doc.pieces)


def test_opendocument_paragraphs_and_headings() -> None:
    data = odt('One <text:span text:style-name="T1">two</text:span><text:s text:c="2"/>three')
    doc = read_document("memo.odt", data)
    assert doc.pieces == ["Title", "One two  three"]
    rebuilt = zipfile.ZipFile(io.BytesIO(doc.rebuild(upper(doc.pieces))))
    assert rebuilt.infolist()[0].filename == "mimetype"  # first, and stored, as ODF requires
    assert rebuilt.infolist()[0].compress_type == zipfile.ZIP_STORED
    xml = rebuilt.read("content.xml").decode()
    assert '<text:h text:outline-level="1">TITLE</text:h>' in xml
    assert '<text:p text:style-name="P1">ONE TWO  THREE</text:p>' in xml


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.pdf", b"%PDF-1.7", "the formats are"),
        ("empty.txt", b"", "is empty"),
        ("latin1.txt", "café".encode("latin-1"), "not UTF-8"),
        ("broken.docx", b"PK\x03\x04 not a zip", "not a readable Word document"),
        ("other.odt", docx(["hello"]), "not a readable OpenDocument document"),
    ],
)
def test_files_that_cannot_be_read_are_clear_errors(name: str, data: bytes, message: str) -> None:
    with pytest.raises(UnreadableFile, match=message):
        read_document(name, data)


def test_a_package_with_too_many_parts_is_refused_before_reading() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n in range(MAX_MEMBERS + 1):
            z.writestr(f"part{n}", b"")
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(UnreadableFile, match="more than"):
        read_document("bomb.docx", out.getvalue())


def test_a_path_in_the_file_name_is_dropped() -> None:
    assert read_document("../../etc/notes.txt", b"hi").filename == "notes.txt"
    assert read_document("C:\\Users\\me\\notes.txt", b"hi").filename == "notes.txt"
