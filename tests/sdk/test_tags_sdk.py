"""Tags through the SDK against the real collector: added, removed, replaced and filtered by."""

from __future__ import annotations

import pytest

from tests.factories import Rows


def test_tags_are_added_removed_and_filtered_through_the_sdk(sdk, app, site):
    rows = Rows(app, site)
    nps = rows.survey("nps")
    low, high = rows.response(nps, 2), rows.response(nps, 10)

    tagged = sdk.responses.update(low, add_tags=["Billing", "refund"])
    assert tagged.tags == ["billing", "refund"]
    assert sdk.responses.update(low, remove_tags=["refund"]).tags == ["billing"]
    assert sdk.responses.update(high, tags=["praise"]).tags == ["praise"]

    assert [r.id for r in sdk.responses.list(tag="billing")] == [low]
    assert sdk.responses.get(high).tags == ["praise"]


def test_one_string_as_tags_is_a_caller_mistake_caught_before_sending(sdk, app, site):
    rows = Rows(app, site)
    rid = rows.response(rows.survey("nps"), 5)
    with pytest.raises(TypeError):
        sdk.responses.update(rid, add_tags="billing")
    assert sdk.responses.get(rid).tags == []
