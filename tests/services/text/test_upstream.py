"""An upstream LibreTranslate server, run as a separate process, as the translation engine."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from glassbox.errors import FetchError, InputError, Overloaded
from glassbox.services.text import (
    DetectedLanguage,
    Language,
    Translation,
    UpstreamLibreTranslate,
    build_translator,
)
from tests.services.text._fake_libretranslate import UPSTREAM_KEY


@pytest.fixture
def upstream(upstream_url: str) -> UpstreamLibreTranslate:
    return UpstreamLibreTranslate(upstream_url, api_key=UPSTREAM_KEY)


def test_languages_come_from_upstream(upstream: UpstreamLibreTranslate) -> None:
    assert upstream.languages() == [
        Language("en", "English", ("es",)),
        Language("es", "Spanish", ("en",)),
    ]


def test_translates_a_batch_in_order(upstream: UpstreamLibreTranslate) -> None:
    assert upstream.translate(["Hello", "World"], "en", "es") == [
        Translation("[es] Hello"),
        Translation("[es] World"),
    ]


def test_alternatives_and_detected_language_are_passed_on(
    upstream: UpstreamLibreTranslate,
) -> None:
    [result] = upstream.translate(["Hello"], "auto", "es", alternatives=2)
    assert result.alternatives == ("[es#1] Hello", "[es#2] Hello")
    assert result.detected == DetectedLanguage("en", 90.0)


def test_configured_from_the_setting_with_its_key(upstream_url: str, tmp_path: Path) -> None:
    router = build_translator(
        f"libretranslate:{upstream_url}?api_key={UPSTREAM_KEY}", cache_dir=tmp_path
    )
    assert router is not None
    [engine] = router.engines
    assert isinstance(engine, UpstreamLibreTranslate)
    assert UPSTREAM_KEY not in repr(engine)
    [result] = router.translate(["Hi"], "es", "en")
    assert result.text == "[en] Hi" and result.route == ("libretranslate:es-en",)


def test_a_wrong_key_is_a_fetch_error_that_does_not_show_the_key(upstream_url: str) -> None:
    engine = UpstreamLibreTranslate(upstream_url, api_key="wrong-key")
    with pytest.raises(FetchError, match="HTTP 403: Invalid API key") as caught:
        engine.translate(["Hello"], "en", "es")
    assert "wrong-key" not in str(caught.value)


def test_unknown_language_is_an_input_error(upstream: UpstreamLibreTranslate) -> None:
    with pytest.raises(InputError, match="xx is not supported"):
        upstream.translate(["Hello"], "en", "xx")


def test_rate_limit_is_overloaded_with_retry_after(upstream: UpstreamLibreTranslate) -> None:
    with pytest.raises(Overloaded) as caught:
        upstream.translate(["__busy__"], "en", "es")
    assert caught.value.retry_after == 7


def test_server_error_is_a_fetch_error(upstream: UpstreamLibreTranslate) -> None:
    with pytest.raises(FetchError, match="HTTP 500"):
        upstream.translate(["__broken__"], "en", "es")


def test_a_slow_upstream_times_out_as_a_fetch_error(upstream_url: str) -> None:
    engine = UpstreamLibreTranslate(upstream_url, api_key=UPSTREAM_KEY, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(FetchError, match="did not answer in time"):
        engine.translate(["__slow__"], "en", "es")
    assert time.monotonic() - started < 4


def test_an_unreachable_upstream_is_a_fetch_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = UpstreamLibreTranslate(f"http://127.0.0.1:{port}")
    with pytest.raises(FetchError, match="unreachable"):
        engine.translate(["Hello"], "en", "es")
    with pytest.raises(FetchError):
        engine.languages()


def test_html_is_sanitised_both_ways(upstream: UpstreamLibreTranslate) -> None:
    [result] = upstream.translate(
        ['<p onclick="steal()">__script__</p><script>alert(2)</script>'], "en", "es", fmt="html"
    )
    assert result.text == "[es] <p>__script__</p>"
