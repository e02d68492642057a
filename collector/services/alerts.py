"""Alert rules of a site (``/v1/alerts`` and the dashboard's Connections page)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector import outbound, pagination
from collector.domain import alerts, keys
from collector.domain.problems import Invalid, NotFound
from collector.models import AlertRule, Site, Survey


def _checked_target(channel: str, target: str) -> str:
    """The target as stored, or a 422 naming ``target``: a URL the collector may post to (the
    SSRF guard, checked again before every send), or valid e-mail addresses."""
    try:
        target = alerts.normalise_target(channel, target)
        if channel == "slack":
            outbound.guard(target)
    except (alerts.InvalidTarget, outbound.OutboundRefused) as e:
        raise Invalid("invalid_target", f"target: {e}", param="target") from None
    return target


def _check_filter(db: Session, site: Site, rule_filter: dict) -> None:
    survey_id = rule_filter.get("survey")
    if survey_id is None:
        return
    survey = db.get(Survey, survey_id)
    if survey is None or survey.site_id != site.id:
        raise Invalid("validation_failed", "filter.survey: No such survey.", param="filter.survey")


def create(db: Session, site: Site, fields: dict) -> AlertRule:
    target = _checked_target(fields["channel"], fields["target"])
    _check_filter(db, site, fields["filter"])
    rule = AlertRule(id=keys.new_id("alr"), site_id=site.id, **{**fields, "target": target})
    db.add(rule)
    db.commit()
    return rule


def get(db: Session, site: Site, alert_id: str) -> AlertRule:
    rule = db.get(AlertRule, alert_id)
    if rule is None or rule.site_id != site.id:
        raise NotFound("alert", "id")
    return rule


def list_page(db: Session, site: Site, *, limit: int, cursor: str | None):
    stmt = select(AlertRule).where(AlertRule.site_id == site.id)
    return pagination.page(db, stmt, AlertRule, limit=limit, cursor=cursor)


def update(db: Session, site: Site, alert_id: str, changes: dict) -> AlertRule:
    rule = get(db, site, alert_id)
    channel = changes.get("channel", rule.channel)
    if channel != rule.channel and "target" not in changes:
        raise Invalid(
            "validation_failed",
            "target: A new channel needs its target (a Slack URL or e-mail addresses).",
            param="target",
        )
    if "target" in changes:
        changes = {**changes, "target": _checked_target(channel, changes["target"])}
    if "filter" in changes:
        _check_filter(db, site, changes["filter"])
    for field, value in changes.items():
        setattr(rule, field, value)
    db.commit()
    return rule


def delete(db: Session, site: Site, alert_id: str) -> str:
    rule = get(db, site, alert_id)
    db.delete(rule)
    db.commit()
    return alert_id


def send_test(db: Session, site: Site, alert_id: str) -> None:
    """Send a sample alert now, paused or not; ``UpstreamFailed`` when the target refused it."""
    from collector import alerting  # the sending side lives with the worker's jobs

    rule = get(db, site, alert_id)
    channel, target, name = rule.channel, rule.target, site.name
    db.rollback()  # no transaction held while waiting for Slack or the mail server
    alerting.send_test(channel, target, name)
