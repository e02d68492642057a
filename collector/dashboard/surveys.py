"""Surveys: the list, and the create/edit form with a live preview of the widget."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from collector import db, pagination
from collector.dashboard import bp, forms, inbox, schedule_form, survey_rules
from collector.domain import contrast, followup
from collector.domain.eligibility import event_names
from collector.errors import APIError
from collector.schemas import SurveySchema
from collector.services import surveys

survey_schema = SurveySchema()


def site_surveys(*, include_archived: bool = False) -> list:
    """Every survey of the session's site, newest first: the pages read, not only the first one."""
    out, cursor = [], None
    while True:
        items, more = surveys.list_page(
            db.session(), g.site, limit=100, cursor=cursor, include_archived=include_archived
        )
        out += items
        if not more:
            return out
        cursor = pagination.encode(items[-1].created_at, items[-1].id)


@bp.get("/surveys", endpoint="surveys")
def list_surveys():
    listed = site_surveys(include_archived=True)
    listed.sort(key=lambda s: (s.archived_at is not None, not s.active, -s.priority))
    return render_template(
        "dashboard/surveys.html", section="surveys", title="Surveys", surveys=listed
    )


def _values(survey) -> dict:
    """A stored survey as the form's fields."""
    values = {
        "kind": survey.kind,
        "name": survey.name,
        "trigger_events": ", ".join(dict.fromkeys(event_names(survey.trigger_events))),
        "active": survey.active,
        "followup_bands": followup.parse(survey.followup_bands),
    }
    for prefix in ("question", "followup"):
        for locale, text in (getattr(survey, prefix) or {}).items():
            values[f"{prefix}_{locale}"] = text
    values.update(survey_rules.values(survey))
    for field in (
        "sample_rate",
        "delay_ms",
        "recontact_days",
        "dismiss_snooze_days",
        "priority",
        "max_responses",
    ):
        value = getattr(survey, field)
        values[field] = "" if value is None else value
    return values


DEFAULTS = {
    "kind": "csat",
    "active": True,
    "sample_rate": 1.0,
    "delay_ms": 0,
    "recontact_days": 90,
    "dismiss_snooze_days": 30,
    "priority": 0,
    "max_responses": "",
    "followup_bands": [followup.DEFAULT],
}


def _form(survey=None, values=None, errors=None, status=200):
    page = render_template(
        "dashboard/survey_form.html",
        section="surveys",
        title=f"Edit {survey.name}" if survey else "New survey",
        survey=survey,
        values=values or (_values(survey) if survey else DEFAULTS),
        errors=errors or {},
        extra_languages=_extra_languages(survey, values),
        sample_warning=_sample_warning(
            (values or {}).get("sample_rate", survey and survey.sample_rate)
        ),
        theme=contrast.widget_theme(g.site.theme),
        band_legends=_band_legends(survey),
        schedule_values=schedule_form.for_page(survey, values),
        rules=survey_rules,
        conditions_kept=bool(survey and survey_rules.ors_of_one_event(survey)),
        saved=request.args.get("saved") == "1",
    )
    return page, status


LANGUAGE_NAMES = {
    "da": "Danish", "de": "German", "es": "Spanish", "et": "Estonian", "fr": "French",
    "it": "Italian", "ja": "Japanese", "nb": "Norwegian", "nl": "Dutch", "pl": "Polish",
    "pt": "Portuguese",
}  # fmt: skip


def _extra_languages(survey, values) -> list[tuple[str, str]]:
    """Locales the survey has beyond the built-in three: shown as fields, so a save keeps them."""
    # followup_bands is a field of its own, not the follow-up in a language "bands"
    posted = {
        name.split("_", 1)[1]: True
        for name in (values or {})
        if name.startswith(("question_", "followup_")) and name != "followup_bands"
    }
    codes = forms.extra_locales(
        survey.question if survey else None, survey.followup if survey else None, posted
    )
    return [(code, LANGUAGE_NAMES.get(code.split("-")[0], code)) for code in codes]


def _sample_warning(rate) -> str | None:
    """Under 1 % a survey is asked so rarely that it looks broken: say how rarely."""
    try:
        rate = float(rate)
    except (TypeError, ValueError):
        return None
    if 0 < rate < 0.01:
        return f"About 1 in {round(1 / rate):,} eligible users will be asked.".replace(",", " ")
    if rate == 0:
        return "Nobody will be asked at a sample rate of 0."
    return None


def _band_legends(survey) -> dict[str, dict[str, str]]:
    """``{kind: {band: "Detractors 0–6"}}``: the survey's own scale, or each kind's default
    while a new survey's kind can still change (the page shows the chosen kind's)."""
    if survey is not None:
        return {survey.kind: dict(inbox.band_legend(survey))}
    return {kind: dict(inbox.band_legend(kind)) for kind in ("csat", "ces", "nps")}


def _posted() -> dict:
    values = request.form.to_dict()
    values["active"] = request.form.get("active") == "on"
    values["followup_bands"] = request.form.getlist("followup_bands")
    values.update(survey_rules.posted(request.form))
    return values


def _with_rules(data: dict, survey=None) -> tuple[dict, dict]:
    """The form's body with its rules; conditions the editor cannot show are kept as stored."""
    rules, where = survey_rules.from_form(request.form, data["trigger_events"])
    if survey is not None and (
        "trigger_events" not in rules or survey_rules.ors_of_one_event(survey)
    ):
        rules["trigger_events"] = forms.keep_conditions(
            data["trigger_events"], survey.trigger_events
        )
    return {**data, **rules}, where


class _Refused(Exception):
    def __init__(self, errors: dict):
        self.errors = errors


def _load(data: dict, where: dict, **options) -> dict:
    try:
        loaded = survey_schema.load(data, **options)
    except ValidationError as e:
        raise _Refused(survey_rules.place(forms.errors(e.normalized_messages()), where)) from None
    if where["unknown"]:
        raise _Refused(dict(where["unknown"]))
    return loaded


@bp.get("/surveys/new")
def new_survey():
    return _form()


@bp.post("/surveys/new")
def create_survey():
    try:
        fields = _load(*_with_rules(forms.survey(request.form)))
    except _Refused as e:
        return _form(None, _posted(), e.errors, 422)
    survey = surveys.create(db.session(), g.site, fields)
    return redirect(url_for("dashboard.edit_survey", survey_id=survey.id, saved=1))


@bp.get("/surveys/<survey_id>")
def edit_survey(survey_id: str):
    return _form(surveys.get(db.session(), g.site, survey_id))


@bp.post("/surveys/<survey_id>")
def update_survey(survey_id: str):
    survey = surveys.get(db.session(), g.site, survey_id)
    data = forms.survey(request.form)
    data["kind"] = survey.kind  # the form shows the kind; it cannot change
    try:
        changes = _load(*_with_rules(data, survey), partial=True)
        surveys.update(db.session(), g.site, survey_id, changes)
    except _Refused as e:
        return _form(survey, {**_posted(), "kind": survey.kind}, e.errors, 422)
    except APIError as e:
        return _form(
            survey, {**_posted(), "kind": survey.kind}, {e.param or "form": e.message}, 422
        )
    return redirect(url_for("dashboard.edit_survey", survey_id=survey_id, saved=1))


@bp.post("/surveys/<survey_id>/archive")
def archive_survey(survey_id: str):
    surveys.archive(db.session(), g.site, survey_id)
    return redirect(url_for("dashboard.surveys"))
