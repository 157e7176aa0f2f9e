"""Bad input is refused before any engine runs, and HTML never carries a script through."""

from __future__ import annotations

from pathlib import Path

import pytest

from glassbox.errors import InputError, PayloadTooLarge
from glassbox.services.text import CTranslate2Translator, check_text, sanitize_html


def test_counts_characters_of_all_texts() -> None:
    assert check_text(["Hello", "wörld", ""]) == 10


@pytest.mark.parametrize("texts", [[], [""], ["  ", "\n\t"]])
def test_no_text_is_an_input_error(texts: list[str]) -> None:
    with pytest.raises(InputError, match="no text"):
        check_text(texts)


def test_not_a_list_of_strings_is_an_input_error() -> None:
    with pytest.raises(InputError, match="list of strings"):
        check_text("Hello")
    with pytest.raises(InputError, match="list of strings"):
        check_text(["Hello", 3])  # type: ignore[list-item]


def test_the_default_limit_is_10000_characters_in_all() -> None:
    assert check_text(["x" * 10_000]) == 10_000
    with pytest.raises(PayloadTooLarge, match="10001 characters; the limit is 10000"):
        check_text(["x" * 10_001])
    with pytest.raises(PayloadTooLarge):
        check_text(["x" * 6_000, "y" * 6_000])
    assert check_text(["x" * 50], max_chars=50) == 50
    assert PayloadTooLarge.status == 413


@pytest.mark.parametrize(
    ("fmt", "alternatives", "message"),
    [("markdown", 0, "format 'markdown'"), ("text", -1, "alternatives"), ("text", 4, "0 to 3")],
)
def test_bad_options_are_input_errors(
    tiny_model: Path, fmt: str, alternatives: int, message: str
) -> None:
    engine = CTranslate2Translator({("en", "es"): tiny_model})
    with pytest.raises(InputError, match=message):
        engine.translate(["Hello"], "en", "es", fmt=fmt, alternatives=alternatives)


NASTY = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<script/>alert(1)</script>",
    "<script>never closed",
    "<svg><script>alert(1)</script></svg>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<img src=x onerror="alert(1)">',
    "<body onload=alert(1)>",
    '<a href=" jav&#x09;ascript:alert(1)">x</a>',
    '<a href="JAVASCRIPT:alert(1)">x</a>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<!--<script>alert(1)</script>-->",
    '<div title="&lt;script&gt;alert(1)&lt;/script&gt;">x</div>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<p "onclick"=alert(1)>x</p>',
]


@pytest.mark.parametrize("markup", NASTY)
def test_no_script_survives_sanitising(markup: str) -> None:
    clean = sanitize_html(markup).lower()
    assert "<script" not in clean
    assert "<style" not in clean and "<iframe" not in clean and "<object" not in clean
    assert "javascript" not in clean
    assert " on" not in clean


def test_harmless_markup_is_kept() -> None:
    markup = '<p class="intro">Fish &amp; chips <a href="https://example.org">here</a><br></p>'
    assert sanitize_html(markup) == markup


@pytest.mark.parametrize("markup", NASTY)
def test_no_script_survives_translation(tiny_model: Path, markup: str) -> None:
    engine = CTranslate2Translator({("en", "es"): tiny_model})
    for target in ("es", "en"):  # translated, or left in its own language
        [result] = engine.translate([markup], "en", target, fmt="html")
        assert "<script" not in result.text.lower() and " on" not in result.text.lower()
