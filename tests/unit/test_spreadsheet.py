"""CSV cells a spreadsheet never runs as formulas (collector.domain.spreadsheet)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from collector.domain.spreadsheet import WRITER_OPTIONS, cell, neutralise


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+cmd",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        ' =HYPERLINK("x")',
        "\n=1",
        "\u00a0\u3000=1",
        "＝1+1",
        "＋1",
        "－1",
        "＠x",
        "﹦1",
    ],
)
def test_a_text_that_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["fine", "a=b", "1-2", "", "Hyvä 🎉", '{"a":"=1"}'])
def test_other_text_is_left_as_it_is(text):
    assert neutralise(text) == text


def test_a_lone_surrogate_or_nul_becomes_the_replacement_character():
    assert neutralise("a\ud800b\x00") == "a\ufffdb\ufffd"
    assert neutralise("\udfff=1") == "\ufffd=1"


def test_values_become_cells_of_their_kind():
    at = datetime(2025, 3, 1, 12, tzinfo=UTC)
    assert [cell(None), cell(7), cell(at), cell({"a": "ä"}), cell(["=x"])] == [
        "",
        7,
        "2025-03-01T12:00:00+00:00",
        '{"a":"ä"}',
        '["=x"]',
    ]


def test_a_semicolon_splitting_reader_never_sees_a_cell_start_with_a_formula():
    buffer = io.StringIO()
    csv.writer(buffer, **WRITER_OPTIONS).writerow([cell("a;=1+1"), cell(5), cell("b\t@x")])
    line = buffer.getvalue()
    assert line == '"a;=1+1",5,"b\t@x"\r\n'
    # Finnish, Swedish and German spreadsheets split on ";": the quotes keep "a;=1+1" one cell.
    cells = next(csv.reader(io.StringIO(line), delimiter=";"))
    assert not any(c.lstrip().startswith(("=", "+", "-", "@")) for c in cells), cells
