"""Reasons through the SDK against the real collector: read on a response, filtered by in the
list and the CSV export, grouped by in metrics."""

from __future__ import annotations

import csv
import io

from tests.factories import Rows

REASONS = {
    "choices": [
        {"id": "price", "label": {"en": "Price"}},
        {"id": "speed", "label": {"en": "Speed"}},
    ],
    "multiple": True,
}


def test_reasons_are_read_filtered_and_grouped_through_the_sdk(sdk, app, site):
    rows = Rows(app, site)
    nps = rows.survey("nps", reasons=REASONS)
    low, high, plain = rows.response(nps, 2), rows.response(nps, 10), rows.response(nps, 7)
    rows.reasons(low, "speed", "price")
    rows.reasons(high, "speed")

    assert sdk.responses.get(low).reasons == ["price", "speed"]
    assert sdk.responses.get(plain).reasons == []
    assert [r.id for r in sdk.responses.list(reason="price")] == [low]

    out = io.BytesIO()
    sdk.responses.export_csv(out, reason="speed")
    exported = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert {r["id"]: r["reasons"] for r in exported} == {low: "price,speed", high: "speed"}

    metrics = sdk.metrics.get(survey=nps, group_by="reason")
    assert {g.key: (g.n, g.score) for g in metrics.groups} == {
        "speed": (2, 0.0),  # one promoter, one detractor
        "price": (1, -100.0),
        None: (1, 0.0),
    }
    assert metrics.n == 3
