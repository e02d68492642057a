"""Surveys: the list, and the create/edit form with a live preview of the widget."""

from __future__ import annotations

import re

from flask import g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from collector import db, pagination
from collector.dashboard import bp, forms, inbox, schedule_form, survey_rules
from collector.domain import contrast, followup, texts
from collector.domain.eligibility import event_names
from collector.domain.problems import Problem
from collector.domain.scales import Scale
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
    values.update(_card_values(survey))
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


def _card_values(survey) -> dict:
    """Follow-ups by band, reasons and texts as the editor's fields (``_editor_texts.html``)."""
    values: dict = {}
    for band, by_locale in (survey.followup_by_band or {}).items():
        for locale, text in by_locale.items():
            values[f"band_{band}_{locale}"] = text
    reasons = survey.reasons or {}
    for i, choice in enumerate(reasons.get("choices", ())):
        values[f"reason_id_{i}"] = choice["id"]
        for locale, text in choice["label"].items():
            values[f"reason_label_{i}_{locale}"] = text
    values["reasons_multiple"] = bool(reasons.get("multiple"))
    values["reasons_bands"] = list(reasons.get("bands") or [])
    for locale, given in (survey.texts or {}).items():
        for key, text in given.items():
            values[f"text_{locale}_{key}"] = text
    return values


def _reason_rows(values: dict) -> int:
    """Rows of the reasons' table: the choices given, one empty row more (two at least), one
    more again after "Add a choice"; at most 8."""
    given = max(
        (
            i + 1
            for i in range(forms.MAX_REASONS)
            if values.get(f"reason_id_{i}")
            or any(k.startswith(f"reason_label_{i}_") and v for k, v in values.items())
        ),
        default=0,
    )
    extra = 2 if values.get("add_choice") else 1
    return min(forms.MAX_REASONS, max(2, given + extra))


def _card_locales(survey) -> list[str]:
    """Locales the survey's follow-ups by band, reason labels and texts are in."""
    if survey is None:
        return []
    found = list((survey.texts or {}).keys())
    for by_locale in (survey.followup_by_band or {}).values():
        found += list(by_locale)
    for choice in (survey.reasons or {}).get("choices", ()):
        found += list(choice["label"])
    return found


def _builtin_texts(languages: list[str]) -> dict:
    """``{locale: {kind: card texts}}`` with the site's own: what the preview shows where the
    survey gives nothing (``collector.domain.texts``, the one source)."""
    out = {}
    for locale in languages:
        out[locale] = {
            kind: texts.strings(locale, kind, texts.CARD_KEYS, None, g.site.texts)
            for kind in ("csat", "ces", "nps")
        }
    return out


def _scale_bands(survey) -> dict:
    """``{kind: {band: [first, last]}}`` for the preview's band switch."""
    kinds = [survey.kind] if survey is not None else ["csat", "ces", "nps"]
    out = {}
    for kind in kinds:
        scale = (
            Scale.of(kind, survey.scale_min, survey.scale_max)
            if survey is not None
            else Scale.of(kind)
        )
        out[kind] = {band: list(ends) for band, ends in scale.bands.items()}
    return out


def _form(survey=None, values=None, errors=None, status=200):
    languages = _extra_languages(survey, values)
    codes = ["en", "fi", "sv"] + [code for code, _ in languages]
    page = render_template(
        "dashboard/survey_form.html",
        section="surveys",
        title=f"Edit {survey.name}" if survey else "New survey",
        survey=survey,
        values=values or (_values(survey) if survey else DEFAULTS),
        errors=errors or {},
        extra_languages=languages,
        builtin_texts=_builtin_texts(codes),
        scale_bands=_scale_bands(survey),
        card_keys=texts.CARD_KEYS,
        has_builtin=texts.has_builtin,
        reason_rows=_reason_rows(values or (_values(survey) if survey else {})),
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
    "ar": "Arabic", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek",
    "es": "Spanish", "et": "Estonian", "fr": "French", "he": "Hebrew", "hu": "Hungarian",
    "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian",
    "lv": "Latvian", "nb": "Norwegian", "nl": "Dutch", "no": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "tr": "Turkish", "uk": "Ukrainian",
    "zh": "Chinese",
}  # fmt: skip


#: A posted field of one locale: ``question_de``, ``band_low_pt-BR``, ``reason_label_0_fi``.
_LOCALE_FIELD = re.compile(
    r"^(?:question|followup|band_(?:low|mid|high)|reason_label_[0-7])"
    r"_(?P<locale>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,2})$"
)


def _extra_languages(survey, values) -> list[tuple[str, str]]:
    """Locales the survey has beyond the built-in three: shown as fields, so a save keeps them."""
    posted = {}
    for name in values or {}:
        match = _LOCALE_FIELD.match(name) or forms.TEXT_FIELD.match(name)
        if match:
            posted[match.group("locale")] = True
    codes = forms.extra_locales(
        survey.question if survey else None,
        survey.followup if survey else None,
        dict.fromkeys(_card_locales(survey)) if values is None else None,
        posted,
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
    values["reasons_multiple"] = request.form.get("reasons_multiple") == "on"
    values["reasons_bands"] = request.form.getlist("reasons_bands")
    values.update(survey_rules.posted(request.form))
    return values


def _grown(survey=None):
    """ "Add a language" and "Add a choice": the form again, unsaved, with fields for one more
    locale tag or reason choice (no script needed)."""
    values = _posted()
    if survey is not None:
        values["kind"] = survey.kind
    if request.form.get("add_choice"):
        return _form(survey, values)
    tag = texts.canonical(request.form.get("add_locale", "").strip())
    if tag is None or not texts.TAG.match(tag):
        error = "A locale tag such as de, pt-BR or zh-Hant."
        return _form(survey, values, {"add_locale": error}, 422)
    values.setdefault(f"question_{tag}", "")
    values.pop("add_locale", None)
    return _form(survey, values)


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
    if request.form.get("add_language") or request.form.get("add_choice"):
        return _grown()
    try:
        fields = _load(*_with_rules(forms.survey(request.form)))
        survey = surveys.create(db.session(), g.site, fields)
    except _Refused as e:
        return _form(None, _posted(), e.errors, 422)
    except Problem as e:
        return _form(None, _posted(), {e.param or "form": e.message}, 422)
    return redirect(url_for("dashboard.edit_survey", survey_id=survey.id, saved=1))


@bp.get("/surveys/<survey_id>")
def edit_survey(survey_id: str):
    return _form(surveys.get(db.session(), g.site, survey_id))


@bp.post("/surveys/<survey_id>")
def update_survey(survey_id: str):
    survey = surveys.get(db.session(), g.site, survey_id)
    if request.form.get("add_language") or request.form.get("add_choice"):
        return _grown(survey)
    data = forms.survey(request.form)
    data["kind"] = survey.kind  # the form shows the kind; it cannot change
    try:
        changes = _load(*_with_rules(data, survey), partial=True)
        surveys.update(db.session(), g.site, survey_id, changes)
    except _Refused as e:
        return _form(survey, {**_posted(), "kind": survey.kind}, e.errors, 422)
    except Problem as e:
        return _form(
            survey, {**_posted(), "kind": survey.kind}, {e.param or "form": e.message}, 422
        )
    return redirect(url_for("dashboard.edit_survey", survey_id=survey_id, saved=1))


@bp.post("/surveys/<survey_id>/archive")
def archive_survey(survey_id: str):
    surveys.archive(db.session(), g.site, survey_id)
    return redirect(url_for("dashboard.surveys"))
