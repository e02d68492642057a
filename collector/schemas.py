"""Marshmallow schemas shared by the APIs (module-level singletons live beside their handlers)."""

from __future__ import annotations

import json
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from collector.domain import followup, origins, pages, people, texts
from collector.domain.eligibility import WHERE_OPS
from collector.domain.scales import ALLOWED, Scale
from collector.domain.scoring import SCALES
from collector.schedule_schemas import ScheduleField

#: The locales with built-in texts (``collector.domain.texts``).
LOCALES = texts.LOCALES
EVENT_NAME = re.compile(r"^[a-z0-9_.:-]{1,64}$")
#: A trigger event: a name, a prefix ending in ``.*`` (``billing.*``), or ``*`` (every event).
TRIGGER_NAME = re.compile(r"^(\*|[a-z0-9_.:-]{1,62}\.\*|[a-z0-9_.:-]{1,64})$")
#: Any BCP 47 language tag as stored: language, optional script, optional region, in canonical
#: case (``fi``, ``pt-BR``, ``zh-Hant``, ``es-419``).
LOCALE_TAG = texts.TAG
LOCALE_ERROR = "A locale tag such as fi, pt-BR or zh-Hant."
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
#: An https URL the collector may post to, as the OpenAPI document states it: a host name (its
#: last label starts with a letter: ``https://123`` is an address) or an IPv4 address, an
#: optional port, a path and query of URL characters, no user or password. Whether the host
#: resolves, and only to public addresses, is the world's answer, not the text's: a 422 the
#: document names.
HTTPS_URL = (
    rf"^https://(?:(?:{_LABEL}\.)*[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?|{_OCTET}(?:\.{_OCTET}){{3}})"
    r"(?::[1-9][0-9]{0,3})?(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*(?:\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$"
)
_SPECIAL_USE = "|".join(("arpa", "invalid", "local", "localhost", "onion", "test"))
_ADDRESS = (
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,20}(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,20}){0,2}"
    # A domain label with "--" as its 3rd and 4th characters is refused (IDNA: only "xn--" may).
    rf"@(?:(?![a-z0-9]{{2}}--)[a-z0-9](?:[a-z0-9-]{{0,20}}[a-z0-9])?\.){{1,3}}"
    rf"(?!(?:{_SPECIAL_USE})(?:,|$))[a-z]{{2,20}}"
)
#: E-mail addresses as the OpenAPI document states them: 1–20, separated by ", " (the server also
#: takes commas, semicolons and white space in any mix, and any address ``email-validator`` takes).
EMAIL_LIST = rf"^{_ADDRESS}(?:, {_ADDRESS}){{0,19}}$"
#: One e-mail address as the OpenAPI document states it (the server takes any that
#: ``email-validator`` takes).
EMAIL_ADDRESS = rf"^{_ADDRESS}$"


class EmailAddress(fields.Str):
    """An e-mail address, checked by ``email-validator`` (no DNS look-up), stored in lower case."""

    def __init__(self, description="An e-mail address; stored normalised, in lower case.", **kw):
        metadata = {"pattern": EMAIL_ADDRESS, "description": description}
        super().__init__(validate=validate.Length(3, 254), metadata=metadata, **kw)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return people.address(text)
        except people.InvalidAddress as e:
            raise ValidationError(str(e)) from None


class Unique(validate.Validator):
    """Each item of a list once; ``uniqueItems`` in the OpenAPI document."""

    def __init__(self, error: str):
        self.error = error

    def __call__(self, value):
        # Items may be objects (a trigger with conditions): compared as canonical JSON.
        seen = {json.dumps(item, sort_keys=True, default=str) for item in value}
        if len(seen) != len(value):
            raise ValidationError(self.error)
        return value


