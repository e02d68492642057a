"""A survey's report: one survey over a chosen period, every figure ``metrics.compute``.

The trend and distribution are the overview's card; tags, reasons and score by trait are ``GET
/v1/metrics`` with ``group_by=tag``, ``group_by=reason`` and ``group_by=trait:<name>``; the change
against the previous period is the Review page's ``comparison.compare`` (and
``comparison.reasons_moved`` for the reasons). Paused and archived surveys keep
their report.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import g, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from collector import db
from collector.api.metrics import metrics_query
from collector.dashboard import bp, charts
from collector.dashboard.overview import PERIODS, card, period
from collector.dashboard.reviews import LOW_COMMENTS, low_filters
from collector.domain import comparison
from collector.domain.problems import Invalid
from collector.models import Response
from collector.services import answer_reasons, metrics, results, reviews, surveys

#: The newest answers of the period whose traits offer the "score by trait" names.
TRAIT_SAMPLE = 1000


def trait_names(session, survey, p) -> list[str]:
    """The trait names on the survey's answers in the period (its newest ``TRAIT_SAMPLE``), the
    ones ``group_by=trait:`` accepts, sorted."""
    since = datetime.combine(p.since, datetime.min.time(), tzinfo=UTC)
    until = datetime.combine(p.until, datetime.min.time(), tzinfo=UTC)
    rows = session.scalars(
        select(Response.traits)
        .where(
            Response.survey_id == survey.id,
            Response.created_at >= since,
            Response.created_at < until,
        )
        .order_by(Response.created_at.desc())
        .limit(TRAIT_SAMPLE)
    )
    names = {name for traits in rows if isinstance(traits, dict) for name in traits}
    usable = []
    for name in sorted(names):
        try:
            metrics_query.load({"survey": survey.id, "group_by": f"trait:{name}"})
        except ValidationError:
            continue
        usable.append(name)
    return usable


def _grouped(survey, p, group_by: str, *, none_last=False) -> tuple[dict, list, float | None]:
    q = metrics_query.load({"survey": survey.id, **p.params(), "group_by": group_by})
    m = metrics.compute(db.session(), g.site, q)
    if none_last:  # "No reason given" under the reasons, however many answers it holds
        m["groups"].sort(key=lambda grp: grp["key"] is None)
    whiskers, zero = charts.whiskers(survey.kind, m["groups"])
    return m, whiskers, zero


def _url(survey_id: str, p, **changes) -> str:
    args = {**p.query(), "trait": request.args.get("trait")}
    return url_for("dashboard.survey_report", survey_id=survey_id, **{**args, **changes})


@bp.get("/surveys/<survey_id>/report")
def survey_report(survey_id: str):
    session = db.session()
    survey = surveys.get(session, g.site, survey_id)  # another site's: 404
    now = datetime.now(UTC)
    p, error = period(request.args, now.date())
    try:
        c = card(survey, p, now)
    except (ValidationError, Invalid):  # a period the metrics refuse (too many daily points)
        p, error = period({}, now.date())[0], "That period is too long for this interval."
        c = card(survey, p, now)
    tags, tag_whiskers, tag_zero = _grouped(survey, p, "tag")
    by_reason, reason_whiskers, reason_zero = _grouped(survey, p, "reason", none_last=True)
    moved = reviews.reasons_moved(session, survey, p.since, p.until)
    names = trait_names(session, survey, p)
    chosen = request.args.get("trait", "")
    chosen = chosen if chosen in names else (names[0] if names else None)
    by_trait = _grouped(survey, p, f"trait:{chosen}") if chosen else (None, [], None)
    filters = low_filters(survey, p)
    low, _ = results.list_page(session, g.site, filters, limit=LOW_COMMENTS, cursor=None)
    period_filter = {"since": p.since.isoformat(), "until": p.last_day.isoformat()}
    return render_template(
        "dashboard/report.html",
        section="surveys",
        title=f"Report: {survey.name}",
        survey=survey,
        c=c,
        period=p,
        period_error=error,
        periods=PERIODS,
        period_url=lambda **changes: _url(survey.id, p, **changes),
        period_preset=lambda key: url_for(
            "dashboard.survey_report", survey_id=survey.id, period=key
        ),
        tags=tags,
        tag_whiskers=tag_whiskers,
        tag_zero=tag_zero,
        traits=names,
        trait=chosen,
        by_trait=by_trait,
        change=reviews.period_change(session, survey, p.since, p.until),
        previous=(p.since - (p.until - p.since), p.since - timedelta(days=1)),
        tags_moved=reviews.tags_moved(session, survey, p.since, p.until),
        # Shown when the survey offers reasons, or did: answers keep the reasons they gave.
        has_reasons=bool(survey.reasons)
        or any(grp["key"] is not None for grp in by_reason["groups"])
        or moved.n_before > 0,
        by_reason=by_reason,
        reason_whiskers=reason_whiskers,
        reason_zero=reason_zero,
        reason_labels=answer_reasons.labels(survey),
        reasons_moved=moved,
        min_reason_n=comparison.MIN_REASON_ANSWERS,
        low_comments=low,
        low_total=results.count(session, g.site, filters),
        responses_url=url_for("dashboard.responses", survey=survey.id, **period_filter),
        low_url=url_for("dashboard.responses", survey=survey.id, band="low", **period_filter),
    )
