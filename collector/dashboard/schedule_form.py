"""The survey editor's schedule fields (``dashboard/_editor_schedule.html``): the form's
``schedule_*`` fields as the API's ``schedule`` object, and back."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from collector.domain import schedule as rules

NUMBERS = ("every_days", "spread_days", "reminder_days", "widget_days")
WINDOW = ("days", "from", "to", "tz")
DEFAULTS = {
    "schedule_every_days": 90,
    "schedule_channel": "email",
    "schedule_spread_days": 30,
    "schedule_days": "mon-fri",
    "schedule_from": "09:00",
    "schedule_to": "11:00",
    "schedule_tz": "UTC",
    "schedule_reminder_days": "",
    "schedule_widget_days": rules.DEFAULT_WIDGET_DAYS,
}


def parse(form: MultiDict) -> dict | None:
    """``None`` (no schedule) unless "Ask on a schedule" is ticked."""
    if form.get("schedule") != "on":
        return None
    data: dict = {"channel": form.get("schedule_channel", "")}
    for name in NUMBERS:
        value = form.get(f"schedule_{name}", "").strip()
        if value:
            data[name] = int(value) if value.isdigit() else value
        elif name == "reminder_days":
            data[name] = None
    data["send_window"] = {name: form.get(f"schedule_{name}", "").strip() for name in WINDOW}
    return data


def values(survey) -> dict:
    """A stored survey's schedule as the form's fields (the defaults when it has none)."""
    stored = getattr(survey, "schedule", None) if survey is not None else None
    if not stored:
        return {"schedule": False, **DEFAULTS}
    out = {"schedule": True, **DEFAULTS, "schedule_channel": stored["channel"]}
    for name in NUMBERS:
        value = stored.get(name)
        out[f"schedule_{name}"] = "" if value is None else value
    for name in WINDOW:
        out[f"schedule_{name}"] = stored["send_window"][name]
    return out


def for_page(survey, posted: dict | None) -> dict:
    """What the fields show: what was just posted (a refused save), else the stored schedule."""
    if posted is None:
        return values(survey)
    return {**DEFAULTS, **posted, "schedule": posted.get("schedule") == "on"}
