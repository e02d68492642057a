"""Answers as the widget stores them: one statement in the common case, the reasons for a
refusal read only when nothing was stored.

The statements run prepared on the driver (``collector.prepared``; docs/benchmarks.md, "Ingest").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Connection,
    Integer,
    String,
    Text,
    bindparam,
    case,
    func,
    insert,
    literal,
    select,
    update,
)

from collector.domain import scale
from collector.domain.widget import AnswerTarget, StoredAnswer
from collector.models import Prompt, Response, Survey, UTCDateTime
from collector.prepared import Prepared

_p, _s, _r = Prompt.__table__.c, Survey.__table__.c, Response.__table__.c
_NOW = bindparam("now", type_=UTCDateTime())
_SCORE = bindparam("score", type_=Integer())
_TARGET = Prepared(
    select(_p.id, _p.site_id, _p.channel, _p.expires_at, _s.kind)
    .join(Survey.__table__, _s.id == _p.survey_id)
    .where(_p.id == bindparam("prompt_id"))
)
#: The common case in one statement: the answer is stored only if the prompt is this site's
#: widget prompt, still open, and the score is on its survey's scale. The prompt's context is
#: copied by the database, never parsed here.
_STORE = Prepared(
    insert(Response.__table__)
    .from_select(
        [
            *(_r.id, _r.site_id, _r.survey_id, _r.prompt_id, _r.user_id, _r.score, _r.comment),
            *(_r.locale, _r.url, _r.event, _r.context, _r.traits, _r.followup_status),
            *(_r.created_at, _r.updated_at),
        ],
        select(
            *(bindparam("response_id", type_=String()), _p.site_id, _p.survey_id, _p.id),
            *(_p.user_id, _SCORE, bindparam("comment", type_=Text())),
            func.coalesce(bindparam("locale", type_=String()), _p.locale),
            func.coalesce(bindparam("url", type_=String()), _p.url),
            *(_p.event, _p.context, _p.traits, literal("open"), _NOW, _NOW),
        )
        .join(Survey.__table__, _s.id == _p.survey_id)
        .where(
            _p.id == bindparam("prompt_id"),
            _p.site_id == bindparam("site_id"),
            _p.channel == "widget",
            _p.expires_at > _NOW,
            _SCORE.between(
                case({kind: s.min for kind, s in scale.DEFAULTS.items()}, value=_s.kind),
                case({kind: s.max for kind, s in scale.DEFAULTS.items()}, value=_s.kind),
            ),
        ),
    )
    .returning(_r.locale)
)
_MARK_ANSWERED = Prepared(
    update(Prompt.__table__)
    .where(_p.id == bindparam("prompt_id"))
    .values(
        status="answered",
        answered_at=func.coalesce(_p.answered_at, _NOW),
        shown_at=func.coalesce(_p.shown_at, _NOW),
    )
)
_STORED = (_r.id, _r.prompt_id, _r.score, _r.comment, _r.locale, _r.created_at, _r.updated_at)
_BY_ID = select(*_STORED).where(_r.id == bindparam("id"))
_OF_PROMPT = select(*_STORED).where(_r.prompt_id == bindparam("prompt_id"))


class Answers:
    def __init__(self, conn: Connection):
        self.conn = conn

    def store(
        self,
        *,
        response_id: str,
        prompt_id: str,
        site_id: str,
        score: int,
        comment: str | None,
        locale: str | None,
        url: str | None,
        now: datetime,
    ) -> StoredAnswer | None:
        """Store the answer and mark its prompt answered, if the prompt is this site's open
        widget prompt and the score on its scale; ``None`` when nothing was stored. A repeated or
        racing answer raises ``IntegrityError`` (one response per prompt, one id per response)."""
        given = {"response_id": response_id, "prompt_id": prompt_id, "site_id": site_id}
        given |= {"score": score, "comment": comment, "locale": locale, "url": url, "now": now}
        stored = _STORE.first(self.conn, given)
        if stored is None:
            return None
        _MARK_ANSWERED.run(self.conn, {"prompt_id": prompt_id, "now": now})
        return StoredAnswer(
            id=response_id,
            prompt_id=prompt_id,
            score=score,
            comment=comment,
            locale=stored.locale,
            created_at=now,
            updated_at=now,
        )

    def target(self, prompt_id: str) -> AnswerTarget | None:
        """The prompt an answer named, as far as the reasons for a refusal need it."""
        row = _TARGET.first(self.conn, {"prompt_id": prompt_id})
        if row is None:
            return None
        return AnswerTarget(
            prompt_id=row.id,
            site_id=row.site_id,
            channel=row.channel,
            expires_at=row.expires_at,
            kind=row.kind,
            scale=scale.of(row.kind),
        )

    def by_id(self, response_id: str) -> StoredAnswer | None:
        row = self.conn.execute(_BY_ID, {"id": response_id}).first()
        return StoredAnswer(**row._asdict()) if row is not None else None

    def of_prompt(self, prompt_id: str) -> StoredAnswer | None:
        row = self.conn.execute(_OF_PROMPT, {"prompt_id": prompt_id}).first()
        return StoredAnswer(**row._asdict()) if row is not None else None
