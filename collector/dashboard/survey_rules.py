"""The survey editor's rules: pages, conditions on event props, targeting on traits, dates.

As ``forms``: form fields in, the API's JSON shape out, and the schema's messages back on the
rows they belong to. Rows are numbered fields (``pages-0-op``, ``pages-0-value``); a row left
blank is no rule. The form shows the stored rules and two blank rows of each.

Values of conditions and targeting are typed as written: ``5`` and ``2.5`` are numbers, ``true``
and ``false`` booleans, anything else text; text in double quotes stays text (``"5"``). ``in``
takes values separated by commas. Dates are UTC, to the minute.
"""

from __future__ import annotations

import json
import re
from datetime import UTC

from werkzeug.datastructures import MultiDict

from collector.domain.eligibility import Trigger

BLANK_ROWS = 2
PAGE_OPS = (
    ("starts_with", "starts with"),
    ("equals", "is exactly"),
    ("contains", "contains"),
    ("glob", "matches (*)"),
)
VALUE_OPS = (
    ("eq", "is"),
    ("neq", "is not"),
    ("in", "is one of"),
    ("gte", "is at least"),
    ("lte", "is at most"),
)
WHERE_OPS = (*VALUE_OPS, ("contains", "contains"))
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_ROW = re.compile(r"^(pages|targeting|conditions)\.\d+$")


