"""Origins in the browser's spelling (collector.domain.origins)."""

from __future__ import annotations

import pytest

from collector.domain.origins import NotAnOrigin, normalise, same


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("HTTPS://BÜCHER.Example:443/", "https://xn--bcher-kva.example"),
        ("https://straße.example", "https://xn--strae-oqa.example"),  # UTS 46, not IDNA 2003
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
        ("http://App.Example.com:80", "http://app.example.com"),
        ("http://localhost:5173", "http://localhost:5173"),
        ("https://[::1]:8443", "https://[::1]:8443"),
        ("  https://app.example.com  ", "https://app.example.com"),
    ],
)
def test_an_origin_is_spelled_as_a_browser_sends_it(typed, sent):
    assert normalise(typed) == sent


@pytest.mark.parametrize(
    "text",
    [
        "null",
        "ftp://x.example",
        "https://x.example/path",
        "https://u@x.example",
        "https://x:y",
        "",
        "http://[",
    ],
)
def test_what_is_not_an_origin_is_refused(text):
    with pytest.raises(NotAnOrigin):
        normalise(text)


def test_a_browsers_origin_matches_a_stored_one_in_either_spelling():
    assert same("https://xn--bcher-kva.example", ["https://bücher.example"])
    assert same("https://xn--bcher-kva.example", ["https://xn--bcher-kva.example"])
    assert not same("https://xn--bcher-kva.example", ["https://buecher.example"])
    assert not same("null", ["null", "https://bücher.example"])
