"""An in-memory store for the widget path's use cases: the same four stores as ``collector.store``
(settings, visitors, prompts, answers) behind the same unit of work, on dicts.

A unit of work that raises leaves the dicts as they were, as a rolled-back transaction does; a
second answer to one prompt (or a response id used twice) raises ``IntegrityError`` like the
database's unique constraints.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from collector.domain import scale
from collector.domain.eligibility import History
from collector.domain.widget import (
    OPEN_STATUSES,
    AnswerTarget,
    PromptRef,
    SiteSettings,
    StoredAnswer,
    SurveySettings,
)
from collector.services.settings_cache import SettingsCache


@dataclass
class State:
    sites: dict[str, SiteSettings] = field(default_factory=dict)
    public_keys: dict[str, str] = field(default_factory=dict)
    surveys: dict[str, SurveySettings] = field(default_factory=dict)
    users: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    prompts: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)


_WRITTEN = ("users", "prompts", "answers")


class FakeWork:
    """``collector.store.Work`` on a :class:`State`; counts the units of work that wrote."""

    def __init__(self, state: State | None = None):
        self.state = state or State()
        self.cache = SettingsCache()
        self.writes = 0
        self.outbox: list[tuple[str, str, str]] = []

    @contextmanager
    def begin(self, *, write: bool):
        # Sites and surveys are values; the rows a use case writes are copied to roll back.
        saved = {name: copy.deepcopy(getattr(self.state, name)) for name in _WRITTEN}
        try:
            yield FakeTx(self.state, write)
        except BaseException:
            self.state.__dict__.update(saved)
            raise
        self.writes += write

    def record(self, type_: str, site_id: str, subject_id: str, now) -> None:
        self.outbox.append((type_, site_id, subject_id))

    def site_by_public_key(self, public_key: str) -> SiteSettings | None:
        site_id = self.state.public_keys.get(public_key)
        return self.state.sites.get(site_id) if site_id else None

    def site_by_id(self, site_id: str) -> SiteSettings | None:
        return self.state.sites.get(site_id)

    def live_surveys(self, site_id: str) -> list[SurveySettings]:
        return self.cache.get(
            ("surveys", site_id),
            lambda: [s for s in self.state.surveys.values() if s.site_id == site_id],
        )


class FakeTx:
    def __init__(self, state: State, write: bool):
        self.settings = _Settings(state)
        self.visitors = _Visitors(state, write)
        self.prompts = _Prompts(state, write)
        self.answers = _Answers(state, write)


class _Settings:
    def __init__(self, state: State):
        self.state = state

    def survey(self, survey_id: str) -> SurveySettings | None:
        return self.state.surveys.get(survey_id)


class _Visitors:
    def __init__(self, state: State, write: bool):
        self.state, self.write = state, write

    def remember(self, site_id: str, key: str, traits, now: datetime) -> dict[str, Any]:
        assert self.write, "a user is remembered in a writing unit of work"
        user = self.state.users.setdefault((site_id, key), {"traits": {}, "created_at": now})
        user["last_seen_at"] = now
        if traits is not None:
            user["traits"] = dict(traits)
        return user["traits"]


class _Prompts:
    def __init__(self, state: State, write: bool):
        self.state, self.write = state, write

    def get(self, prompt_id: str) -> PromptRef | None:
        row = self.state.prompts.get(prompt_id)
        return _ref(row) if row else None

    def waiting(self, site_id: str, user_key: str, now: datetime) -> PromptRef | None:
        rows = [
            p
            for p in self.state.prompts.values()
            if p["site_id"] == site_id
            and p["user_id"] == user_key
            and p["origin"] == "api"
            and p["channel"] == "widget"
            and p["status"] == "pending"
            and p["expires_at"] > now
            and self.state.surveys[p["survey_id"]].rules.active
        ]
        priority = {s.id: s.rules.priority for s in self.state.surveys.values()}
        rows.sort(key=lambda p: (-priority[p["survey_id"]], p["created_at"]))
        return _ref(rows[0]) if rows else None

    def histories(self, site_id, surveys, user_key, now) -> dict[str, History]:
        mine = [
            p
            for p in self.state.prompts.values()
            if p["site_id"] == site_id and p["user_id"] == user_key
        ]
        shown = max((p["shown_at"] for p in mine if p.get("shown_at")), default=None)

        def latest(survey_id: str, column: str):
            got = [p[column] for p in mine if p["survey_id"] == survey_id and p.get(column)]
            return max(got, default=None)

        def open_prompt(survey_id: str) -> str | None:
            open_ones = [
                p
                for p in mine
                if p["survey_id"] == survey_id
                and p["status"] in OPEN_STATUSES
                and p["expires_at"] > now
            ]
            open_ones.sort(key=lambda p: p["created_at"], reverse=True)
            return open_ones[0]["id"] if open_ones else None

        return {
            s.id: History(
                responses_count=sum(a["survey_id"] == s.id for a in self.state.answers.values()),
                last_answered_at=latest(s.id, "answered_at"),
                last_dismissed_at=latest(s.id, "dismissed_at"),
                last_shown_at_any=shown,
                pending_prompt_id=open_prompt(s.id),
            )
            for s in surveys
        }

    def open_for_event(self, prompt: PromptRef, **row: Any) -> None:
        assert self.write, "a prompt is opened in a writing unit of work"
        self.state.prompts[prompt.id] = {
            "id": prompt.id,
            "survey_id": prompt.survey_id,
            "origin": "event",
            "channel": prompt.channel,
            "status": "pending",
            "locale": prompt.locale,
            "expires_at": prompt.expires_at,
            **row,
        }


class _Answers:
    def __init__(self, state: State, write: bool):
        self.state, self.write = state, write

    def store(self, *, response_id, prompt_id, site_id, score, comment, locale, url, now):
        assert self.write, "an answer is stored in a writing unit of work"
        prompt = self.state.prompts.get(prompt_id)
        if prompt is None or prompt["site_id"] != site_id or prompt["channel"] != "widget":
            return None
        survey = self.state.surveys[prompt["survey_id"]]
        if prompt["expires_at"] <= now or score not in survey.scale:
            return None
        taken = any(a["prompt_id"] == prompt_id for a in self.state.answers.values())
        if taken or response_id in self.state.answers:
            raise IntegrityError("INSERT INTO responses …", {}, Exception("unique"))
        answer = StoredAnswer(
            id=response_id,
            prompt_id=prompt_id,
            score=score,
            comment=comment,
            locale=locale or prompt["locale"],
            created_at=now,
            updated_at=now,
        )
        self.state.answers[response_id] = {"survey_id": survey.id, "answer": answer, **vars(answer)}
        prompt["status"] = "answered"
        prompt["answered_at"] = prompt.get("answered_at") or now
        prompt["shown_at"] = prompt.get("shown_at") or now
        return answer

    def target(self, prompt_id: str) -> AnswerTarget | None:
        prompt = self.state.prompts.get(prompt_id)
        if prompt is None:
            return None
        survey = self.state.surveys[prompt["survey_id"]]
        return AnswerTarget(
            prompt_id=prompt_id,
            site_id=prompt["site_id"],
            channel=prompt["channel"],
            expires_at=prompt["expires_at"],
            kind=survey.kind,
            scale=scale.of(survey.kind),
        )

    def by_id(self, response_id: str) -> StoredAnswer | None:
        row = self.state.answers.get(response_id)
        return row["answer"] if row else None

    def of_prompt(self, prompt_id: str) -> StoredAnswer | None:
        rows = [a["answer"] for a in self.state.answers.values() if a["prompt_id"] == prompt_id]
        return rows[0] if rows else None


def _ref(row: dict) -> PromptRef:
    return PromptRef(
        id=row["id"],
        survey_id=row["survey_id"],
        channel=row["channel"],
        locale=row.get("locale"),
        expires_at=row["expires_at"],
    )
