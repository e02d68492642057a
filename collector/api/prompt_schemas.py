"""Marshmallow schemas of the prompt engine: the browser API, backend triggers, eligibility and
the hosted answer page. The handlers validate with these and the OpenAPI document shows them."""

from __future__ import annotations

import json
import math
import re

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from collector.domain.eligibility import ORIGINS, REASONS
from collector.openapi import STORABLE_TEXT
from collector.schemas import EVENT_NAME, ThemeSchema
from collector.services.prompts import SHOW_EVENT

MAX_PROPS = 20
MAX_TRAITS = 50
MAX_VALUE = 200
MAX_COMMENT = 2000
LOCALE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}$")
ANONYMOUS_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
STORABLE = f"^{STORABLE_TEXT}*$"


class ScalarMap(fields.Dict):
    """``{name: string | number | boolean | null}``, at most ``max_items`` names and strings of at
    most 200 characters. Errors name the key (``traits.plan``)."""

    def __init__(self, max_items: int, **kwargs):
        super().__init__(keys=fields.Str(validate=validate.Length(1, 64)), **kwargs)
        self.max_items = max_items
        self.openapi = {  # what _deserialize checks, for the OpenAPI document
            "maxProperties": max_items,
            "additionalProperties": {
                "nullable": True,
                "anyOf": [
                    {"type": "string", "maxLength": MAX_VALUE, "pattern": STORABLE},
                    {"type": "number"},
                    {"type": "boolean"},
                ],
            },
        }

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if len(result) > self.max_items:
            raise ValidationError(f"At most {self.max_items} entries.")
        for key, item in result.items():
            if isinstance(item, str):
                if len(item) > MAX_VALUE:
                    raise ValidationError({key: [f"At most {MAX_VALUE} characters."]})
            elif isinstance(item, float) and not math.isfinite(item):
                raise ValidationError({key: ["Not a finite number."]})
            elif item is not None and not isinstance(item, bool | int | float):
                raise ValidationError({key: ["Only strings, numbers, booleans or null."]})
        return result


def _optional_str(*, length: tuple[int, int], regex: re.Pattern | None = None, error: str = ""):
    rules = [validate.Length(*length)]
    if regex is not None:
        rules.append(validate.Regexp(regex, error=error))
    return fields.Str(allow_none=True, load_default=None, validate=rules)


def _page_url(value: str) -> None:
    if not value.startswith(("https://", "http://")):
        raise ValidationError("An http(s) page URL.")


class LocaleTag(fields.Str):
    """A language tag from the browser or the page. One the collector cannot use (``C``,
    ``x-klingon``, a tag longer than the 16 characters ``responses.locale`` stores) reads as none:
    the texts fall back to the site's default locale, then ``en``. Refusing it would silence the
    widget on that page for a tag nobody chose."""

    def _deserialize(self, value, attr, data, **kwargs):
        tag = super()._deserialize(value, attr, data, **kwargs)
        return tag if len(tag) <= 16 and LOCALE.match(tag) else None


def _locale():
    return LocaleTag(allow_none=True, load_default=None)


def _url():
    return fields.Str(
        allow_none=True,
        load_default=None,
        validate=[validate.Length(1, 2048), _page_url],
        metadata={"pattern": f"^https?://{STORABLE_TEXT}{{0,2040}}$"},
    )


