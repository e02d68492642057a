"""What the OpenAPI document says a URL or an e-mail target looks like is taken by the rules that
check them: any text matching the documented pattern passes (the collector may still refuse a
host that does not resolve to public addresses, which the document names as a 422)."""

import re
from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from collector.domain import alerts, outbound
from collector.schemas import EMAIL_LIST, HTTPS_URL


@given(st.from_regex(HTTPS_URL, fullmatch=True))
def test_every_documented_url_is_one_the_outbound_guard_would_resolve(url):
    host = outbound.check_url(url, allow_http=False)
    parts = urlsplit(url)
    assert host == parts.hostname and parts.scheme == "https"
    assert parts.username is None and parts.password is None
    # A numeric last label would be read as an address by the resolver (https://123 is 0.0.0.123).
    assert re.fullmatch(r"[0-9.]+", host) is None or len(host.split(".")) == 4


@given(st.from_regex(EMAIL_LIST, fullmatch=True))
def test_every_documented_address_list_is_taken_as_it_is_written(target):
    written = target.split(", ")
    stored = alerts.email_addresses(target)
    assert [a.casefold() for a in stored] == list(dict.fromkeys(a.casefold() for a in written))


def test_the_documented_patterns_refuse_what_the_rules_refuse():
    for url in ("http://example.com", "https://user:pw@example.com", "https://123", "https://"):
        assert re.fullmatch(HTTPS_URL, url) is None, url
    for target in ("nobody", "a@b.test", "a@localhost", "a..b@example.com", "a@00--0.aa"):
        assert re.fullmatch(EMAIL_LIST, target) is None, target
