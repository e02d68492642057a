"""The survey editor's e-mail preview: the survey e-mail as a person would get it, rendered by
the one ``survey_mail.compose``, for the saved survey (``GET``) or the editor's unsaved fields
(``POST``, the editor's own form aimed at the preview's frame).

The editor's policy allows no inline style, and a ``srcdoc`` frame inherits its page's policy:
the preview is its own small page, framed by the editor (``frame-src 'self'``), whose policy
allows inline styles and nothing else (no script, no request, CSP ``sandbox``). It shows the
subject and the HTML part in a sandboxed ``srcdoc`` frame, or the text part."""

from __future__ import annotations

from flask import current_app, g, render_template, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from collector import db, mail
from collector.dashboard import bp, forms
from collector.domain import texts
from collector.models import Survey
from collector.schemas import SurveySchema
from collector.services import survey_mail, surveys

#: What a new survey without a question previews (as the widget preview does).
NO_QUESTION = "Your question appears here."


class PreviewQuery(Schema):
    """Which survey, language and part to show; the editor's other fields are read below."""

    class Meta:
        unknown = EXCLUDE

    survey = fields.Str(validate=validate.Length(1, 40))
    locale = fields.Str(
        load_default="en",
        data_key="mail_locale",
        validate=validate.Regexp(texts.TAG, error="A locale tag such as fi or pt-BR."),
    )
    part = fields.Str(
        load_default="html", data_key="mail_part", validate=validate.OneOf(["html", "text"])
    )


preview_query = PreviewQuery()
#: The fields of a survey its e-mail shows, with the API's own rules.
mail_fields = SurveySchema(only=("kind", "question", "texts"))


@bp.route("/surveys/mail-preview", methods=["GET", "POST"])
def mail_preview():
    try:
        asked = preview_query.load(request.values)
        saved = surveys.get(db.session(), g.site, asked["survey"]) if "survey" in asked else None
        survey = saved if request.method == "GET" and saved else _edited(saved)
    except ValidationError as e:
        return _page(error=_first(e.normalized_messages()), status=422)
    message = survey_mail.preview(
        g.site,
        survey,
        asked["locale"],
        base=current_app.config.get("PUBLIC_URL") or request.host_url,
    )
    return _page(message=message, part=asked["part"])


def _edited(saved: Survey | None) -> Survey:
    """The survey as the editor's fields have it now, never stored."""
    data = forms.survey(request.form)
    data["question"] = data["question"] or {"en": NO_QUESTION}
    data["kind"] = saved.kind if saved else data.get("kind", "csat")
    loaded = mail_fields.load({k: data[k] for k in ("kind", "question", "texts") if k in data})
    return Survey(
        id=saved.id if saved else "srv_preview",
        site_id=g.site.id,
        kind=loaded["kind"],
        question=loaded["question"],
        texts=loaded.get("texts", saved.texts if saved else None),
        scale_min=saved.scale_min if saved else None,
        scale_max=saved.scale_max if saved else None,
    )


def _first(messages: dict) -> str:
    field, text = next(iter(forms.errors(messages).items()))
    return f"{text} ({field})"


def _page(*, message=None, part="html", error=None, status=200):
    page = render_template(
        "dashboard/mail_preview.html",
        message=message,
        html=mail.framed_html(message.html) if message else "",
        part=part,
        error=error,
    )
    return page, status  # its policy: MAIL_PREVIEW_CSP
