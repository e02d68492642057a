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