class Score(fields.Int):
    """A whole number; JSON ``true`` is not 1 here."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


# -- the browser API -------------------------------------------------------------------------


class VisitSchema(Schema):
    """Who is on the page, as the widget tells it (``POST /v1/widget/session``)."""

    site_key = fields.Str(required=True, validate=validate.Length(1, 64))
    user_id = _optional_str(length=(1, 200))
    user_hash = _optional_str(length=(1, 128))
    anonymous_id = _optional_str(
        length=(8, 64), regex=ANONYMOUS_ID, error="8–64 of A-Z a-z 0-9 _ - (a UUID)."
    )
    traits = ScalarMap(MAX_TRAITS, allow_none=True, load_default=None)
    locale = _locale()
    url = _url()

    @validates_schema
    def _user_ids(self, data, **kwargs):
        if (data.get("user_id") or "").startswith("anon:"):
            raise ValidationError("`anon:` starts anonymous ids only.", "user_id")


class EventSchema(VisitSchema):
    """An event from the page (``POST /v1/widget/events``); ``$show`` names its ``survey_id``."""

    openapi = {
        "if": {"properties": {"event": {"const": SHOW_EVENT}}, "required": ["event"]},
        "then": {"required": ["survey_id"], "properties": {"survey_id": {"type": "string"}}},
    }

    event = fields.Str(
        required=True,
        validate=validate.Length(1, 64),
        metadata={"pattern": rf"^(\$show|{EVENT_NAME.pattern[1:-1]})$"},
    )
    props = ScalarMap(MAX_PROPS, allow_none=True, load_default=None)
    survey_id = _optional_str(length=(1, 40))

    @validates_schema
    def _event(self, data, **kwargs):
        event = data.get("event")
        if event == SHOW_EVENT:
            if not data.get("survey_id"):
                raise ValidationError("`$show` needs the survey_id to show.", "survey_id")
        elif event is not None and not EVENT_NAME.match(event):
            raise ValidationError(
                "Event names are 1–64 of a-z 0-9 _ . : - (e.g. invoice.paid).", "event"
            )


class TokenSchema(Schema):
    token = fields.Str(required=True, validate=validate.Length(1, 1000))


class ResponseCreateSchema(TokenSchema):
    response_id = fields.UUID(required=True, metadata={"description": "Made by the browser."})
    score = Score(required=True)
    comment = _optional_str(length=(0, MAX_COMMENT))
    locale = _locale()
    url = _url()

    @post_load
    def _canonical_id(self, data, **kwargs):
        data["response_id"] = str(data["response_id"])
        return data


class AnswerChangeSchema(TokenSchema):
    """``PATCH /v1/widget/responses/<id>``: what changes, at least one of the three."""

    openapi = {"anyOf": [{"required": [name]} for name in ("comment", "score", "reasons")]}

    comment = fields.Str(allow_none=True, validate=validate.Length(0, MAX_COMMENT))
    score = Score(metadata={"description": "Another score, on the survey's scale."})
    reasons = fields.List(
        fields.Str(validate=validate.Length(1, 40)),
        validate=validate.Length(0, 8),
        metadata={"description": "The ids of the survey's reason choices picked (replaces)."},
    )

    @validates_schema
    def _something(self, data, **kwargs):
        if not {"comment", "score", "reasons"} & set(data):
            raise ValidationError("Send comment, score or reasons.", "comment")


def _band_ends():
    return fields.List(fields.Int(), validate=validate.Length(2, 2))


class BandsSchema(Schema):
    """Each band's first and last score, ``[first, last]``; mid may be empty (last < first)."""

    low = _band_ends()
    mid = _band_ends()
    high = _band_ends()


class ScaleSchema(Schema):
    min = fields.Int()
    max = fields.Int()
    low_label = fields.Str()
    high_label = fields.Str()
    bands = fields.Nested(BandsSchema)


class CardTextsSchema(Schema):
    """The card's own strings, in the prompt's locale (docs/widget.md, "Texts and locales")."""

    close = fields.Str()
    send = fields.Str()
    skip = fields.Str()
    thanks = fields.Str()
    placeholder = fields.Str()


class FollowupsSchema(Schema):
    low = fields.Str()
    mid = fields.Str()
    high = fields.Str()


class ShownReasonSchema(Schema):
    id = fields.Str()
    label = fields.Str()


class ShownReasonsSchema(Schema):
    multiple = fields.Bool()
    bands = fields.List(
        fields.Str(validate=validate.OneOf(["low", "mid", "high"])), allow_none=True
    )
    choices = fields.List(fields.Nested(ShownReasonSchema))


class WidgetThemeSchema(ThemeSchema):
    """The site's theme with the colours computed for its accent (``domain.contrast``)."""

    accent_text = fields.Str(metadata={"description": "Text on the accent: 4.5:1 or more."})
    ring = fields.Str(metadata={"description": "Focus ring on a light card: 3:1 or more."})
    ring_dark = fields.Str(metadata={"description": "Focus ring on a dark card: 3:1 or more."})


class WidgetPromptSchema(Schema):
    """A prompt for the widget to show, in the reader's locale."""

    id = fields.Str()
    token = fields.Str(metadata={"description": "Send it back with shown, dismissed, responses."})
    kind = fields.Str(validate=validate.OneOf(["csat", "ces", "nps"]))
    question = fields.Str()
    followup = fields.Str(metadata={"description": "For a band without one of its own."})
    followup_by_band = fields.Nested(
        FollowupsSchema, metadata={"description": "The follow-up question after a score in a band."}
    )
    scale = fields.Nested(ScaleSchema)
    reasons = fields.Nested(ShownReasonsSchema, allow_none=True)
    texts = fields.Nested(CardTextsSchema)
    delay_ms = fields.Int()
    locale = fields.Str()
    theme = fields.Nested(WidgetThemeSchema)
    pages = fields.List(
        fields.Str(),
        metadata={
            "description": "The survey's page rules, when it has any, as globs (equals /a: "
            "/a, starts_with /a: /a*, contains a: *a*; * is any run of characters): the widget "
            "checks them again when the delay ends and shows nothing on a page none matches."
        },
    )


class PromptOrReasonSchema(Schema):
    prompt = fields.Nested(WidgetPromptSchema, allow_none=True)
    reason = fields.Str(validate=validate.OneOf(REASONS))


