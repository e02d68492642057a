"""Answers and figures as alerts and digests show them: the values :mod:`collector.domain.messages`
renders, read from the database and formatted as the dashboard formats them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from collector.dashboard import charts, inbox
from collector.domain import comparison, messages, numbers
from collector.models import Response, Survey
from collector.services import results

# Outside a request (in the worker) links need the collector's public address.
DEFAULT_BASE_URL = "http://localhost:5000"


def base_url() -> str:
    return (current_app.config.get("PUBLIC_URL") or DEFAULT_BASE_URL).rstrip("/")


def response_link(response_id: str) -> str:
    return f"{base_url()}/dashboard/responses/{response_id}"


def when(instant: datetime, tz: ZoneInfo) -> str:
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} ({tz.key})"


def answer(response: Response, survey: Survey, tz: ZoneInfo) -> messages.Answer:
    scale = results.scale_of(survey)
    band = scale.band_of(response.score)
    return messages.Answer(
        response_id=response.id,
        survey=survey.name,
        kind=survey.kind,
        score=response.score,
        scale=(scale.min, scale.max),
        band=inbox.BAND_WORD[survey.kind][band],
        band_key=band,
        comment=response.comment,
        user_id=response.user_id,
        page=response.url,
        traits=response.traits or {},
        when=when(response.created_at, tz),
        link=response_link(response.id),
    )


def score_text(kind: str, value: float | None) -> str:
    return charts.format_score(kind, value)


def interval_text(kind: str, ci: list[float] | None) -> str:
    return charts.format_interval(kind, ci)


def change_text(kind: str, now: float | None, before: float | None, previous: str) -> str:
    """``+4.0 since the previous week``: the change of the score, in the score's unit."""
    if now is None:
        return f"No answers in this period; {previous}: {score_text(kind, before)}."
    if before is None:
        return f"No answers in the {previous} to compare with."
    return (
        f"{numbers.change(kind, now - before)} since the {previous} ({score_text(kind, before)})."
    )


def rate_text(rate: float | None) -> str:
    return numbers.rate(rate)


def verdict_text(change: comparison.Change) -> str:
    """`` Within noise (95 % interval −12 to +20).``: whether the change is beyond chance, in
    words, with its interval; empty when a period had too few answers to tell."""
    if change.ci95 is None:
        return ""
    places = 2 if change.unit == "scale" else 0  # means in hundredths, shares and NPS in points
    low, high = (numbers.signed(v, places) for v in change.ci95)
    word = "Beyond chance" if change.verdict == comparison.BEYOND_CHANCE else "Within noise"
    return f" {word} (95 % interval {low} to {high})."
