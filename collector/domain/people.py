"""People a site mails surveys to (DESIGN §12): their addresses, traits and CSV rows, as plain values.

A person is the site's ``users`` row: the host app's ``user_id``, plus what ``/v1/people`` and
imports add (an address, a name, a locale). Addresses are kept normalised and in lower case, so
that an import, a suppression and an unsubscribe name the same address the same way.
"""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email

#: Columns of a people CSV that are the person's own fields; every other column is a trait.
CSV_FIELDS = ("user_id", "email", "name", "locale")


class InvalidAddress(ValueError):
    """Not an e-mail address (the message says why)."""


def address(text: str) -> str:
    """The address as stored: normalised by ``email-validator`` (no DNS look-up), lower case."""
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as e:
        raise InvalidAddress(str(e)) from None


def merged_traits(stored: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """``given`` over ``stored``: a trait given replaces the stored one, a trait given as
    ``null`` is removed, the others stay (what the widget learnt is not lost by an import)."""
    merged = dict(stored)
    for key, value in given.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def csv_person(row: dict[str, str]) -> dict[str, Any]:
    """A person item from a CSV row: ``user_id``, ``email``, ``name``, ``locale`` columns, every
    other column a trait (as text). An empty cell is not given: it changes nothing."""
    item: dict[str, Any] = {}
    traits: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None or cell is None:  # a row longer than its header
            continue
        value = cell.strip()
        if not value:
            continue
        name = column.strip()
        if name in CSV_FIELDS:
            item[name] = value
        elif name:
            traits[name.removeprefix("traits.")] = value
    if traits:
        item["traits"] = traits
    return item