def rows(form: MultiDict, prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    """``prefix-N-name`` fields as rows in N order; rows whose text fields are all blank go."""
    found: dict[int, dict[str, str]] = {}
    field = re.compile(rf"^{re.escape(prefix)}-(\d{{1,3}})-(\w+)$")
    for key in form:
        match = field.match(key)
        if match and match.group(2) in names:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = form.get(key, "").strip()
    texts = [n for n in names if n != "op"]
    return [row for _, row in sorted(found.items()) if any(row.get(n) for n in texts)]


def typed(op: str, text: str):
    """A condition's or targeting rule's value as the API takes it (see the module docstring)."""
    if op == "in":
        return [_scalar(part.strip()) for part in text.split(",") if part.strip()]
    if op == "contains":
        return text
    return _scalar(text)


def _scalar(text: str):
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    if text in ("true", "false"):
        return text == "true"
    return text


def written(value) -> str:
    """A stored value as the form writes it (the inverse of :func:`typed`)."""
    if isinstance(value, list):
        return ", ".join(written(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and _scalar(value) != value:
        return json.dumps(value)
    return str(value)


def _moment(text: str) -> str | None:
    # datetime-local gives 2030-01-01T09:00; the editor's dates are UTC
    if not text:
        return None
    return text + ("+00:00" if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?", text) else "")


def from_form(form: MultiDict, names: list[str]) -> tuple[dict, dict[str, str]]:
    """The rules of the form as the body of ``POST /v1/surveys`` (``trigger_events`` from the
    event ``names`` with their conditions), and where the schema's error keys point in the form.
    """
    data: dict = {
        "pages": [
            {"op": r.get("op", ""), "value": r.get("value", "")}
            for r in rows(form, "pages", ("op", "value"))
        ]
        or None,
        "targeting": [
            {
                "trait": r.get("trait", ""),
                "op": r.get("op", ""),
                "value": typed(r.get("op", ""), r.get("value", "")),
            }
            for r in rows(form, "targeting", ("trait", "op", "value"))
        ],
        "starts_at": _moment(form.get("starts_at", "").strip()),
        "ends_at": _moment(form.get("ends_at", "").strip()),
    }
    # A form without a kind of row (a page from before these fields) changes none of that kind.
    for prefix, name in (("pages", "pages"), ("targeting", "targeting")):
        if not any(key.startswith(prefix + "-") for key in form):
            del data[name]
    for name in ("starts_at", "ends_at"):
        if name not in form:
            del data[name]
    if not any(key.startswith("conditions-") for key in form):
        return data, {"moved": {}, "unknown": {}}
    where: dict[str, list[tuple[int, dict]]] = {}
    for i, r in enumerate(rows(form, "conditions", ("event", "prop", "op", "value"))):
        condition = {
            "prop": r.get("prop", ""),
            "op": r.get("op", ""),
            "value": typed(r.get("op", ""), r.get("value", "")),
        }
        where.setdefault(r.get("event", ""), []).append((i, condition))
    moved: dict[str, str] = {}
    triggers: list = []
    for name in names:
        if name in where:
            for k, (row, _) in enumerate(where[name]):
                moved[f"trigger_events.{len(triggers)}.where.{k}"] = f"conditions.{row}"
            triggers.append({"event": name, "where": [c for _, c in where.pop(name)]})
        else:
            triggers.append(name)
    data["trigger_events"] = triggers
    unknown = {
        f"conditions.{row}.event": "Not one of the trigger events above: add it there, or clear this row."
        for rows_ in where.values()
        for row, _ in rows_
    }
    return data, {"moved": moved, "unknown": unknown}


def place(errors: dict[str, str], where: dict) -> dict[str, str]:
    """The schema's error keys on the form's rows (``trigger_events.0.where.1.value`` is the
    value of the second condition row of that event), and the rows naming no trigger event."""
    out: dict[str, str] = dict(where["unknown"])
    for key, message in errors.items():
        for api, form in where["moved"].items():
            if key == api or key.startswith(api + "."):
                key = form + key[len(api) :]
                break
        if _ROW.match(key):  # ``forms.errors`` leaves out a field named "value": the row's value
            key += ".value"
        out.setdefault(key, message.replace("`", ""))
    return out


def values(survey) -> dict:
    """A stored survey's rules as the form's fields."""
    out: dict = {}
    for i, rule in enumerate(survey.pages or ()):
        out[f"pages-{i}-op"], out[f"pages-{i}-value"] = rule["op"], rule["value"]
    for i, rule in enumerate(survey.targeting or ()):
        out[f"targeting-{i}-trait"] = rule["trait"]
        out[f"targeting-{i}-op"] = rule["op"]
        out[f"targeting-{i}-value"] = written(rule["value"])
    i = 0
    for trigger in map(Trigger.of, survey.trigger_events or ()):
        for condition in trigger.where:
            out[f"conditions-{i}-event"] = trigger.event
            out[f"conditions-{i}-prop"] = condition.prop
            out[f"conditions-{i}-op"] = condition.op
            value = list(condition.value) if condition.op == "in" else condition.value
            out[f"conditions-{i}-value"] = written(value)
            i += 1
    for name in ("starts_at", "ends_at"):
        moment = getattr(survey, name)
        out[name] = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if moment else ""
    return out


def posted(form: MultiDict) -> dict:
    """The rules as posted, blank rows left out and the others renumbered from 0: a refused form
    shows them again with the schema's errors on the same numbers."""
    out: dict = {name: form.get(name, "") for name in ("starts_at", "ends_at")}
    for prefix, names in (
        ("pages", ("op", "value")),
        ("targeting", ("trait", "op", "value")),
        ("conditions", ("event", "prop", "op", "value")),
    ):
        for i, row in enumerate(rows(form, prefix, names)):
            for name in names:
                out[f"{prefix}-{i}-{name}"] = row.get(name, "")
    return out


def count(values_: dict, prefix: str) -> int:
    """How many rows the form shows: the filled ones and :data:`BLANK_ROWS` more."""
    filled = {int(k.split("-")[1]) for k in values_ if k.startswith(prefix + "-")}
    return (max(filled) + 1 if filled else 0) + BLANK_ROWS


def ors_of_one_event(survey) -> bool:
    """Whether two triggers of one event carry conditions (either may ask): set through the API;
    the editor keeps them as they are rather than join them."""
    events = [t["event"] for t in (survey.trigger_events or ()) if isinstance(t, dict)]
    return len(events) != len(set(events))
