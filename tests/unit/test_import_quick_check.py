"""An import item is checked by a quick path first; the schema has the last word.

Whatever the quick path takes must load exactly as the schema loads it, and whatever it leaves
goes to the schema, which loads it or refuses it with its own words. So a user sees the same
answers stored and the same refusals as before the quick path, only sooner.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from collector.services.import_files import delighted_item
from collector.services.importing import item_schema, quick_load

SAMPLE = Path(__file__).parent.parent / "samples" / "delighted-responses.json"

_text = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=3),
    st.sampled_from(["", "x" * 16, "x" * 17, "x" * 40, "x" * 41, "x" * 200, "x" * 201]),
    st.lists(st.text(max_size=2), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)
_times = st.one_of(
    _text,
    st.integers(0, 2_000_000_000),
    st.sampled_from(
        [
            "2025-03-01T12:00:00Z",
            "2025-03-01T12:00:00+02:00",
            " 2025-03-01 12:00 ",
            "2025-13-01",
            "1.5",
            10**20,
            -(10**20),
        ]
    ),
)
_emails = st.one_of(
    _text, st.sampled_from(["a@b.c", "Aino@Example.test", "no-at-sign", "a@b", "@x.fi"])
)
_notes = st.lists(
    st.one_of(
        _text,
        st.fixed_dictionaries(
            {"text": _text, "created_at": _times},
            optional={"author": _text, "extra": _text},
        ),
    ),
    max_size=3,
)
_fields = st.fixed_dictionaries(
    {},
    optional={
        "external_id": st.one_of(_text, st.integers()),
        "survey": _text,
        "user_id": _text,
        "email": _emails,
        "score": st.one_of(_text, st.integers(-2, 12)),
        "comment": _text,
        "created_at": _times,
        "traits": st.one_of(
            _text, st.dictionaries(st.sampled_from(["plan", "", "k" * 64, "k" * 65]), _text)
        ),
        "tags": st.one_of(_text, st.lists(_text, max_size=3)),
        "notes": st.one_of(_text, _notes),
        "source_ref": _text,
        "locale": _text,
        "unknown": _text,
    },
)


_BASE = {
    "external_id": "r1",
    "survey": "srv_abc",
    "email": "aino@example.test",
    "score": 9,
    "created_at": 1_700_000_000,
}
# A valid item with some fields changed and some taken away: most are near the edge of valid.
_items = st.builds(
    lambda changed, dropped: {k: v for k, v in {**_BASE, **changed}.items() if k not in dropped},
    _fields,
    st.sets(st.sampled_from(sorted(_BASE)), max_size=2),
)


def schema_load(raw):
    try:
        return item_schema.load(raw)
    except ValidationError as e:
        return e


@settings(max_examples=500)
@given(_items)
def test_what_the_quick_path_takes_loads_as_the_schema_loads_it(raw):
    quick = quick_load(raw)
    if quick is not None:
        assert quick == schema_load(raw)


def _valid(**extra):
    return {
        "external_id": "r1",
        "survey": "srv_abc",
        "email": "aino@example.test",
        "score": 9,
        "created_at": 1_700_000_000,
        **extra,
    }


def test_a_plain_item_takes_the_quick_path_with_what_the_schema_gives():
    for raw in (
        _valid(),
        _valid(external_id=20000, user_id="u1", comment="", locale="fi"),
        _valid(notes=[{"text": "Soitettu", "created_at": "2025-01-01T10:00:00Z"}], tags=["A"]),
        _valid(traits={"plan": "pro", "seats": 3}, source_ref="https://d.example/r/1"),
    ):
        quick = quick_load(raw)
        assert quick is not None, raw
        assert quick == item_schema.load(raw)


def test_every_row_of_the_delighted_sample_takes_the_quick_path():
    for obj in json.loads(SAMPLE.read_text()):
        item = delighted_item(obj, survey="srv_abc", kind="nps", scale=(0, 10))
        quick = quick_load(item)
        assert quick is not None, obj["id"]
        assert quick == item_schema.load(item)


def test_items_the_schema_refuses_are_left_to_it():
    for raw in (
        {k: v for k, v in _valid().items() if k != "score"},
        _valid(score="9"),
        _valid(score=True),
        _valid(email="not-an-address"),
        _valid(created_at="yesterday"),
        _valid(notes=[{"text": "", "created_at": 1}]),
        _valid(traits={"": 1}),
        _valid(tags="billing"),
        _valid(locale=""),
        _valid(surprise=1),
        {k: v for k, v in _valid().items() if k != "email"},
    ):
        assert quick_load(raw) is None, raw
        assert isinstance(schema_load(raw), ValidationError), raw
