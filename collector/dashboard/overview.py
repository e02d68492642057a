"""Overview: each survey's score (active ones first, then the paused), interval, trend, distribution and score by event.

Every number is ``metrics.compute`` (what ``GET /v1/metrics`` answers) for the chosen period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial

from flask import g, render_template, request, url_for
from marshmallow import ValidationError

from collector import db
from collector.api.metrics import metrics_query
from collector.dashboard import bp, charts, inbox
from collector.dashboard.surveys import site_surveys
from collector.domain.problems import Invalid
from collector.services import metrics, results

PERIODS = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_PERIOD = "30d"


@dataclass(frozen=True)
class Period:
    """Whole UTC days: ``since`` inclusive, ``until`` exclusive (the day after the last one)."""

    key: str
    since: date
    until: date
    interval: str

    @property
    def last_day(self) -> date:
        return self.until - timedelta(days=1)

    def query(self) -> dict:
        """The query string that shows this period again on another page."""
        args = {"period": self.key, "interval": self.interval}
        if self.key == "custom":
            args.update(since=self.since.isoformat(), until=self.last_day.isoformat())
        return args

    def params(self) -> dict:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def period(args, today: date) -> tuple[Period, str | None]:
    """The period asked for in the query string, and what was wrong with it (else ``None``)."""
    key = args.get("period", DEFAULT_PERIOD)
    interval = args.get("interval") if args.get("interval") in metrics.INTERVALS else None
    error = None
    if key == "custom":
        since, last = _date(args.get("since")), _date(args.get("until"))
        if since and last and since <= last:
            return Period(
                key, since, last + timedelta(days=1), interval or _auto(last - since)
            ), None
        error = "Choose a start date on or before the end date."
        key = DEFAULT_PERIOD
    days = PERIODS.get(key, PERIODS[DEFAULT_PERIOD])
    key = key if key in PERIODS else DEFAULT_PERIOD
    until = today + timedelta(days=1)
    return Period(
        key, until - timedelta(days=days), until, interval or _auto(timedelta(days))
    ), error


def _url(p: Period, **changes) -> str:
    return url_for("dashboard.overview", **{**p.query(), **changes})


def _auto(span: timedelta) -> str:
    return "day" if span.days <= 14 else "week" if span.days <= 190 else "month"


@dataclass
class SurveyCard:
    survey: object
    m: dict
    trend_wide: charts.Trend
    trend_narrow: charts.Trend
    distribution: charts.Distribution
    whiskers: list
    zero: float | None
    partial: str | None  # the start of the last interval when it is still running, else None


def card(survey, p: Period, now: datetime) -> SurveyCard:
    q = metrics_query.load(
        {"survey": survey.id, **p.params(), "interval": p.interval, "group_by": "event"}
    )
    m = metrics.compute(db.session(), g.site, q)
    whiskers, zero = charts.whiskers(survey.kind, m["groups"])
    # The period reaches past now: its last day, week or month is still being counted.
    running = bool(m["series"]) and datetime.fromisoformat(m["until"]) > now
    return SurveyCard(
        survey=survey,
        m=m,
        trend_wide=charts.trend(survey.kind, m["series"], p.interval, partial=running),
        trend_narrow=charts.trend(
            survey.kind, m["series"], p.interval, width=340, height=200, partial=running
        ),
        distribution=charts.distribution(
            results.scale_of(survey), m["distribution"], inbox.band_of
        ),
        whiskers=whiskers,
        zero=zero,
        partial=m["series"][-1]["start"] if running else None,
    )


@bp.get("/")
def overview():
    now = datetime.now(UTC)
    today = now.date()
    p, error = period(request.args, today)
    listed = site_surveys()
    # Active surveys first; a paused one keeps its results here, after them, marked paused.
    shown = sorted(listed, key=lambda s: (not s.active, -s.priority, s.created_at))
    try:
        cards = [card(s, p, now) for s in shown]
    except (ValidationError, Invalid):  # a period the metrics refuse (too many daily points)
        p, error = period({}, today)[0], "That period is too long for this interval."
        cards = [card(s, p, now) for s in shown]
    return render_template(
        "dashboard/overview.html",
        section="overview",
        title="Overview",
        period=p,
        period_error=error,
        periods=PERIODS,
        period_url=partial(_url, p),
        period_preset=lambda key: url_for("dashboard.overview", period=key),
        cards=cards,
        inactive=0,
    )
