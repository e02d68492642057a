"""Cells of a CSV that a spreadsheet opens safely (CSV injection), one rule for every export.

A spreadsheet runs a cell as a formula when its text starts with ``= + - @`` (or a tab or carriage
return), also after leading spaces or a line break, and also for the full-width and small forms
(``＝``) some programs fold to ASCII. Such a cell gets a leading ``'``, which spreadsheets show as
text and do not run. Every text cell is also quoted (:data:`WRITER_OPTIONS`): a program that splits
on ``;`` (the list separator in Finnish, Swedish and German locales) or on tabs then still reads
``a;=1+1`` as one cell, not as ``a`` and a formula.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime

from collector.domain.storable import printable

#: What makes a spreadsheet read a cell as a formula, in ASCII, full-width and small forms.
FORMULA_START = frozenset("=+-@\t\r＝＋－＠﹦﹢﹣﹫")
#: Skipped by spreadsheets before they look for a formula.
_LEADING_SPACE = " \t\r\n\v\f\u00a0\u3000"
#: For ``csv.writer``: every text cell quoted, numbers bare.
WRITER_OPTIONS = {"quoting": csv.QUOTE_NONNUMERIC}


def _one_of(chars) -> str:
    """A bracket expression of ``chars`` that Python and PostgreSQL read alike."""
    ordered = sorted(set(chars) - {"-"})
    return "[" + "".join(ordered) + ("-" if "-" in chars else "") + "]"


#: The same rule as a regular expression, read alike by Python and by PostgreSQL (whose export
#: writes its cells in the database): a formula character first, or after leading space.
FORMULA_PATTERN = (
    f"^({_one_of(FORMULA_START)}|{_one_of(_LEADING_SPACE)}*"
    f"{_one_of(FORMULA_START - set(_LEADING_SPACE))})"
)
_FORMULA = re.compile(FORMULA_PATTERN)
#: Either of the two cases that change a text: one search finds that most cells need nothing.
_RISKY = re.compile(f"{FORMULA_PATTERN}|[\x00\ud800-\udfff]")


def neutralise(text: str) -> str:
    """``text`` as a cell that is never run as a formula, and always encodable as UTF-8."""
    if _RISKY.search(text) is None:
        return text
    text = printable(text)
    return "'" + text if _FORMULA.match(text) else text


def cell(value) -> str | int | float:
    """One value of a row as a CSV cell: numbers as numbers, ``None`` empty, instants in ISO 8601,
    objects and lists as JSON, and every text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return neutralise(str(value))
