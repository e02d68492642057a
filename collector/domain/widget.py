"""The shapes the widget path works with: a site's settings, a survey as asked, a prompt to show.

They are values (frozen, no database behind them): the settings cache keeps them between calls,
the store (``collector.store``) reads them, the services decide with them, and a fake store in
the unit tests makes them by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from collector.domain.eligibility import SurveyRules
from collector.domain.scale import Scale

#: The statuses of a prompt still waiting for its answer.
OPEN_STATUSES = ("pending", "shown")


def effective_status(status: str, expires_at: datetime, now: datetime) -> str:
    """A prompt's status as people read it: an open prompt past its expiry is ``expired`` (the
    stored status stays: nothing rewrites prompts as they age)."""
    return "expired" if status in OPEN_STATUSES and expires_at <= now else status


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, kw_only=True)
class SiteSettings:
    """What the browser API needs of a site on every call."""

    id: str
    public_key: str = ""
    allowed_origins: tuple[str, ...] = ()
    identity_secret: str
    require_identity: bool = False
    cooldown_days: int = 7
    default_locale: str = "en"
    theme: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "allowed_origins", tuple(self.allowed_origins or ()))
        object.__setattr__(self, "theme", _frozen(self.theme))


@dataclass(frozen=True, kw_only=True)
class SurveySettings:
    """A survey as the widget asks it: its words, its scale, and the rules of who is asked."""

    id: str
    site_id: str
    kind: str
    scale: Scale
    question: Mapping[str, str]
    followup: Mapping[str, str] | None = None
    delay_ms: int = 0
    rules: SurveyRules

    def __post_init__(self):
        object.__setattr__(self, "question", _frozen(self.question))
        if self.followup is not None:
            object.__setattr__(self, "followup", _frozen(self.followup))


@dataclass(frozen=True, kw_only=True)
class PromptRef:
    """An open prompt, as much of it as delivering it takes."""

    id: str
    survey_id: str
    channel: str = "widget"
    locale: str | None = None
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class StoredAnswer:
    """A widget's answer as it was stored (what the browser hears back)."""

    id: str
    prompt_id: str
    score: int
    comment: str | None = None
    locale: str | None = None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class AnswerTarget:
    """Why an answer was not stored, as the prompt it named tells: its site and channel, its
    expiry and its survey's scale (``None`` from the store when there is no such prompt)."""

    prompt_id: str
    site_id: str
    channel: str
    expires_at: datetime
    kind: str
    scale: Scale
