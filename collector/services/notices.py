"""Answers and figures as alerts and digests show them: the values :mod:`collector.domain.messages`
renders, read from the database and formatted as the dashboard formats them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from collector.dashboard import charts, inbox
from collector.domain import comparison, messages
from collector.domain.scoring import SCALES
from collector.models import Response, Survey

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
    band = inbox.band_of(survey.kind, response.score)
    return messages.Answer(
        response_id=response.id,
        survey=survey.name,
        kind=survey.kind,
        score=response.score,
        scale=SCALES[survey.kind],
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
    delta = now - before
    unit = {"csat": " points", "nps": "", "ces": ""}[kind]
    shown = f"{delta:+.2f}" if kind == "ces" else f"{delta:+.1f}"
    return f"{shown.replace('-', '−')}{unit} since the {previous} ({score_text(kind, before)})."


def rate_text(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f} %"


def verdict_text(change: comparison.Change) -> str:
    """`` Within noise (95 % interval −12.0 to +20.0).``: whether the change is beyond chance, in
    words, with its interval; empty when a period had too few answers to tell."""
    if change.ci95 is None:
        return ""
    decimals = 2 if change.unit == "scale" else 1

    def signed(value: float) -> str:
        return f"{value:+.{decimals}f}".replace("-", "−")

    word = "Beyond chance" if change.verdict == comparison.BEYOND_CHANCE else "Within noise"
    return f" {word} (95 % interval {signed(change.ci95[0])} to {signed(change.ci95[1])})."
