"""HTML for translation: scripts stripped, text nodes picked out and put back escaped.

`sanitize_html` never lets code through: `<script>` and `<style>` elements go
with their content; embedding and document-level elements (`iframe`, `object`,
`embed`, `applet`, `frame`, `frameset`, `base`, `link`, `meta`) go without it;
event-handler attributes (`on…`), `srcdoc`, and any attribute whose value is a
`javascript:`/`vbscript:` URL are dropped; comments and processing
instructions are dropped. What remains is re-serialised from the parse, with
every text and attribute value escaped, so malformed markup cannot smuggle a
tag through. Text in `code`, `pre`, `kbd` and `samp` is kept untranslated.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

_DROP_WITH_CONTENT = frozenset({"script", "style"})
_DROP_TAG = frozenset(
    {"iframe", "object", "embed", "applet", "frame", "frameset", "base", "link", "meta"}
)
_VERBATIM = frozenset({"code", "pre", "kbd", "samp"})
_TAG_NAME = re.compile(r"[a-z][a-z0-9-]*(?::[a-z][a-z0-9-]*)?")
_ATTR_NAME = re.compile(r"[a-z_:][-a-z0-9_:.]*")
_SCRIPT_URL = re.compile(r"(?:java|vb|live)script:", re.IGNORECASE)
# Browsers ignore whitespace and control characters inside a URL scheme ("java\tscript:").
_URL_NOISE = re.compile(r"[\x00-\x20]+")


@dataclass
class HtmlDocument:
    """Sanitised markup with its translatable text nodes picked out.

    `texts` are the text nodes worth translating (stripped of the whitespace
    around them); `render` puts translations (or the texts) back, escaped.
    """

    parts: list[str] = field(default_factory=list)
    slots: list[tuple[int, str, str, str]] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [core for _, _, core, _ in self.slots]

    def render(self, translations: Sequence[str] | None = None) -> str:
        if translations is None:
            translations = self.texts
        if len(translations) != len(self.slots):
            raise ValueError("one translation is needed per text node")
        parts = list(self.parts)
        for (index, lead, _, trail), text in zip(self.slots, translations, strict=True):
            parts[index] = lead + html.escape(text, quote=False) + trail
        return "".join(parts)


def parse_html(markup: str) -> HtmlDocument:
    """Parse `markup` into a sanitised `HtmlDocument` (see the module docstring)."""
    parser = _Sanitizer()
    parser.feed(markup)
    parser.close()
    return parser.document


def sanitize_html(markup: str) -> str:
    """`markup` without scripts, styles, embeds, event handlers or script URLs.

    `<script>` and `<style>` elements are removed with their content, `on…`
    attributes and `javascript:` URLs are removed, and the rest is
    re-serialised with all text escaped (details in the module docstring).
    """
    return parse_html(markup).render()


def translate_html(markup: str, translate: Callable[[list[str]], list[str]]) -> str:
    """Sanitise `markup` and replace its text nodes by `translate(texts)`."""
    document = parse_html(markup)
    texts = document.texts
    return document.render(translate(texts) if texts else [])


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.document = HtmlDocument()
        self._dropping = 0  # inside <script> or <style>
        self._verbatim = 0  # inside <code>, <pre>, …

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_WITH_CONTENT:
            self._dropping += 1
        elif not self._dropping:
            self._emit_tag(tag, attrs, "")
            if tag in _VERBATIM:
                self._verbatim += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _DROP_WITH_CONTENT and not self._dropping:
            self._emit_tag(tag, attrs, " /")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_WITH_CONTENT:
            self._dropping = max(0, self._dropping - 1)
        elif not self._dropping and tag not in _DROP_TAG and _TAG_NAME.fullmatch(tag):
            self.document.parts.append(f"</{tag}>")
            if tag in _VERBATIM:
                self._verbatim = max(0, self._verbatim - 1)

    def handle_data(self, data: str) -> None:
        if self._dropping or not data:
            return
        parts = self.document.parts
        core = data.strip()
        if core and not self._verbatim:
            lead = data[: len(data) - len(data.lstrip())]
            trail = data[len(data.rstrip()) :]
            self.document.slots.append((len(parts), lead, core, trail))
        parts.append(html.escape(data, quote=False))

    def handle_decl(self, decl: str) -> None:
        if decl.lower().startswith("doctype"):
            self.document.parts.append("<!DOCTYPE html>")

    # Comments, processing instructions and CDATA sections are dropped.
    def handle_comment(self, data: str) -> None:
        pass

    def handle_pi(self, data: str) -> None:
        pass

    def unknown_decl(self, data: str) -> None:
        pass

    def _emit_tag(self, tag: str, attrs: list[tuple[str, str | None]], close: str) -> None:
        if tag in _DROP_TAG or not _TAG_NAME.fullmatch(tag):
            return
        kept = []
        for name, value in attrs:
            if name.startswith("on") or name == "srcdoc" or not _ATTR_NAME.fullmatch(name):
                continue
            if value is None:
                kept.append(f" {name}")
            elif not _SCRIPT_URL.match(_URL_NOISE.sub("", value)):
                kept.append(f' {name}="{html.escape(value, quote=True)}"')
        self.document.parts.append(f"<{tag}{''.join(kept)}{close}>")
