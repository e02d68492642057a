"""Prompts as the widget path reads and writes them: the waiting one, a user's histories with
the site's surveys, a prompt opened by an event.

The statements run prepared on the driver (``collector.prepared``; docs/benchmarks.md, "Ingest").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, insert, select

from collector.domain.eligibility import History
from collector.domain.widget import OPEN_STATUSES, PromptRef, SurveySettings
from collector.models import Prompt, Response, Survey
from collector.prepared import Prepared

OPEN = OPEN_STATUSES

_PROMPTS, _SURVEYS = Prompt.__table__, Survey.__table__
_p, _s = _PROMPTS.c, _SURVEYS.c
# OPEN spelled out: a prepared statement takes no expanding IN.
_OPEN_NOW = ((_p.status == OPEN[0]) | (_p.status == OPEN[1])) & (_p.expires_at > bindparam("now"))
_REF = (_p.id, _p.survey_id, _p.channel, _p.locale, _p.expires_at)
_BY_ID = Prepared(select(*_REF).where(_p.id == bindparam("id")))
#: A backend-triggered prompt waiting for the user's next page view, the most important first.
_WAITING = Prepared(
    select(*_REF)
    .join(_SURVEYS, _s.id == _p.survey_id)
    .where(
        _p.site_id == bindparam("site_id"),
        _p.user_id == bindparam("user_id"),
        _p.origin == "api",
        _p.channel == "widget",
        _p.status == "pending",
        _p.expires_at > bindparam("now"),
        _s.active.is_(True),
        _s.archived_at.is_(None),
    )
    .order_by(_s.priority.desc(), _p.created_at)
    .limit(1)
)
#: Per survey, what the rules of §6 need to know of this user's prompts on the site.
_USER_PROMPTS = Prepared(
    select(
        _p.survey_id,
        func.max(_p.answered_at).label("answered"),
        func.max(_p.dismissed_at).label("dismissed"),
        func.max(_p.shown_at).label("shown"),
        func.max(case((_OPEN_NOW, _p.created_at))).label("open_since"),
    )
    .where(_p.site_id == bindparam("site_id"), _p.user_id == bindparam("user_id"))
    .group_by(_p.survey_id)
)
_USER_OPEN_PROMPTS = Prepared(
    select(_p.survey_id, _p.id)
    .where(_p.site_id == bindparam("site_id"), _p.user_id == bindparam("user_id"), _OPEN_NOW)
    .order_by(_p.created_at.desc())
)
_INSERT = Prepared(
    insert(_PROMPTS),
    keys=(
        *("id", "site_id", "survey_id", "user_id", "origin", "channel", "status", "event"),
        *("context", "traits", "locale", "url", "created_at", "expires_at"),
    ),
)


class Prompts:
    def __init__(self, conn: Connection):
        self.conn = conn

    def get(self, prompt_id: str) -> PromptRef | None:
        row = _BY_ID.first(self.conn, {"id": prompt_id})
        return PromptRef(**row._asdict()) if row is not None else None

    def waiting(self, site_id: str, user_key: str, now: datetime) -> PromptRef | None:
        """The backend-triggered widget prompt this user's next page view shows, if any."""
        row = _WAITING.first(self.conn, {"site_id": site_id, "user_id": user_key, "now": now})
        return PromptRef(**row._asdict()) if row is not None else None

    def histories(
        self, site_id: str, surveys: list[SurveySettings], user_key: str, now: datetime
    ) -> dict[str, History]:
        """Each survey's history with this user: one query over the user's prompts on this
        site, a second for the open ones' ids only when there are some, a third for the
        response counts only when a survey is capped."""
        who = {"site_id": site_id, "user_id": user_key, "now": now}
        per_survey = {row.survey_id: row for row in _USER_PROMPTS.rows(self.conn, who)}
        shown = max((row.shown for row in per_survey.values() if row.shown), default=None)
        pending: dict[str, str] = {}
        if any(row.open_since for row in per_survey.values()):
            for survey_id, prompt_id in _USER_OPEN_PROMPTS.rows(self.conn, who):
                pending.setdefault(survey_id, prompt_id)
        capped = [s.id for s in surveys if s.rules.max_responses is not None]
        counts = dict(
            self.conn.execute(
                select(Response.survey_id, func.count())
                .where(Response.survey_id.in_(capped))
                .group_by(Response.survey_id)
            ).all()
            if capped
            else ()
        )
        return {
            s.id: History(
                responses_count=counts.get(s.id, 0),
                last_answered_at=per_survey[s.id].answered if s.id in per_survey else None,
                last_dismissed_at=per_survey[s.id].dismissed if s.id in per_survey else None,
                last_shown_at_any=shown,
                pending_prompt_id=pending.get(s.id),
            )
            for s in surveys
        }

    def open_for_event(self, prompt: PromptRef, **row: Any) -> None:
        """Store a prompt an event opened: ``site_id``, ``user_id``, ``event``, ``context``,
        ``traits``, ``url`` and ``created_at`` come as keywords."""
        _INSERT.run(
            self.conn,
            {
                "id": prompt.id,
                "survey_id": prompt.survey_id,
                "origin": "event",
                "channel": prompt.channel,
                "status": "pending",
                "locale": prompt.locale,
                "expires_at": prompt.expires_at,
                **row,
            },
        )
