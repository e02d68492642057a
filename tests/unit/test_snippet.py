"""The script tag."""

from collector.domain.snippet import script_tag


def test_tag_escapes_every_attribute_value():
    tag = script_tag(
        "https://c.example/",
        public_key="pk_1",
        file="fiilis.abc.js",
        integrity="sha384-x",
        user_id='"><script>alert(1)</script>',
    )
    assert "<script>alert" not in tag
    assert 'src="https://c.example/widget/fiilis.abc.js"' in tag
    assert tag.startswith("<script async ")


def test_tag_leaves_out_what_is_not_given():
    tag = script_tag("https://c.example", public_key="pk_1", file="f.js", integrity="sha384-x")
    assert "data-user-id" not in tag and "data-locale" not in tag


def test_the_printed_snippet_starts_with_the_queue_stub():
    from collector.domain.snippet import QUEUE_STUB, snippet

    stub, tag = snippet(
        "https://c.example", public_key="pk_1", file="f.js", integrity="sha384-x"
    ).splitlines()
    assert stub == QUEUE_STUB
    for method in ("identify", "track", "show", "reset", "on"):
        assert f'"{method}"' in stub  # fiilis.track() before load is a queued call, not a throw
    assert tag.startswith("<script async ")


def test_a_localhost_collector_is_recognised():
    from collector.domain.snippet import points_at_this_machine

    for url in ("http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:5000"):
        assert points_at_this_machine(url), url
    assert not points_at_this_machine("https://feedback.acme.test")
