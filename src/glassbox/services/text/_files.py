"""Documents for `/translate_file`: their text taken out in pieces, and put back translated.

Plain text (UTF-8) goes line by line; HTML whole, through the engines' HTML mode
(markup kept, scripts removed); Word (.docx) and OpenDocument (.odt) files paragraph
by paragraph: each paragraph's text is translated as one piece and written into its
first run (Word) or in place of its content (OpenDocument), so paragraphs keep their
styles while formatting inside a paragraph is not kept. Everything else in the
file, images and styles included, is copied unchanged. Packages are checked before
they are read: at most `MAX_MEMBERS` members, `MAX_XML_BYTES` of document XML and
`MAX_PACKAGE_BYTES` in all once unpacked, so a small upload cannot unpack into a huge
one.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from glassbox.errors import InputError, UnreadableFile

MAX_MEMBERS = 2000
MAX_XML_BYTES = 20 * 1024 * 1024
MAX_PACKAGE_BYTES = 100 * 1024 * 1024

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
FILE_FORMATS = {
    ".txt": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".docx": DOCX,
    ".odt": ODT,
}

# Word paragraphs and their text runs; a paragraph holding another (a text box) is left as is.
_W_PARAGRAPH = re.compile(rb"<w:p(?=[\s>])[^>]*>(?:(?!<w:p[\s>]).)*?</w:p>", re.S)
_W_TEXT = re.compile(rb"(<w:t(?:\s[^>]*)?>)(.*?)(</w:t>)", re.S)
# OpenDocument paragraphs and headings; their content, tags and all, is replaced.
_ODF_PARAGRAPH = re.compile(
    rb"(<text:(p|h)(?=[\s>/])[^>]*>)((?:(?!<text:(?:p|h)[\s>]).)*?)(</text:\2>)", re.S
)
_TAG = re.compile(rb"<[^>]+>")
_ODF_SPACE = re.compile(rb"<text:s(?:\s+text:c=\"(\d+)\")?\s*/>")
_ODF_BREAK = re.compile(rb"<text:(?:tab|line-break)\s*/>")


@dataclass
class Document:
    """A file's text in pieces, and how to put translated pieces back.

    `fmt` is the format the pieces are translated in ("text" or "html").
    """

    filename: str
    media_type: str
    pieces: list[str]
    fmt: str
    _rebuild: Callable[[list[str]], bytes]

    def rebuild(self, translated: list[str]) -> bytes:
        """The file with each piece replaced by its translation, in order."""
        if len(translated) != len(self.pieces):
            raise ValueError("one translation per piece is needed")
        return self._rebuild(translated)


def read_document(filename: str, data: bytes) -> Document:
    """The document in `data`, by its file name's extension; a clear error otherwise."""
    name = PurePosixPath(filename.replace("\\", "/")).name or "document.txt"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in FILE_FORMATS:
        raise UnreadableFile(
            f"cannot translate {name!r}: the formats are {', '.join(sorted(FILE_FORMATS))}"
        )
    if not data:
        raise UnreadableFile(f"the file {name!r} is empty")
    media_type = FILE_FORMATS[suffix]
    if suffix == ".txt":
        return _text(name, media_type, data)
    if suffix in (".html", ".htm"):
        page = _utf8(data, name)
        return Document(name, media_type, [page], "html", lambda done: done[0].encode())
    member = "word/document.xml" if suffix == ".docx" else "content.xml"
    return _package(name, media_type, data, member, suffix == ".docx")


def _utf8(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(f"{name!r} is not UTF-8 text") from None


def _text(name: str, media_type: str, data: bytes) -> Document:
    lines = _utf8(data, name).split("\n")
    spots = [i for i, line in enumerate(lines) if line.strip()]

    def rebuild(done: list[str]) -> bytes:
        out = list(lines)
        for i, text in zip(spots, done, strict=True):
            out[i] = text
        return "\n".join(out).encode()

    return Document(name, media_type, [lines[i] for i in spots], "text", rebuild)


def _package(name: str, media_type: str, data: bytes, member: str, word: bool) -> Document:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise UnreadableFile(f"{name!r} holds more than {MAX_MEMBERS} parts")
        info = archive.getinfo(member)
        if sum(i.file_size for i in infos) > MAX_PACKAGE_BYTES:
            raise UnreadableFile(f"{name!r} unpacks to more than {MAX_PACKAGE_BYTES} bytes")
        if info.file_size > MAX_XML_BYTES:
            raise UnreadableFile(f"{name!r} unpacks to more than {MAX_XML_BYTES} bytes of text")
        xml = archive.read(member)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError) as exc:
        kind = "Word" if word else "OpenDocument"
        raise UnreadableFile(f"{name!r} is not a readable {kind} document") from exc
    found = list((_W_PARAGRAPH if word else _ODF_PARAGRAPH).finditer(xml))
    texts = [_word_text(m[0]) if word else _odf_text(m[3]) for m in found]
    spots = [i for i, text in enumerate(texts) if text.strip()]

    def rebuild(done: list[str]) -> bytes:
        replaced = dict(zip(spots, done, strict=True))
        parts, last = [], 0
        for i, match in enumerate(found):
            parts.append(xml[last : match.start()])
            if i in replaced:
                parts.append(
                    _word_put(match[0], replaced[i]) if word else _odf_put(match, replaced[i])
                )
            else:
                parts.append(match[0])
            last = match.end()
        parts.append(xml[last:])
        return _repack(archive, member, b"".join(parts))

    return Document(name, media_type, [texts[i] for i in spots], "text", rebuild)


def _word_text(paragraph: bytes) -> str:
    return "".join(_unescape(m[2]) for m in _W_TEXT.finditer(paragraph))


def _word_put(paragraph: bytes, text: str) -> bytes:
    """The paragraph with `text` in its first run and the others emptied."""
    first = True

    def put(match: re.Match[bytes]) -> bytes:
        nonlocal first
        value = _escape(text) if first else b""
        first = False
        opening = match[1]
        if b"xml:space" not in opening:
            opening = opening[:-1] + b' xml:space="preserve">'
        return opening + value + match[3]

    return _W_TEXT.sub(put, paragraph)


def _odf_text(content: bytes) -> str:
    content = _ODF_SPACE.sub(lambda m: b" " * int(m[1] or 1), content)
    content = _ODF_BREAK.sub(b" ", content)
    return _unescape(_TAG.sub(b"", content))


def _odf_put(match: re.Match[bytes], text: str) -> bytes:
    return match[1] + _escape(text) + match[4]


def _unescape(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8", "replace"))


def _escape(text: str) -> bytes:
    return html.escape(text, quote=False).encode()


def _repack(archive: zipfile.ZipFile, member: str, xml: bytes) -> bytes:
    """The package with `member` replaced, every other part copied in the same order and
    with the same compression (ODF's uncompressed `mimetype` first stays first)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as copy:
        for info in archive.infolist():
            data = xml if info.filename == member else archive.read(info)
            fresh = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            fresh.compress_type, fresh.external_attr = info.compress_type, info.external_attr
            copy.writestr(fresh, data)
    return out.getvalue()


def check_pieces(document: Document) -> None:
    """`InputError` when the file has no text to translate."""
    if not any(piece.strip() for piece in document.pieces):
        raise InputError(f"{document.filename!r} has no text to translate")