class Variants(Schema):
    """A body whose rules for some fields depend on the value of one (the discriminator): an
    alert's target on its ``channel``, a survey's scales on its ``kind``.

    Loads through the variant the discriminator names; through ``base`` when a partial body does
    not name it (the service then checks against the stored value) or names none (``base``
    refuses it). Dumps through ``base``. The OpenAPI document states it as ``oneOf`` the variants
    with a ``discriminator``: the document and the validation are the same classes.
    """

    base: type[Schema]
    discriminator: str
    variants: dict[str, type[Schema]]
    #: The name of the ``oneOf`` in the OpenAPI document.
    openapi_name: str

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._base = self.base()
        self._variants = {value: schema() for value, schema in self.variants.items()}
        field = self._base.fields[self.discriminator]
        choices = {c for v in field.validators if isinstance(v, validate.OneOf) for c in v.choices}
        if choices != set(self.variants):  # a new kind or channel needs its variant
            raise TypeError(
                f"{type(self).__name__}: variants {sorted(self.variants)} for {choices}"
            )

    def load(self, data, *, many=None, partial=None, unknown=None):
        key = data.get(self.discriminator) if isinstance(data, dict) else None
        schema = self._variants.get(key, self._base) if isinstance(key, str) else self._base
        return schema.load(data, many=many, partial=partial, unknown=unknown)

    def dump(self, obj, *, many=None):
        return self._base.dump(obj, many=many)


class EventName(fields.Str):
    def __init__(self, **kwargs):
        super().__init__(
            validate=validate.Regexp(
                EVENT_NAME,
                error="An event name is one word of 1–64 of a–z, 0–9 and _ . : - (such as invoice.paid).",
            ),
            **kwargs,
        )


def LocaleTexts(*, max_length: int = 300, **kwargs) -> fields.Dict:
    """``{locale: text}`` with ``en`` required (the fallback for every other locale)."""

    def has_en(value: dict) -> None:
        if "en" not in value:
            raise ValidationError("An English text is required: it is the fallback for the others.")

    texts = fields.Dict(
        keys=fields.Str(validate=validate.Regexp(LOCALE_TAG, error=LOCALE_ERROR)),
        values=fields.Str(validate=validate.Length(1, max_length)),
        validate=[has_en, validate.Length(1, 20)],
        **kwargs,
    )
    texts.openapi = {"required": ["en"], "maxProperties": 20}
    return texts


