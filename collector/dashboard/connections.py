"""Connections: Slack and e-mail alerts with their filters, and the account's digest opt-in."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import available_timezones

from flask import g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from collector import db, pagination
from collector.api.alert_schemas import AlertSchema
from collector.dashboard import bp, forms
from collector.dashboard.surveys import site_surveys
from collector.domain.digests import WEEKDAYS
from collector.domain.problems import Invalid, UpstreamFailed
from collector.services import alerts, digests

alert_schema = AlertSchema()
TIME_ZONES = sorted(available_timezones() - {"localtime"})
NOTICES = {
    "created": "Alert added.",
    "paused": "Alert paused: nothing is sent until you resume it.",
    "resumed": "Alert resumed.",
    "deleted": "Alert deleted.",
    "tested": "Test sent: look for it in the channel or the inbox.",
    "digest": "Digest saved.",
    "digest-off": "Digest turned off.",
}


def _all_alerts() -> list:
    out, cursor = [], None
    while True:
        items, more = alerts.list_page(db.session(), g.site, limit=100, cursor=cursor)
        out += items
        if not more:
            return out
        cursor = pagination.encode(items[-1].created_at, items[-1].id)


def _render(values=None, errors=None, digest_errors=None, test_failed=None, status=200):
    listed = site_surveys(include_archived=True)
    page = render_template(
        "dashboard/connections.html",
        section="connections",
        title="Connections",
        alerts=_all_alerts(),
        webhooks=_all_webhooks(),
        surveys=listed,
        survey_names={s.id: s.name for s in listed},
        values=values or {"channel": "slack", "digest": "", "has_comment": ""},
        errors=errors or {},
        digest=digests.settings(db.session(), g.account),
        digest_values=request.form if digest_errors else None,
        digest_errors=digest_errors or {},
        weekdays=WEEKDAYS,
        time_zones=TIME_ZONES,
        notice=NOTICES.get(request.args.get("done", "")),
        test_failed=test_failed,
    )
    return page, status


@bp.get("/connections")
def connections():
    return _render()


@bp.post("/connections/alerts")
def create_alert():
    try:
        alerts.create(db.session(), g.site, alert_schema.load(forms.alert(request.form)))
    except ValidationError as e:
        return _render(dict(request.form), forms.errors(e.normalized_messages()), status=422)
    except Invalid as e:
        return _render(dict(request.form), {e.param or "target": e.message}, status=422)
    return redirect(url_for("dashboard.connections", done="created") + "#alerts")


@bp.post("/connections/alerts/<alert_id>/active")
def toggle_alert(alert_id: str):
    active = request.form.get("active") == "on"
    alerts.update(db.session(), g.site, alert_id, {"active": active})
    done = "resumed" if active else "paused"
    return redirect(url_for("dashboard.connections", done=done) + "#alerts")


@bp.post("/connections/alerts/<alert_id>/test")
def test_alert(alert_id: str):
    try:
        alerts.send_test(db.session(), g.site, alert_id)
    except UpstreamFailed as e:
        return _render(test_failed=e.message, status=502)
    return redirect(url_for("dashboard.connections", done="tested") + "#alerts")


@bp.post("/connections/alerts/<alert_id>/delete")
def delete_alert(alert_id: str):
    alerts.delete(db.session(), g.site, alert_id)
    return redirect(url_for("dashboard.connections", done="deleted") + "#alerts")


@bp.post("/connections/digest")
def save_digest():
    form = request.form
    if form.get("frequency", "") == "off":
        digests.unsubscribe(db.session(), g.account)
        return redirect(url_for("dashboard.connections", done="digest-off") + "#digest")
    try:
        digests.subscribe(
            db.session(),
            g.account,
            frequency=form.get("frequency", ""),
            weekday=_int(form.get("weekday"), "weekday"),
            hour=_int(form.get("hour"), "hour"),
            tz=form.get("tz", "").strip(),
        )
    except Invalid as e:
        return _render(digest_errors={e.param: e.message}, status=422)
    return redirect(url_for("dashboard.connections", done="digest") + "#digest")


def _int(text: str | None, param: str) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise Invalid("validation_failed", f"{param}: Choose one.", param=param) from None


def shown_target(rule) -> str:
    """An e-mail alert's addresses as they are; a Slack URL (a credential) by host and ending."""
    if rule.channel == "email":
        return rule.target
    parts = urlsplit(rule.target)
    return f"{parts.netloc}/…{rule.target[-6:]}"


def filter_summary(rule_filter: dict, survey_names: dict[str, str]) -> str:
    """``Checkout NPS · scores 0–6 · with a comment``; ``Every answer`` when nothing filters."""
    conditions = []
    low, high = rule_filter.get("min_score"), rule_filter.get("max_score")
    if low is not None and high is not None:
        conditions.append(f"score {low}" if low == high else f"scores {low}–{high}")
    elif high is not None:
        conditions.append(f"scores up to {high}")
    elif low is not None:
        conditions.append(f"scores from {low}")
    if rule_filter.get("has_comment") is not None:
        conditions.append("with a comment" if rule_filter["has_comment"] else "without a comment")
    parts = conditions or ["every answer"]
    if rule_filter.get("survey"):
        parts.insert(0, survey_names.get(rule_filter["survey"], "a deleted survey"))
    text = " · ".join(parts)
    return text[0].upper() + text[1:]


for _name, _function in {"shown_target": shown_target, "filter_summary": filter_summary}.items():
    bp.add_app_template_global(_function, _name)


# -- webhooks: their delivery log and replay ------------------------------------------------------

DELIVERIES_SHOWN = 50


def _all_webhooks() -> list:
    from collector.webhooks import service as webhooks

    out, cursor = [], None
    while True:
        items, more = webhooks.list_page(db.session(), g.site, limit=100, cursor=cursor)
        out += items
        if not more:
            return out
        cursor = pagination.encode(items[-1].created_at, items[-1].id)


@bp.get("/connections/webhooks/<webhook_id>")
def webhook_deliveries(webhook_id: str):
    from collector.webhooks import service as webhooks

    endpoint = webhooks.get(db.session(), g.site, webhook_id)
    items, more = webhooks.deliveries_page(
        db.session(), g.site, webhook_id, limit=DELIVERIES_SHOWN, cursor=None
    )
    return render_template(
        "dashboard/webhook_deliveries.html",
        section="connections",
        title="Webhook deliveries",
        endpoint=endpoint,
        deliveries=items,
        more=more,
        replayed=request.args.get("replayed"),
    )


@bp.post("/connections/webhooks/<webhook_id>/deliveries/<delivery_id>/retry")
def replay_delivery(webhook_id: str, delivery_id: str):
    from collector.webhooks import service as webhooks

    webhooks.retry(db.session(), g.site, webhook_id, delivery_id)
    target = url_for("dashboard.webhook_deliveries", webhook_id=webhook_id, replayed=delivery_id)
    return redirect(target)
