"""Sites and surveys as the widget path reads them: :class:`SiteSettings` and
:class:`SurveySettings` values, kept by the settings cache between calls."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select

from collector.domain import scale
from collector.domain.eligibility import SurveyRules
from collector.domain.widget import SiteSettings, SurveySettings
from collector.models import Site, Survey

_SITES, _SURVEYS = Site.__table__, Survey.__table__
_site, _s = _SITES.c, _SURVEYS.c
_SITE_COLUMNS = (
    *(_site.id, _site.public_key, _site.allowed_origins, _site.identity_secret),
    _site.require_identity,
    *(_site.cooldown_days, _site.default_locale, _site.theme),
)
_SITE_BY_PUBLIC_KEY = select(*_SITE_COLUMNS).where(_site.public_key == bindparam("key"))
_SITE_BY_ID = select(*_SITE_COLUMNS).where(_site.id == bindparam("id"))
_SURVEY_BY_ID = select(_SURVEYS).where(_s.id == bindparam("id"))
_LIVE_SURVEYS = select(_SURVEYS).where(_s.site_id == bindparam("site_id"), _s.archived_at.is_(None))


class Settings:
    """Site and survey settings, on the unit of work's connection."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def site_by_public_key(self, public_key: str) -> SiteSettings | None:
        return _site_of(self.conn.execute(_SITE_BY_PUBLIC_KEY, {"key": public_key}).first())

    def site_by_id(self, site_id: str) -> SiteSettings | None:
        return _site_of(self.conn.execute(_SITE_BY_ID, {"id": site_id}).first())

    def survey(self, survey_id: str) -> SurveySettings | None:
        row = self.conn.execute(_SURVEY_BY_ID, {"id": survey_id}).first()
        return survey_of(row) if row is not None else None

    def live_surveys(self, site_id: str) -> list[SurveySettings]:
        """The site's surveys that are not archived (active or not: the rules say which ask)."""
        return [survey_of(row) for row in self.conn.execute(_LIVE_SURVEYS, {"site_id": site_id})]


def _site_of(row) -> SiteSettings | None:
    if row is None:
        return None
    return SiteSettings(
        id=row.id,
        public_key=row.public_key,
        allowed_origins=row.allowed_origins or (),
        identity_secret=row.identity_secret,
        require_identity=row.require_identity,
        cooldown_days=row.cooldown_days,
        default_locale=row.default_locale,
        theme=row.theme or {},
    )


def survey_of(survey) -> SurveySettings:
    """A survey row (or mapped :class:`Survey`) as the value the widget path decides with."""
    return SurveySettings(
        id=survey.id,
        site_id=survey.site_id,
        kind=survey.kind,
        scale=scale.of(survey.kind),
        question=survey.question,
        followup=survey.followup,
        delay_ms=survey.delay_ms,
        rules=rules_of(survey),
    )


def rules_of(survey) -> SurveyRules:
    """What eligibility needs of a survey row (or mapped :class:`Survey`)."""
    return SurveyRules(
        id=survey.id,
        created_at=survey.created_at,
        active=survey.active and survey.archived_at is None,
        trigger_events=survey.trigger_events or (),
        targeting=survey.targeting or (),
        sample_rate=survey.sample_rate,
        recontact_days=survey.recontact_days,
        dismiss_snooze_days=survey.dismiss_snooze_days,
        max_responses=survey.max_responses,
        priority=survey.priority,
    )
