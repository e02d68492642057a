"""Real database rows for tests: surveys, users, prompts and responses written through the models.

``Rows(app, site)`` writes with its own session and commits at once, so what it writes is visible
to the API (and to another thread) immediately::

    rows = Rows(app, site)
    nps = rows.survey("nps")
    rows.response(nps, 9, at=datetime(2025, 3, 1, 12, tzinfo=UTC), event="invoice.paid")
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from collector.models import Prompt, Response, ResponseReason, Survey, User

_serial = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


class Rows:
    def __init__(self, app, site):
        self.sessionmaker = app.extensions["fiilis.sessionmaker"]
        self.site_id = site.site_id if hasattr(site, "site_id") else site

    def _save(self, *objects) -> None:
        with self.sessionmaker() as db:
            db.add_all(objects)
            db.commit()

    def survey(self, kind: str = "nps", **fields: Any) -> str:
        """A survey of this site; its id."""
        survey = Survey(
            id=_id("srv"),
            site_id=self.site_id,
            kind=kind,
            name=fields.pop("name", f"{kind} survey {next(_serial)}"),
            question=fields.pop("question", {"en": "How was it?"}),
            followup=None,
            trigger_events=fields.pop("trigger_events", []),
            targeting=[],
            created_at=fields.pop("created_at", datetime(2020, 1, 1, tzinfo=UTC)),
            **fields,
        )
        self._save(survey)
        return survey.id

    def user(self, user_id: str, traits: dict | None = None, **fields: Any) -> None:
        self._save(User(site_id=self.site_id, user_id=user_id, traits=traits or {}, **fields))

    def prompt(
        self,
        survey_id: str,
        *,
        user_id: str = "u1",
        status: str = "shown",
        at: datetime | None = None,
        **fields: Any,
    ) -> str:
        """A prompt; ``shown_at``/``answered_at``/``dismissed_at`` follow ``status``."""
        prompt = self._prompt(survey_id, user_id=user_id, status=status, at=at, **fields)
        self._save(prompt)
        return prompt.id

    def _prompt(self, survey_id, *, user_id, status, at, **fields) -> Prompt:
        at = at or datetime.now(UTC)
        stamps = {
            "shown_at": at if status in ("shown", "answered", "dismissed") else None,
            "answered_at": at if status == "answered" else None,
            "dismissed_at": at if status == "dismissed" else None,
        }
        stamps.update({k: fields.pop(k) for k in list(stamps) if k in fields})
        prompt = Prompt(
            id=_id("prm"),
            site_id=self.site_id,
            survey_id=survey_id,
            user_id=user_id,
            origin=fields.pop("origin", "event"),
            channel=fields.pop("channel", "widget"),
            status=status,
            created_at=at,
            expires_at=at + timedelta(days=1),
            event=fields.get("event"),
            context=fields.get("context", {}),
            traits=fields.get("traits", {}),
            locale=fields.get("locale"),
            url=fields.get("url"),
            **stamps,
        )
        return prompt

    def response(
        self,
        survey_id: str,
        score: int,
        *,
        user_id: str = "u1",
        at: datetime | None = None,
        **fields: Any,
    ) -> str:
        """An answer (with its answered prompt); its id."""
        prompt, response = self._answer(survey_id, score, user_id=user_id, at=at, **fields)
        self._save(prompt)
        self._save(response)
        return response.id

    def _answer(self, survey_id, score, *, user_id, at, **fields):
        at = at or datetime.now(UTC)
        shared = {
            k: fields[k] for k in ("event", "context", "traits", "locale", "url") if k in fields
        }
        asked_at = fields.pop("asked_at", at)  # an e-mail link may be answered days later
        prompt = self._prompt(
            survey_id, user_id=user_id, status="answered", at=asked_at, answered_at=at, **shared
        )
        response = Response(
            id=fields.pop("id", str(uuid.uuid4())),
            site_id=self.site_id,
            survey_id=survey_id,
            prompt_id=prompt.id,
            user_id=user_id,
            score=score,
            comment=fields.pop("comment", None),
            locale=fields.pop("locale", None),
            url=fields.pop("url", None),
            event=fields.pop("event", None),
            context=fields.pop("context", {}),
            traits=fields.pop("traits", {}),
            created_at=at,
            updated_at=at,
            **fields,
        )
        return prompt, response

    def reasons(self, response_id: str, *reasons: str) -> None:
        """The reason choices (ids) an answer gave, stored as the answer stores them."""
        with self.sessionmaker() as db:
            response = db.get(Response, response_id)
            db.add_all(
                ResponseReason(
                    response_id=response_id,
                    reason=reason,
                    site_id=response.site_id,
                    survey_id=response.survey_id,
                )
                for reason in reasons
            )
            db.commit()

    def responses(self, survey_id: str, answers: list[dict]) -> list[str]:
        """Many answers in one transaction; each dict holds ``score`` and the keywords of
        :meth:`response`."""
        made = []
        for answer in answers:
            fields = {"user_id": "u1", "at": None, **answer}
            made.append(self._answer(survey_id, fields.pop("score"), **fields))
        with self.sessionmaker() as db:
            db.add_all([p for p, _ in made])
            db.flush()
            db.add_all([r for _, r in made])
            db.commit()
        return [r.id for _, r in made]
