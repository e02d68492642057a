"""The hosted answer page (``/r/<token>``) of a prompt sent as an e-mail link.

Server-rendered, no JavaScript: one link per score (``?score=N`` records it in one click, as a
plain GET from an e-mail client), then the follow-up form, then thanks. Strict CSP: the page
loads one stylesheet from here, and at most one inline style (the site's accent) by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Blueprint, make_response, redirect, render_template, request, url_for

from collector import db
from collector.api.prompt_schemas import AnswerPageQuerySchema, CommentFormSchema
from collector.domain import contrast, texts
from collector.domain.scales import Scale
from collector.models import utcnow
from collector.openapi import doc
from collector.services import answers, link_page
from collector.services.link_page import LinkPage

bp = Blueprint("answer", __name__, url_prefix="/r")

page_query = AnswerPageQuerySchema()
comment_form = CommentFormSchema()
CSP = (
    "default-src 'none'; style-src 'self'{hashes}; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@bp.get("/<token>")
@doc(
    "The hosted answer page; ?score=N records a score in one click",
    query=page_query,
    content_type="text/html",
    tag="answer page",
    auth="token",
)
def page(token: str):
    lang, score = _lang(), request.args.get("score")
    if score is not None and request.method == "GET":  # HEAD (link checkers) never records
        shown = link_page.take_score(db.writing(), token, score, utcnow(), lang=lang)
    else:
        shown = link_page.page(db.session(), token, utcnow(), lang=lang)
        if request.args.get("sent") and shown.state == "comment":
            shown.state = "done"  # the form was sent empty: thank all the same
    return _render(shown, token, lang)


@bp.post("/<token>")
@doc(
    "Send the follow-up comment (form), then see the thanks",
    body=comment_form,
    body_types=("application/x-www-form-urlencoded",),
    content_type="text/html",
    tag="answer page",
    auth="token",
)
def comment(token: str):
    lang = _lang()
    text = request.form.get("comment", "")
    reasons = [r for r in request.form.getlist("reasons") if r][:8]
    shown = link_page.take_comment(db.session(), token, text, utcnow(), lang=lang, reasons=reasons)
    if shown.state == "done" and shown.status == 200:
        return redirect(url_for(".page", token=token, lang=lang, sent=1), 303)
    return _render(shown, token, lang)


def _lang() -> str | None:
    return texts.canonical(request.args.get("lang"))


def _render(shown: LinkPage, token: str, lang: str | None):
    if shown.survey is not None:
        t = texts.strings(
            shown.ui, shown.survey.kind, texts.KEYS, shown.survey.texts, shown.site.texts
        )
    else:
        t = texts.page(shown.ui)
    context = {"page": shown, "ui": shown.ui, "t": t, "lang": lang, "notice": None}
    if shown.site is not None:
        context["asked_by"] = texts.fill(t["asked_by"], site=shown.site.name)
    if shown.survey is not None:
        context.update(_survey_context(shown, t, lang))
        context["action"] = url_for(".comment", token=token, lang=lang)
    return hosted_page("answer.html", shown.status, shown.site, **context)


def hosted_page(template: str, status: int, site, **context):
    """A page of a person's link (the answer page, the unsubscribe page): in the site's accent,
    its one inline style allowed by its hash, never cached, never indexed, no referrer."""
    accent = _accent_style((site.theme or {}) if site else {})
    response = make_response(render_template(template, accent_style=accent, **context), status)
    hashes = f" 'sha256-{_sha256(accent)}'" if accent else ""
    response.headers["Content-Security-Policy"] = CSP.format(hashes=hashes)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _survey_context(shown: LinkPage, t: dict, lang: str | None) -> dict:
    survey, response = shown.survey, shown.response
    scale = Scale.of(survey.kind, survey.scale_min, survey.scale_max)
    low, high = scale.min, scale.max
    low_label, high_label = t["low_label"], t["high_label"]
    chosen = response.score if response is not None else None
    suffix = f"&lang={lang}" if lang else ""
    points = []
    for value in range(low, high + 1):
        label = texts.fill(t["score_label"], score=value, min=low, max=high)
        if value in (low, high):
            label += ": " + (low_label if value == low else high_label)
        points.append(
            {
                "value": value,
                "href": f"?score={value}{suffix}",
                "label": label,
                "current": value == chosen,
            }
        )
    values = {
        "bad_score": {"min": low, "max": high},
        "too_long": {"max": answers.MAX_COMMENT},
        "final": {"score": chosen},
    }
    notice = texts.fill(t[shown.notice], **values[shown.notice]) if shown.notice else None
    plain = texts.followup(survey.followup, shown.locale, t["followup"])
    if chosen is not None:
        band = scale.band_of(chosen)
        question = texts.band_followup(survey.followup_by_band, band, shown.locale) or plain
    else:
        band, question = None, plain
    return {
        "kind": survey.kind,
        "question": survey.question[shown.locale],
        "followup": question,
        "locale": shown.locale,
        "points": points,
        "low_label": low_label,
        "high_label": high_label,
        "choose": texts.fill(t["choose"], min=low, max=high),
        "chosen": texts.fill(t["chosen"], score=chosen) if chosen is not None else None,
        "max_chars": texts.fill(t["max_chars"], max=answers.MAX_COMMENT),
        "notice": notice,
        "reasons": _reasons_shown(survey, band, shown),
    }


def _reasons_shown(survey, band: str | None, shown: LinkPage) -> dict | None:
    """The reason choices to offer after a score in ``band``, labelled in the page's locale."""
    reasons = survey.reasons
    if not reasons or band is None or (reasons.get("bands") and band not in reasons["bands"]):
        return None
    chosen = set(shown.reasons or ())
    return {
        "multiple": bool(reasons.get("multiple")),
        "choices": [
            {
                "id": c["id"],
                "label": texts.label(c["label"], shown.locale),
                "checked": c["id"] in chosen,
            }
            for c in reasons["choices"]
        ],
    }


def _accent_style(theme: dict) -> str | None:
    """The site's accent as CSS custom properties, with text on it in black or white, whichever
    reads better (the widget's rule, ``domain.contrast``)."""
    accent = theme.get("accent")
    if not (isinstance(accent, str) and _HEX.match(accent)):
        return None
    return f":root{{--accent:{accent.lower()};--on-accent:{contrast.ink_on(accent)}}}"


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
