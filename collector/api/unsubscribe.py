"""The unsubscribe page (``/u/<token>``, DESIGN §12): one button, no JavaScript.

``GET`` shows the button (a form that POSTs here); ``POST`` — the button, or a mail client's
one-click unsubscribe (RFC 8058: ``List-Unsubscribe=One-Click`` in a form body) — suppresses the
address and answers the confirmation with 200. A link scanner's ``GET`` or ``HEAD`` changes
nothing. A link that was not made here is a page too (404), never an error in JSON or a 500.
"""

from __future__ import annotations

from flask import Blueprint, request, url_for
from marshmallow import Schema, fields, validate

from collector import db
from collector.api.answer import hosted_page
from collector.domain import texts, unsubscribe_texts
from collector.models import utcnow
from collector.openapi import doc
from collector.services import unsubscribe
from collector.services.unsubscribe import Page

bp = Blueprint("unsubscribe", __name__, url_prefix="/u")


class UnsubscribeQuerySchema(Schema):
    lang = fields.Str(validate=validate.OneOf(list(texts.LOCALES)))


class OneClickFormSchema(Schema):
    one_click = fields.Str(
        data_key="List-Unsubscribe",
        validate=validate.OneOf(["One-Click"]),
        metadata={"description": "RFC 8058 one-click unsubscribe, as mail clients send it."},
    )


page_query = UnsubscribeQuerySchema()
one_click_form = OneClickFormSchema()


@bp.get("/<token>")
@doc(
    "The unsubscribe page: one button that stops survey e-mail to the address",
    query=page_query,
    content_type="text/html",
    tag="answer page",
    auth="token",
)
def page(token: str):
    return _render(unsubscribe.page(db.session(), token), token)


@bp.post("/<token>")
@doc(
    "Unsubscribe (the page's button, or RFC 8058 one-click); answers the confirmation",
    query=page_query,
    body=one_click_form,
    body_types=("application/x-www-form-urlencoded",),
    content_type="text/html",
    tag="answer page",
    auth="token",
)
def confirm(token: str):
    return _render(unsubscribe.unsubscribe(db.session(), token, utcnow()), token)


def _render(shown: Page, token: str):
    lang = request.args.get("lang")
    ui = texts.builtin(lang if lang in texts.LOCALES else shown.locale or _site_locale(shown))
    t = unsubscribe_texts.page(ui)
    values = {"site": shown.site.name if shown.site else "", "email": shown.email or ""}
    return hosted_page(
        "unsubscribe.html",
        shown.status,
        shown.site,
        page=shown,
        ui=ui,
        t=t,
        body=t[f"{shown.state}_body"].format(**values),
        action=url_for(".confirm", token=token, lang=lang if lang in texts.LOCALES else None),
    )


def _site_locale(shown: Page) -> str | None:
    return shown.site.default_locale if shown.site else None
