"""The survey's ``schedule`` field (DESIGN §13): a recurring relationship survey.

``{every_days, channel, spread_days, send_window: {days, from, to, tz}, reminder_days?,
widget_days?}``, validated by the rules of ``collector.domain.schedule`` and stated exactly in
the OpenAPI document (the zones are zoneinfo's own list). Two rules no JSON Schema states:
``spread_days`` at most ``every_days``, and ``from`` before ``to``.
"""

from __future__ import annotations

from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from collector.domain import schedule as rules

_DAY = "(?:" + "|".join(rules.WEEKDAYS) + ")"
DAYS_PATTERN = rf"^{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*$"
TIME_PATTERN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
#: Every IANA zone this server knows (the document's enum); ``UTC`` among them.
ZONES = sorted(available_timezones() - {"localtime", "Factory"})


class _Checked(fields.Str):
    """A string one of the domain's parsers accepts; its ``ScheduleError`` is the message."""

    def __init__(self, parse, *, pattern: str | None = None, **kwargs):
        self._parse = parse
        if pattern:
            kwargs.setdefault("metadata", {})["pattern"] = pattern
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            self._parse(text)
        except rules.ScheduleError as e:
            raise ValidationError(str(e)) from None
        return text


class _Zone(_Checked):
    openapi = {"enum": ZONES}

    def __init__(self, **kwargs):
        super().__init__(rules.zone, validate=validate.Length(1, 64), **kwargs)


class SendWindowSchema(Schema):
    """When asks go out: these weekdays, from ``from`` to ``to`` local time in ``tz``."""

    days = _Checked(
        rules.parse_days,
        pattern=DAYS_PATTERN,
        required=True,
        validate=validate.Length(3, 100),
        metadata={"description": 'Weekdays: "mon-fri", "mon,wed,fri", "sat-sun"…'},
    )
    from_ = _Checked(
        rules.parse_time,
        pattern=TIME_PATTERN,
        required=True,
        data_key="from",
        attribute="from",
        metadata={"description": "HH:MM, 24-hour clock, local time; before `to`."},
    )
    to = _Checked(
        rules.parse_time,
        pattern=TIME_PATTERN,
        required=True,
        metadata={"description": "HH:MM, 24-hour clock, local time; after `from`."},
    )
    tz = _Zone(
        required=True,
        metadata={
            "description": "The window's IANA time zone; a person with a `timezone` (or `tz`) "
            "trait naming a zone is asked in their own."
        },
    )

    @validates_schema
    def _ordered(self, data, **kwargs):
        both = "from" in data and "to" in data
        if both and not rules.parse_time(data["from"]) < rules.parse_time(data["to"]):
            raise ValidationError("from must be before to (a window within one day).", "to")


class ScheduleSchema(Schema):
    """A recurring schedule: each person is asked once every ``every_days``."""

    every_days = fields.Int(
        required=True,
        validate=validate.Range(7, 730, error="From 7 to 730 days (a week to two years)."),
        metadata={"description": "Each person is asked once per this many days."},
    )
    channel = fields.Str(
        required=True,
        validate=validate.OneOf(rules.CHANNELS),
        metadata={
            "description": "`email`: people with an address, by e-mail. `widget_then_email`: "
            "in the app if the person comes within `widget_days`, else by e-mail."
        },
    )
    spread_days = fields.Int(
        required=True,
        validate=validate.Range(1, 730, error="From 1 day to every_days."),
        metadata={
            "description": "The first asks spread evenly over this many days (≤ every_days)."
        },
    )
    send_window = fields.Nested(SendWindowSchema, required=True)
    reminder_days = fields.Int(
        allow_none=True,
        load_default=None,
        validate=validate.Range(1, 21, error="From 1 to 21 days, or null for no reminder."),
        metadata={
            "description": "One reminder this many days after the mail; null (default): none."
        },
    )
    widget_days = fields.Int(
        load_default=rules.DEFAULT_WIDGET_DAYS,
        validate=validate.Range(1, 30, error="From 1 to 30 days."),
        metadata={"description": "`widget_then_email`: days the ask waits in the app (default 7)."},
    )

    @validates_schema
    def _spread_within_turn(self, data, **kwargs):
        every, spread = data.get("every_days"), data.get("spread_days")
        if isinstance(every, int) and isinstance(spread, int) and spread > every:
            raise ValidationError(
                f"spread_days ({spread}) cannot be longer than every_days ({every}).",
                "spread_days",
            )


class ScheduleField(fields.Nested):
    """``schedule``: the whole object or ``null`` (no schedule), also in a PATCH."""

    def __init__(self, **kwargs):
        super().__init__(ScheduleSchema, allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        return super()._deserialize(value, attr, data, partial=False, **kwargs)