class WidgetResponseSchema(Schema):
    id = fields.Str()
    prompt_id = fields.Str()
    score = fields.Int()
    comment = fields.Str(allow_none=True)
    reasons = fields.List(fields.Str())
    locale = fields.Str(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


# -- the management API ----------------------------------------------------------------------


class TriggerSchema(Schema):
    """``POST /v1/prompts``: ask a user from the backend, in the app or by an e-mail link."""

    user_id = fields.Str(required=True, validate=validate.Length(1, 200))
    survey = fields.Str(required=True, validate=validate.Length(1, 40))
    channel = fields.Str(load_default="widget", validate=validate.OneOf(["widget", "link"]))
    context = ScalarMap(MAX_PROPS, load_default=dict)
    traits = ScalarMap(MAX_TRAITS, allow_none=True, load_default=None)
    force = fields.Bool(load_default=False)
    locale = _locale()


class TriggerAnswerSchema(Schema):
    id = fields.Str()
    status = fields.Str(validate=validate.OneOf(["pending", "suppressed"]))
    reason = fields.Str(validate=validate.OneOf(REASONS))
    url = fields.Str(metadata={"description": "The hosted answer page (channel link)."})
    expires_at = fields.Str()


class PromptSchema(Schema):
    id = fields.Str()
    survey = fields.Str()
    user_id = fields.Str()
    origin = fields.Str(validate=validate.OneOf(ORIGINS))
    channel = fields.Str(validate=validate.OneOf(["widget", "link"]))
    status = fields.Str(
        validate=validate.OneOf(["pending", "shown", "answered", "dismissed", "expired"])
    )
    event = fields.Str(allow_none=True)
    context = fields.Dict()
    locale = fields.Str(allow_none=True)
    url = fields.Str()
    response_id = fields.Str(allow_none=True)
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    shown_at = fields.AwareDateTime(allow_none=True)
    answered_at = fields.AwareDateTime(allow_none=True)
    dismissed_at = fields.AwareDateTime(allow_none=True)


class JSONProps(fields.Str):
    """Event props in a query string: a JSON object of at most 20 scalars, as ``props`` of an
    event."""

    openapi = {
        "maxLength": 4000,
        "contentMediaType": "application/json",
        "contentSchema": ScalarMap(MAX_PROPS).openapi | {"type": "object"},
    }

    _props = ScalarMap(MAX_PROPS)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 4000:
            raise ValidationError("At most 4000 characters.")
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            raise ValidationError('Not JSON: give an object such as {"channel": "chat"}.') from None
        if not isinstance(parsed, dict):
            raise ValidationError('A JSON object such as {"channel": "chat"}.')
        return self._props.deserialize(parsed)


class EligibilityQuerySchema(Schema):
    user_id = fields.Str(required=True, validate=validate.Length(1, 200))
    survey = fields.Str(required=True, validate=validate.Length(1, 40))
    origin = fields.Str(
        load_default=None,
        validate=validate.OneOf(ORIGINS),
        metadata={"description": "event (default when the survey has trigger events) or api."},
    )
    event = fields.Str(
        load_default=None,
        validate=validate.Regexp(EVENT_NAME, error="An event name such as invoice.paid."),
        metadata={"description": "For origin event; default: the survey's first trigger."},
    )
    url = fields.Str(
        load_default=None,
        validate=validate.Length(1, 2048),
        metadata={"description": "For origin event: the page (a URL or a path); default none."},
    )
    props = JSONProps(
        load_default=None,
        metadata={
            "description": 'For origin event: the event\'s props as a JSON object, such as {"channel": "chat"}; default none.'
        },
    )


class RuleOutcomeSchema(Schema):
    name = fields.Str(validate=validate.OneOf(REASONS))
    passed = fields.Bool()
    skipped = fields.Bool()
    detail = fields.Str()


class EligibilitySchema(Schema):
    user_id = fields.Str()
    survey = fields.Str()
    origin = fields.Str()
    event = fields.Str(allow_none=True)
    props = fields.Dict()
    url = fields.Str(allow_none=True)
    eligible = fields.Bool()
    reason = fields.Str(allow_none=True)
    pending_prompt_id = fields.Str(allow_none=True)
    rules = fields.List(fields.Nested(RuleOutcomeSchema))


# -- the hosted answer page ------------------------------------------------------------------


class AnswerPageQuerySchema(Schema):
    score = fields.Int(metadata={"description": "Records this score in one click."})
    lang = fields.Str(
        validate=validate.Length(1, 35),
        metadata={
            "description": "Read the page in this locale (e.g. de, pt-BR) when it has every text; "
            "else the survey's negotiated one."
        },
    )
    sent = fields.Bool(metadata={"description": "Shown after the comment form: the thanks."})


class CommentFormSchema(Schema):
    comment = fields.Str(validate=validate.Length(0, MAX_COMMENT))
    reasons = fields.List(
        fields.Str(validate=validate.Length(1, 40)),
        validate=validate.Length(0, 8),
        metadata={"description": "The ids of the reasons picked (checkboxes or radios)."},
    )
