"""The SSRF guard's rules: which URLs and addresses the collector never requests."""

import pytest

from collector.domain.outbound import (
    OutboundRefused,
    address_refusal,
    check_addresses,
    check_url,
)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("0.0.0.0", "not a public"),
        ("100.64.0.1", "not a public"),
        ("224.0.0.1", "not a public"),
    ],
)
def test_non_public_addresses_are_refused_with_the_reason(address, why):
    assert why in address_refusal(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_pass(address):
    assert address_refusal(address) is None


def test_a_name_is_refused_if_any_of_its_addresses_is_private():
    with pytest.raises(OutboundRefused, match=r"evil.example \(10.0.0.1\) is a private"):
        check_addresses("evil.example", ["93.184.216.34", "10.0.0.1"], allow_private=False)


def test_the_dev_flag_allows_private_addresses_but_not_an_unresolved_name():
    check_addresses("localhost", ["127.0.0.1"], allow_private=True)
    with pytest.raises(OutboundRefused, match="does not resolve"):
        check_addresses("nowhere.invalid", [], allow_private=True)


@pytest.mark.parametrize(
    ("url", "allow_http"),
    [
        ("http://hooks.example.com/x", False),
        ("ftp://hooks.example.com/x", True),
        ("https:///nohost", False),
        ("https://u:p@hooks.example.com/x", False),
        ("https://hooks.example.com:99999999/x", False),
        ("hooks.example.com/x", False),
    ],
)
def test_urls_never_requested(url, allow_http):
    with pytest.raises(OutboundRefused):
        check_url(url, allow_http=allow_http)


def test_a_fetchable_url_gives_its_host():
    assert check_url("https://Hooks.Example.com/services/T/B/X", allow_http=False) == (
        "hooks.example.com"
    )
    assert check_url("http://127.0.0.1:8080/hook", allow_http=True) == "127.0.0.1"