class Origin(fields.Str):
    """A web origin, as a browser spells it (``collector.domain.origins``): punycode, lower case,
    no default port, no path."""

    openapi = {
        "pattern": r"^[hH][tT][tT][pP][sS]?://[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?"
        r"(\.[A-Za-z][A-Za-z0-9]{0,30})*(:[1-9][0-9]{0,3})?$",
        "description": "scheme://host[:port]; stored in punycode, lower case, no default port",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return origins.normalise(text)
        except origins.NotAnOrigin as e:
            raise ValidationError(str(e)) from None


_SCALAR = {"type": ["string", "number", "boolean"], "pattern": r"^[^\u0000]*$"}


_BY_OP = [
    {"properties": {"op": {"enum": ["gte", "lte"]}, "value": {"type": "number"}}},
    {
        "properties": {
            "op": {"const": "in"},
            "value": {"type": "array", "minItems": 1, "items": _SCALAR},
        }
    },
    {"properties": {"op": {"enum": ["eq", "neq"]}, "value": _SCALAR}},
]


def _value_fits(op, value) -> None:
    """The value a targeting rule or a where condition may have for its op."""
    scalar = (str, int, float, bool)
    if op in ("gte", "lte") and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ValidationError(f"`{op}` compares numbers: value must be a number.", "value")
    if op == "in" and not (
        isinstance(value, list) and value and all(isinstance(v, scalar) for v in value)
    ):
        raise ValidationError("`in` takes a non-empty list of strings or numbers.", "value")
    if op in ("eq", "neq") and not isinstance(value, scalar):
        raise ValidationError(f"`{op}` takes a string, number or boolean.", "value")
    if op == "contains" and not (isinstance(value, str) and value):
        raise ValidationError(
            "`contains` looks for text: value must be a non-empty string.", "value"
        )


class TargetingRuleSchema(Schema):
    #: What ``_value_fits`` checks, for the OpenAPI document.
    openapi = {"oneOf": _BY_OP}

    trait = fields.Str(required=True, validate=validate.Length(1, 64))
    op = fields.Str(required=True, validate=validate.OneOf(["eq", "neq", "in", "gte", "lte"]))
    value = fields.Raw(required=True)

    @validates_schema
    def _value_fits_op(self, data, **kwargs):
        _value_fits(data.get("op"), data.get("value"))


class WhereConditionSchema(Schema):
    """A condition on an event's props (a trigger's ``where``): all of them must hold."""

    openapi = {
        "oneOf": [
            *_BY_OP,
            {
                "properties": {
                    "op": {"const": "contains"},
                    "value": {"type": "string", "minLength": 1},
                }
            },
        ]
    }

    prop = fields.Str(required=True, validate=validate.Length(1, 64))
    op = fields.Str(
        required=True,
        validate=validate.OneOf(
            WHERE_OPS, error="A condition's op is eq, neq, in, gte, lte or contains (not {input})."
        ),
    )
    value = fields.Raw(required=True)

    @validates_schema
    def _value_fits_op(self, data, **kwargs):
        _value_fits(data.get("op"), data.get("value"))


_TRIGGER_NAME_ERROR = (
    "An event name is one word of 1–64 of a–z, 0–9 and _ . : - (such as invoice.paid), "
    "or a prefix ending in .* (billing.*), or * for every event."
)


class TriggerName(fields.Str):
    def __init__(self, **kwargs):
        super().__init__(
            validate=validate.Regexp(TRIGGER_NAME, error=_TRIGGER_NAME_ERROR), **kwargs
        )


class FilteredTriggerSchema(Schema):
    """A trigger event with conditions on its props: ``{event, where: [{prop, op, value}]}``."""

    event = TriggerName(required=True)
    where = fields.List(
        fields.Nested(WhereConditionSchema),
        required=True,
        validate=validate.Length(1, 10, error="From 1 to 10 conditions."),
    )


_filtered_trigger = FilteredTriggerSchema()


class TriggerEvent(fields.Field):
    """An item of ``trigger_events``: an event name, or ``{event, where}``
    (:class:`FilteredTriggerSchema`)."""

    #: ``oneOf`` the string and the object, for the OpenAPI document (``collector.openapi``).
    openapi_either = ({"type": "string", "pattern": TRIGGER_NAME.pattern}, FilteredTriggerSchema)

    def _serialize(self, value, attr, obj, **kwargs):
        return value

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            if not TRIGGER_NAME.match(value):
                raise ValidationError(_TRIGGER_NAME_ERROR)
            return value
        if isinstance(value, dict):
            return _filtered_trigger.load(value)
        raise ValidationError("A trigger is an event name or {event, where: [...]}.")


class PageRuleSchema(Schema):
    """A page the survey asks on (``collector.domain.pages``): any of a survey's rules may match."""

    openapi = {
        "oneOf": [
            {
                "properties": {
                    "op": {"enum": ["equals", "starts_with"]},
                    "value": {"type": "string", "pattern": "^/[^*]*$"},
                }
            },
            {
                "properties": {
                    "op": {"const": "contains"},
                    "value": {"type": "string", "pattern": "^[^*]+$"},
                }
            },
            {
                "properties": {
                    "op": {"const": "glob"},
                    "value": {
                        "type": "string",
                        "pattern": rf"^(/[^*]*(\*[^*]*){{0,{pages.MAX_STARS}}}"
                        rf"|\*[^*]*(\*[^*]*){{0,{pages.MAX_STARS - 1}}})$",
                    },
                }
            },
        ]
    }

    op = fields.Str(
        required=True,
        validate=validate.OneOf(
            pages.OPS, error="A page op is equals, starts_with, contains or glob (not {input})."
        ),
    )
    value = fields.Str(
        required=True,
        validate=validate.Length(
            1, pages.MAX_VALUE, error=f"From 1 to {pages.MAX_VALUE} characters."
        ),
        metadata={
            "description": "Compared with the page's path; with the query too when it holds ?, "
            "with the fragment too when it holds #. In a glob, * is any run of characters; "
            "the other ops' values hold no *."
        },
    )

    @validates_schema
    def _value_fits_op(self, data, **kwargs):
        op, value = data.get("op"), data.get("value")
        if not isinstance(value, str):
            return
        if op != "glob" and "*" in value:
            raise ValidationError(
                "* is a wildcard only in a glob: use op glob (such as /billing/*).", "value"
            )
        if op in ("equals", "starts_with") and not value.startswith("/"):
            raise ValidationError(
                "A page rule compares the URL's path: start with / (such as /billing), "
                "not with the site's address.",
                "value",
            )
        if op == "glob":
            if not value.startswith(("/", "*")):
                raise ValidationError(
                    "A glob compares the URL's path: start with / or * (such as /billing/*).",
                    "value",
                )
            if value.count("*") > pages.MAX_STARS:
                raise ValidationError(
                    f"A glob has at most {pages.MAX_STARS} *: this one is too long.", "value"
                )


class ThemeSchema(Schema):
    accent = fields.Str(validate=validate.Regexp(HEX_COLOUR, error="A colour such as #4f46e5."))
    position = fields.Str(
        validate=validate.OneOf(["bottom-right", "bottom-left", "top-right", "top-left"])
    )
    mode = fields.Str(validate=validate.OneOf(["auto", "light", "dark"]))
    radius = fields.Int(validate=validate.Range(0, 32))


class FollowupBands(fields.List):
    """The bands whose answers open a follow-up (``["low", "mid"]``), stored as ``"low,mid"``
    (``collector.domain.followup``)."""

    def __init__(self, **kwargs):
        super().__init__(
            fields.Str(
                validate=validate.OneOf(
                    followup.BANDS, error="A band is low, mid or high (not {input})."
                )
            ),
            metadata={
                "uniqueItems": True,
                "maxItems": len(followup.BANDS),
                "default": [followup.DEFAULT],
                "description": "The score bands whose answers start as an open follow-up; the "
                "others start as `none`. NPS: low 0–6, mid 7–8, high 9–10; CSAT and CES: see the "
                'survey\'s scale. Default ["low"]; [] opens none. A change applies to new answers.',
            },
            **kwargs,
        )

    def _serialize(self, value, attr, obj, **kwargs):
        return followup.parse(value) if isinstance(value, str) else value

    def _deserialize(self, value, attr, data, **kwargs):
        bands = super()._deserialize(value, attr, data, **kwargs)
        if len(set(bands)) != len(bands):
            raise ValidationError("Each band once.")
        return followup.stored(bands)


_TEXT_LENGTH = 300
_TEXT_JSON = {
    "type": "string",
    "minLength": 1,
    "maxLength": _TEXT_LENGTH,
    "pattern": rf"^[^\u0000]{{1,{_TEXT_LENGTH}}}$",
}
_LOCALE_TEXTS_JSON = {
    "type": "object",
    "properties": {key: _TEXT_JSON for key in texts.KEYS},
    "additionalProperties": False,
}
#: A tag whose language has built-in texts: any of its texts may be given alone.
_BUILT_IN_TAG = rf"^({'|'.join(texts.LOCALES + tuple(texts.ALIASES))})(-|$)"
MAX_TEXT_LOCALES = 30


class Texts(fields.Dict):
    """``{locale: {key: text}}`` (DESIGN §13 ``texts``, keys in ``collector.domain.texts``):
    the built-in strings a team replaces or adds, for any locale tag. A locale whose language
    has built-in texts may replace any of them; for another locale (``pt-BR``) the site's texts
    give every text the card shows (:data:`~collector.domain.texts.CARD_KEYS`), so that a card
    is never half in English, and a survey's may replace some of them (``complete=False``; the
    service checks them together with the site's). Errors name the text: ``texts.pt-BR.send``."""

    def __init__(self, *, complete: bool = True, **kwargs):
        kwargs.setdefault("allow_none", True)
        # The key field states the tag's pattern in the document; _deserialize does the checking.
        tag = fields.Str(validate=validate.Regexp(LOCALE_TAG, error=LOCALE_ERROR))
        super().__init__(keys=tag, values=fields.Dict(), **kwargs)
        self.complete = complete
        others = {**_LOCALE_TEXTS_JSON, "required": list(texts.CARD_KEYS)}
        rule = (
            "A tag of a language without built-in texts gives at least "
            if complete
            else "A tag of a language without built-in texts gives, with the site's texts, "
        )
        self.openapi = {
            "maxProperties": MAX_TEXT_LOCALES,
            "patternProperties": {_BUILT_IN_TAG: _LOCALE_TEXTS_JSON},
            "additionalProperties": others if complete else _LOCALE_TEXTS_JSON,
            "description": "Built-in strings per locale tag: "
            + ", ".join(texts.KEYS)
            + ". "
            + rule
            + ", ".join(texts.CARD_KEYS)
            + ".",
        }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("An object of locale tags, each with its texts.")
        if len(value) > MAX_TEXT_LOCALES:
            raise ValidationError(f"At most {MAX_TEXT_LOCALES} locales.")
        out = {}
        for locale, given in value.items():
            if not isinstance(locale, str) or not LOCALE_TAG.match(locale):
                raise ValidationError({str(locale): [LOCALE_ERROR]})
            if not isinstance(given, dict):
                raise ValidationError({locale: ['An object of texts, such as {"send": "…"}.']})
            for key, text in given.items():
                if key not in texts.KEYS:
                    raise ValidationError({locale: {key: ["Not a text: " + ", ".join(texts.KEYS)]}})
                if not isinstance(text, str) or not 1 <= len(text) <= _TEXT_LENGTH:
                    raise ValidationError(
                        {locale: {key: [f"A text of 1–{_TEXT_LENGTH} characters."]}}
                    )
            for key in texts.missing(locale, given) if self.complete else ():
                raise ValidationError(
                    {
                        locale: {
                            key: [
                                f"{locale} has no built-in texts: give every text the card "
                                "shows (" + ", ".join(texts.CARD_KEYS) + ")."
                            ]
                        }
                    }
                )
            out[locale] = dict(given)
        return out


class FollowupByBand(fields.Dict):
    """``{low|mid|high: {locale: text}}``: the follow-up question for answers in a band of the
    survey's scale; a band without one asks the plain ``followup``."""

    def __init__(self, **kwargs):
        super().__init__(
            keys=fields.Str(
                validate=validate.OneOf(
                    followup.BANDS, error="A band is low, mid or high (not {input})."
                )
            ),
            values=LocaleTexts(),
            allow_none=True,
            metadata={
                "description": "The follow-up question per score band (NPS: low 0–6, mid 7–8, "
                "high 9–10; CSAT and CES: see the survey's scale); a band without one asks the "
                "plain followup."
            },
            **kwargs,
        )
        self.openapi = {"maxProperties": len(followup.BANDS)}


REASON_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class ReasonChoiceSchema(Schema):
    id = fields.Str(
        required=True,
        validate=validate.Regexp(
            REASON_ID, error="1–40 of a-z 0-9 _ -, starting with a letter or digit (e.g. price)."
        ),
        metadata={"description": "Stored with the answer and shown in `reasons` of a response."},
    )
    label = LocaleTexts(required=True, max_length=80)


class ReasonsSchema(Schema):
    """``reasons``: 2–8 choices shown after the score (DESIGN §13)."""

    choices = fields.List(
        fields.Nested(ReasonChoiceSchema),
        required=True,
        validate=validate.Length(2, 8, error="From 2 to 8 choices."),
        metadata={"description": "Each id once (else 422 `duplicate_reason`)."},
    )
    multiple = fields.Bool(
        load_default=False, metadata={"description": "Several may be chosen (default: one)."}
    )
    bands = fields.List(
        fields.Str(
            validate=validate.OneOf(
                followup.BANDS, error="A band is low, mid or high (not {input})."
            )
        ),
        allow_none=True,
        load_default=None,
        validate=[validate.Length(1, 3), Unique("Each band once.")],
        metadata={
            "description": "Show the reasons only after a score in these bands (default: all)."
        },
    )


class ScaleSchema(Schema):
    """A survey's answer scale (DESIGN §13): CSAT 1–5 or 1–7, CES 1–5 or 1–7, NPS 0–10."""

    min = fields.Int(required=True, strict=True)
    max = fields.Int(required=True, strict=True)


_DAYS = "From 0 to 3650 days (ten years)."


def _scale_field(description: str, pairs) -> fields.Method:
    """``scale`` as ScaleSchema loads it; the document lists the pairs it may hold."""
    return fields.Method(
        "_scale",
        "_load_scale",
        metadata={
            "description": description,
            "type": "object",
            "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}},
            "required": ["min", "max"],
            "additionalProperties": False,
            "enum": [{"min": low, "max": high} for low, high in pairs],
        },
    )


class SurveySchema(Schema):
    """A survey as the management API reads and writes it (DESIGN §5)."""

    id = fields.Str(dump_only=True)
    kind = fields.Str(required=True, validate=validate.OneOf(list(SCALES)))
    name = fields.Str(validate=validate.Length(1, 200))
    question = LocaleTexts(required=True)
    followup = LocaleTexts(allow_none=True, load_default=None)
    trigger_events = fields.List(
        TriggerEvent(),
        load_default=list,
        validate=[
            validate.Length(0, 20, error="At most 20 events."),
            Unique("Each trigger event once."),
        ],
        metadata={
            "description": "After which `fiilis.track` events the widget asks: a name, a prefix "
            "ending in .* or *, or {event, where: [{prop, op, value}]} to ask only when every "
            "condition holds on the event's props."
        },
    )
    pages = fields.List(
        fields.Nested(PageRuleSchema),
        allow_none=True,
        load_default=None,
        validate=validate.Length(0, 20, error="At most 20 page rules."),
        metadata={"description": "The pages the widget asks on (any rule): none, every page."},
    )
    starts_at = fields.AwareDateTime(
        allow_none=True,
        load_default=None,
        metadata={"description": "The survey asks from this moment on; none: at once."},
    )
    ends_at = fields.AwareDateTime(
        allow_none=True,
        load_default=None,
        metadata={"description": "The survey asks nobody from this moment on; none: no end."},
    )
    delay_ms = fields.Int(
        load_default=0, validate=validate.Range(0, 600_000, error="At most 10 minutes (600000 ms).")
    )
    sample_rate = fields.Float(
        load_default=1.0,
        validate=validate.Range(0, 1, error="A share from 0 to 1: 0.25 asks one user in four."),
    )
    targeting = fields.List(
        fields.Nested(TargetingRuleSchema), load_default=list, validate=validate.Length(0, 20)
    )
    recontact_days = fields.Int(load_default=90, validate=validate.Range(0, 3650, error=_DAYS))
    dismiss_snooze_days = fields.Int(load_default=30, validate=validate.Range(0, 3650, error=_DAYS))
    max_responses = fields.Int(
        allow_none=True,
        load_default=None,
        # Below the database's integers: 2**63 was a 500.
        validate=validate.Range(
            1, 100_000_000, error="From 1 to 100000000, or empty for no limit."
        ),
    )
    priority = fields.Int(
        load_default=0, validate=validate.Range(-1000, 1000, error="From -1000 to 1000.")
    )
    active = fields.Bool(load_default=True)
    followup_bands = FollowupBands()
    followup_by_band = FollowupByBand()
    reasons = fields.Nested(ReasonsSchema, allow_none=True)
    texts = Texts(complete=False)
    scale = _scale_field(
        "{min, max}: CSAT 1–5 (default) or 1–7, CES 1–7 (default) or 1–5, NPS 0–10. "
        "Fixed once the survey has answers.",
        sorted(set().union(*ALLOWED.values())),
    )
    # A recurring relationship survey (DESIGN §13; collector/schedule_schemas.py).
    schedule = ScheduleField()
    archived_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    def _scale(self, survey) -> dict:
        scale = Scale.of(survey.kind, survey.scale_min, survey.scale_max)
        return {"min": scale.min, "max": scale.max}

    def _load_scale(self, value) -> dict:
        return ScaleSchema().load(value)

    @validates_schema
    def _scale_fits_kind(self, data, **kwargs):
        if "scale" in data and data.get("kind") in SCALES:
            check_scale(data["kind"], data["scale"])

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        check_dates(data.get("starts_at"), data.get("ends_at"))


def _survey_of_kind(kind: str) -> type[SurveySchema]:
    pairs = ALLOWED[kind]
    scales = " or ".join(f"{low}–{high}" for low, high in pairs)
    return type(
        f"{kind.capitalize()}SurveySchema",
        (SurveySchema,),
        {
            "__doc__": f"A {kind.upper()} survey: its scale is {scales}.",
            "kind": fields.Str(required=True, validate=validate.OneOf([kind])),
            "scale": _scale_field(
                f"{{min, max}}: {scales}. Fixed once the survey has answers.", pairs
            ),
        },
    )


class SurveyVariantsSchema(Variants):
    """A survey of any kind: which scales it may have depends on the kind."""

    base = SurveySchema
    discriminator = "kind"
    variants = {kind: _survey_of_kind(kind) for kind in SCALES}
    openapi_name = "Survey"


#: A site declares at most this many segments: each adds a counter to every answer written.
MAX_SEGMENTS = 5
SEGMENT_NAME = re.compile(r'^[^"\\\x00-\x1f]{1,64}$')
_SEGMENT_NAME_ERROR = "A trait name of 1–64 characters, without quotes, backslashes or controls."


class SiteSchema(Schema):
    id = fields.Str(dump_only=True)
    name = fields.Str(validate=validate.Length(1, 200))
    public_key = fields.Str(dump_only=True)
    secret_key_hint = fields.Str(dump_only=True)
    allowed_origins = fields.List(Origin(), validate=validate.Length(0, 50))
    default_locale = fields.Str(
        validate=[validate.Length(2, 16), validate.Regexp(LOCALE_TAG, error=LOCALE_ERROR)],
        metadata={
            "description": "Any BCP 47 tag; one without texts (built in or the site's own) "
            "falls back to en."
        },
    )
    texts = Texts()
    theme = fields.Nested(ThemeSchema)
    cooldown_days = fields.Int(validate=validate.Range(0, 365))
    require_identity = fields.Bool()
    retention_days = fields.Int(allow_none=True, validate=validate.Range(1, 36500))
    segments = fields.List(
        fields.Str(validate=validate.Regexp(SEGMENT_NAME, error=_SEGMENT_NAME_ERROR)),
        validate=[
            validate.Length(0, MAX_SEGMENTS, error=f"At most {MAX_SEGMENTS} segments."),
            Unique("Each trait once."),
        ],
        metadata={
            "description": f"At most {MAX_SEGMENTS} user trait names whose answers are counted "
            "per day as they are written, so that group_by=trait:<name> on them reads those "
            "counts instead of every answer (other traits still work, more slowly at millions "
            "of answers). A new one counts every stored answer before the change returns."
        },
    )
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


def check_scale(kind: str, scale: dict) -> None:
    """A ``ValidationError`` on ``scale`` when the kind does not have that scale."""
    if (scale["min"], scale["max"]) not in ALLOWED[kind]:
        options = " or ".join(f"{low}–{high}" for low, high in ALLOWED[kind])
        raise ValidationError(f"The scale of a {kind.upper()} survey is {options}.", "scale")


def check_dates(starts_at, ends_at) -> None:
    """A ``ValidationError`` on ``ends_at`` when the survey would end before it starts."""
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ValidationError("ends_at must be after starts_at.", "ends_at")


def list_of(item: Schema, name: str) -> type[Schema]:
    """The ``{data, has_more, next_cursor}`` envelope of a list endpoint, for the OpenAPI document."""
    return Schema.from_dict(
        {
            "data": fields.List(fields.Nested(item), required=True),
            "has_more": fields.Bool(required=True),
            "next_cursor": fields.Str(allow_none=True, required=True),
        },
        name=name,
    )
