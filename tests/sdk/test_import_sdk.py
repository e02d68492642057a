"""``client.responses.import_`` against the real collector: items or a file, in calls of at most
10 000, the report summed with each refused item's line in the caller's terms."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

AT = (datetime.now(UTC) - timedelta(days=20)).isoformat()


def items(survey: str, count: int, start: int = 0) -> list[dict]:
    return [
        {
            "external_id": f"x{n}",
            "survey": survey,
            "email": f"p{n}@example.test",
            "score": n % 11,
            "created_at": AT,
            "tags": ["import"],
        }
        for n in range(start, start + count)
    ]


def test_items_import_in_several_calls_and_a_second_run_adds_nothing(sdk):
    survey = sdk.surveys.create(kind="nps", question={"en": "Recommend us?"})
    batch = items(survey.id, 7)
    report = sdk.responses.import_(batch, batch_size=3)
    assert (report.imported, report.skipped_duplicates, report.errors) == (7, 0, [])
    again = sdk.responses.import_(iter(batch), batch_size=3)
    assert (again.imported, again.skipped_duplicates) == (0, 7)
    assert sdk.metrics.get(survey=survey.id).n == 7
    assert {r.tags[0] for r in sdk.responses.list(tag="import")} == {"import"}


def test_a_refused_item_is_named_by_its_position_across_calls(sdk):
    survey = sdk.surveys.create(kind="csat", question={"en": "Happy?"})
    batch = items(survey.id, 6)
    for n, item in enumerate(batch):
        item["score"] = 1 + n % 5
    batch[4]["score"] = 9
    report = sdk.responses.import_(batch, batch_size=2)
    assert report.imported == 5
    assert [(e.line, e.param) for e in report.errors] == [(5, "score")]


def test_a_json_lines_file_and_a_json_array_file_stream_from_disk(sdk, tmp_path):
    survey = sdk.surveys.create(kind="nps", question={"en": "Recommend us?"})
    lines = tmp_path / "a.jsonl"
    rows = items(survey.id, 4)
    lines.write_text(
        json.dumps(rows[0])
        + "\n\n"
        + json.dumps(rows[1])
        + "\n{oops\n"
        + json.dumps(rows[2])
        + "\n"
    )
    report = sdk.responses.import_(lines, source="sheet", batch_size=2)
    assert report.imported == 3
    assert [(e.line, e.param) for e in report.errors] == [(4, None)]

    array = tmp_path / "b.json"
    array.write_text(json.dumps(items(survey.id, 5, start=10), indent=2))
    with array.open("rb") as file:
        assert sdk.responses.import_(file, source="sheet").imported == 5
    assert sdk.metrics.get(survey=survey.id).n == 8
