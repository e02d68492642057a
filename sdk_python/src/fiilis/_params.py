"""Turning Python arguments into URL paths, query strings and JSON bodies."""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final
from urllib.parse import quote

__all__ = ["NOT_GIVEN", "NotGiven"]


class NotGiven:
    """The type of ``NOT_GIVEN``: "leave this field as it is", distinct from ``None``
    (which some fields accept as a value, e.g. ``max_responses=None`` for no limit)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

TimeLike = datetime | date | str


def required(value: str, name: str) -> str:
    """``value`` if it is a non-empty string; a clear error before any request otherwise."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, not {value!r}")
    return value


def segment(value: str, name: str) -> str:
    """One URL path segment, quoted so that ``/``, ``?`` or ``#`` in an id stay inside it."""
    return quote(required(value, name), safe="")


def time_param(value: TimeLike) -> str:
    """ISO 8601 text for a ``since``/``until`` argument. A naive datetime (or a date) goes without
    an offset: the collector reads it in the request's ``tz``, UTC by default."""
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    if isinstance(value, str) and value:
        return value
    raise TypeError(f"expected a datetime, date or ISO 8601 string, not {value!r}")


def query(**params: Any) -> dict[str, str]:
    """Query parameters without the unset ones; booleans as ``true``/``false``, times as ISO 8601."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None or value is NOT_GIVEN:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, date):  # datetime included
            out[key] = time_param(value)
        else:
            out[key] = str(value)
    return out


def body(**fields: Any) -> dict[str, Any]:
    """A JSON body of the fields that were given (``NOT_GIVEN`` ones are left out; ``None`` stays)."""
    return {key: value for key, value in fields.items() if value is not NOT_GIVEN}


def _json_default(value: Any) -> Any:
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_json(data: Any) -> bytes:
    """JSON bytes; datetimes, dates, decimals and the SDK's own result objects are understood, so a
    ``context`` holding them needs no preparation."""
    return json.dumps(data, default=_json_default, separators=(",", ":")).encode("utf-8")


def user_key(user_id: str | int) -> str:
    """A user id as the collector stores it: the host app's id as text (integers are welcome)."""
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        return str(user_id)
    if isinstance(user_id, str) and user_id:
        return user_id
    raise ValueError(f"user_id must be a non-empty string or an integer, not {user_id!r}")
