"""Review: the monthly look at a period that ends in 2–3 actions; Actions: what became of them.

Every score change is ``comparison.compare`` of two periods counted by the results service; the
page decides nothing about what is beyond chance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from collector import db
from collector.api.reviews import action_schema, review_schema
from collector.dashboard import bp, forms
from collector.dashboard.overview import PERIODS, period
from collector.dashboard.surveys import site_surveys
from collector.domain import comparison, numbers
from collector.domain.problems import NotFound, Problem
from collector.errors import status_of
from collector.models import utcnow
from collector.services import answer_reasons, results, reviews

#: How many action rows the review's form offers ("every review ends in two or three actions").
ACTION_ROWS = 3
LOW_COMMENTS = 5
OPEN_FOLLOWUPS = 10
STATUS_FILTERS = ("open", "done", "dropped", "all")


@dataclass
class DoneAction:
    action: reviews.ActionView
    change: comparison.Comparison | None


@dataclass
class SurveyReview:
    survey: object
    change: comparison.Comparison
    low_comments: list
    low_total: int
    tags: list = field(default_factory=list)
    reasons: comparison.ReasonsMoved | None = None  # None: the survey has never had reasons
    reason_labels: dict = field(default_factory=dict)
    done: list[DoneAction] = field(default_factory=list)
    open_actions: list = field(default_factory=list)


def low_filters(survey, p) -> dict:
    low, high = results.scale_of(survey).bands["low"]
    return {
        "survey": survey.id,
        "since": datetime.combine(p.since, datetime.min.time(), tzinfo=UTC),
        "until": datetime.combine(p.until, datetime.min.time(), tzinfo=UTC),
        "min_score": low,
        "max_score": high,
        "has_comment": True,
    }


def _survey_review(survey, p, done_actions, open_actions, now) -> SurveyReview:
    session = db.session()
    filters = low_filters(survey, p)
    comments, _ = results.list_page(session, g.site, filters, limit=LOW_COMMENTS, cursor=None)
    length = p.until - p.since
    done = [
        DoneAction(a, reviews.since_done(session, survey, a.done_at, length, now))
        for a in done_actions
        if a.survey_id == survey.id
    ]
    reasons = reviews.reasons_moved(session, survey, p.since, p.until)
    if not survey.reasons and reasons.n_before == reasons.n_after == 0:
        reasons = None
    return SurveyReview(
        survey=survey,
        change=reviews.period_change(session, survey, p.since, p.until),
        low_comments=comments,
        low_total=results.count(session, g.site, filters),
        tags=reviews.tags_moved(session, survey, p.since, p.until),
        reasons=reasons,
        reason_labels=answer_reasons.labels(survey),
        done=done,
        open_actions=[a for a in open_actions if a.survey_id == survey.id],
    )


def _render(values=None, errors=None, status=200):
    session = db.session()
    today = datetime.now(UTC).date()
    p, period_error = period(request.args if request.method == "GET" else request.form, today)
    previous_since = p.since - (p.until - p.since)
    now = utcnow()
    open_actions = reviews.all_actions(session, g.site, {"status": "open"})
    done = reviews.done_between(
        session,
        g.site,
        datetime.combine(previous_since, datetime.min.time(), tzinfo=UTC),
        now,
    )
    surveys = sorted(site_surveys(), key=lambda s: (not s.active, -s.priority, s.created_at))
    cards = [_survey_review(s, p, done, open_actions, now) for s in surveys]
    followups_filter = {"followup_status": "in_progress"}
    followups, _ = results.list_page(
        session, g.site, followups_filter, limit=OPEN_FOLLOWUPS, cursor=None
    )
    earlier, _ = reviews.list_reviews(session, g.site, limit=6, cursor=None)
    latest = earlier[0] if earlier else None
    page = render_template(
        "dashboard/review.html",
        section="review",
        title="Review",
        period=p,
        period_error=period_error,
        periods=PERIODS,
        previous=(previous_since, p.since - timedelta(days=1)),
        cards=cards,
        min_reason_n=comparison.MIN_REASON_ANSWERS,
        done_without_survey=[a for a in done if a.survey_id is None],
        open_actions=open_actions,
        followups=followups,
        followups_total=results.count(session, g.site, followups_filter),
        team=reviews.team(session, g.site),
        surveys=surveys,
        rows=ACTION_ROWS,
        values=values or _defaults(today, latest),
        errors=errors or {},
        earlier=earlier,
        latest=latest,
        today=today,
        titles={s.id: s.name for s in surveys},
        one_day=timedelta(days=1),
        linkable=[(c.survey, r) for c in cards for r in c.low_comments],
    )
    return page, status


def _defaults(today: date, latest) -> dict:
    due = (today + timedelta(days=14)).isoformat()
    return {
        "next_review_on": (today + timedelta(days=30)).isoformat(),
        "attendees": ", ".join(latest.attendees) if latest else "",
        **{f"action-{i}-due_on": due for i in range(1, ACTION_ROWS + 1)},
    }


@bp.get("/review")
def review():
    return _render()


def _posted_review(form, p) -> dict:
    data = {
        "since": p.since.isoformat(),
        "until": p.until.isoformat(),
        "summary": form.get("summary", "").strip() or None,
        "attendees": forms.words(form.get("attendees", "")),
    }
    data["next_review_on"] = form.get("next_review_on", "").strip() or None
    return data


def _posted_actions(form) -> list[tuple[int, dict]]:
    out = []
    for i in range(1, ACTION_ROWS + 1):
        title = form.get(f"action-{i}-title", "").strip()
        if not title:
            continue
        item = {"title": title, "due_on": form.get(f"action-{i}-due_on", "").strip()}
        item["owner"] = form.get(f"action-{i}-owner", "").strip() or None
        item["survey"] = form.get(f"action-{i}-survey", "").strip() or None
        item["response_ids"] = [r for r in form.getlist(f"action-{i}-response_ids") if r]
        out.append((i, item))
    return out


@bp.post("/review")
def create_review():
    form = request.form
    today = datetime.now(UTC).date()
    p, _ = period(form, today)
    errors: dict[str, str] = {}
    try:
        data = review_schema.load(_posted_review(form, p))
    except ValidationError as e:
        errors.update(forms.errors(e.normalized_messages()))
    items = []
    posted = _posted_actions(form)
    for i, item in posted:
        try:
            items.append(action_schema.load(item))
        except ValidationError as e:
            errors.update(forms.errors(e.normalized_messages(), f"action-{i}"))
    if not posted:
        errors["action-1-title"] = "A review ends in actions: write at least one."
    if errors:
        return _render(_values(form), _dashed(errors), 422)
    try:
        made, actions = reviews.record_review(
            db.session(), g.site, data, items, actor=g.account.email
        )
    except Problem as e:
        db.session().rollback()
        # An owner or an answer the form names that is not there: the form's fault, not a 404.
        status = 422 if isinstance(e, NotFound) else status_of(e)
        return _render(_values(form), {"form": e.message}, status)
    flash(f"Review saved with {len(actions)} action{'s' if len(actions) != 1 else ''}.")
    return redirect(url_for("dashboard.actions", review=made.id))


def _values(form) -> dict:
    values = form.to_dict()
    for i in range(1, ACTION_ROWS + 1):
        values[f"action-{i}-response_ids"] = form.getlist(f"action-{i}-response_ids")
    return values


def _dashed(errors: dict[str, str]) -> dict[str, str]:
    # "action-2.due_on" (the prefix and the field) → "action-2-due_on", the form's field names.
    return {key.replace(".", "-"): message for key, message in errors.items()}


@bp.get("/actions")
def actions():
    status = request.args.get("status", "open")
    status = status if status in STATUS_FILTERS else "open"
    filters = {} if status == "all" else {"status": status}
    review_id = request.args.get("review") or None
    session = db.session()
    chosen = reviews.get_review(session, g.site, review_id) if review_id else None
    if chosen:
        filters["review"] = chosen.id
    listed = reviews.all_actions(session, g.site, filters)
    surveys = {s.id: s.name for s in site_surveys(include_archived=True)}
    return render_template(
        "dashboard/actions.html",
        section="actions",
        title="Actions",
        actions=listed,
        status=status,
        statuses=STATUS_FILTERS,
        review=chosen,
        titles=surveys,
        today=datetime.now(UTC).date(),
        one_day=timedelta(days=1),
    )


@bp.post("/actions/<action_id>/status")
def action_status(action_id: str):
    status = request.form.get("status", "")
    if status not in reviews.STATUSES:
        flash("Choose open, done or dropped.", "error")
    else:
        made = reviews.update_action(db.session(), g.site, action_id, {"status": status})
        word = {"open": "opened again", "done": "marked done", "dropped": "dropped"}[status]
        flash(f"“{made.title}” {word}.")
    return redirect(
        url_for(
            "dashboard.actions",
            status=request.form.get("back_status") or None,
            review=request.form.get("back_review") or None,
        )
    )


VERDICT_WORDS = {
    comparison.BEYOND_CHANCE: "Beyond chance",
    comparison.WITHIN_NOISE: "Within noise",
    comparison.NOT_ENOUGH: "Not enough answers",
}


@bp.app_template_global("change_text")
def change_text(change: comparison.Change) -> dict:
    """A change for people: ``{difference, interval, unit, verdict, word}`` as text."""
    # Means move in hundredths, shares and NPS in whole points (collector/domain/numbers.py).
    decimals = 2 if change.unit == "scale" else 0
    unit = "" if change.unit == "scale" else " points"
    if change.difference is None:
        return {
            "difference": "–",
            "interval": "",
            "verdict": change.verdict,
            "word": VERDICT_WORDS[change.verdict],
        }
    low, high = change.ci95
    if unit and numbers.signed(abs(change.difference), 0) == "+1":
        unit = " point"  # +1 point, −1 point
    return {
        "difference": numbers.signed(change.difference, decimals) + unit,
        "interval": f"{numbers.signed(low, decimals)} to {numbers.signed(high, decimals)}",
        "verdict": change.verdict,
        "word": VERDICT_WORDS[change.verdict],
    }
