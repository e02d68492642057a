"""``/v1/metrics``: a survey's scores with 95 % intervals, funnel, series and groups (DESIGN §7)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Blueprint
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from collector import db
from collector.api.auth import current_site
from collector.api.body import query
from collector.api.responses import Instant, at
from collector.openapi import doc
from collector.services import metrics

bp = Blueprint("metrics", __name__)

GROUP_BY = re.compile(r'^(event|tag|reason|trait:[^"\\\x00-\x1f]{1,64})$')


class TimeZone(fields.Str):
    """An IANA time zone name such as ``Europe/Helsinki``."""

    openapi = {"enum": sorted(available_timezones())}

    def _deserialize(self, value, attr, data, **kwargs):
        name = super()._deserialize(value, attr, data, **kwargs)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                "Not an IANA time zone name such as Europe/Helsinki or UTC."
            ) from None


class MetricsQuerySchema(Schema):
    survey = fields.Str(required=True, validate=validate.Length(1, 40))
    since = Instant(
        metadata={
            "description": "From this instant on (inclusive); a date is midnight in tz. "
            "Default: the survey's first prompt or answer."
        }
    )
    until = Instant(
        metadata={"description": "Before this instant (exclusive); a date is midnight in tz."}
    )
    interval = fields.Str(validate=validate.OneOf(metrics.INTERVALS))
    group_by = fields.Str(
        validate=validate.Regexp(
            GROUP_BY, error="Use event, tag, reason or trait:<name>, e.g. trait:plan."
        ),
        metadata={
            "description": "event, tag, reason (the reason choices' ids) or trait:<name>. With "
            "tag and reason an answer counts in each of its groups; the answers with none are "
            "the null group. A trait the site declared in its segments (PATCH /v1/site) is read "
            "from daily counts; any other trait reads every answer of the period, which takes "
            "seconds at millions of answers."
        },
    )
    tz = TimeZone(metadata={"description": "Cuts the intervals at local midnights. Default UTC."})

    @validates_schema
    def _period(self, data, **kwargs):
        tz = data.get("tz") or ZoneInfo("UTC")
        since, until = at(data.get("since"), tz), at(data.get("until"), tz)
        if since is not None and until is not None and until <= since:
            raise ValidationError("Must be later than since.", "until")

    @post_load
    def _query(self, data, **kwargs) -> metrics.MetricsQuery:
        tz = data.pop("tz", None) or ZoneInfo("UTC")
        since, until = at(data.pop("since", None), tz), at(data.pop("until", None), tz)
        return metrics.MetricsQuery(since=since, until=until, tz=tz, **data)


class PointSchema(Schema):
    n = fields.Int(required=True)
    score = fields.Float(allow_none=True, required=True)
    ci95 = fields.List(fields.Float(), allow_none=True, required=True)
    mean = fields.Float(allow_none=True, required=True)


class SeriesPointSchema(PointSchema):
    start = fields.Str(required=True, metadata={"description": "Local start of the interval"})


class GroupSchema(PointSchema):
    key = fields.Str(allow_none=True, required=True)


class MetricsSchema(PointSchema):
    survey = fields.Str(required=True)
    kind = fields.Str(required=True)
    scale = fields.Dict(
        keys=fields.Str(),
        values=fields.Int(),
        required=True,
        metadata={"description": "{min, max}"},
    )
    since = fields.Str(required=True)
    until = fields.Str(required=True)
    interval = fields.Str(allow_none=True, required=True)
    tz = fields.Str(required=True)
    group_by = fields.Str(allow_none=True, required=True)
    mean_ci95 = fields.List(fields.Float(), allow_none=True, required=True)
    distribution = fields.Dict(keys=fields.Str(), values=fields.Int(), required=True)
    low_n = fields.Bool(required=True)
    satisfied_pct = fields.Float(allow_none=True, metadata={"description": "CSAT only"})
    easy_pct = fields.Float(allow_none=True, metadata={"description": "CES only"})
    promoters_pct = fields.Float(allow_none=True, metadata={"description": "NPS only"})
    passives_pct = fields.Float(allow_none=True, metadata={"description": "NPS only"})
    detractors_pct = fields.Float(allow_none=True, metadata={"description": "NPS only"})
    shown = fields.Int(required=True)
    answered = fields.Int(required=True)
    dismissed = fields.Int(required=True)
    response_rate = fields.Float(allow_none=True, required=True)
    series = fields.List(fields.Nested(SeriesPointSchema), required=True)
    groups = fields.List(fields.Nested(GroupSchema), required=True)
    groups_truncated = fields.Bool(required=True)


metrics_query = MetricsQuerySchema()
metrics_schema = MetricsSchema()


@bp.get("/metrics")
@doc(
    "A survey's scores, funnel, series and groups",
    query=metrics_query,
    response=metrics_schema,
    tag="results",
)
def get():
    return metrics.compute(db.session(), current_site(), query(metrics_query))
