"""The reasons an answer gave (DESIGN §13 ``reasons``), as the results read them: each response's
reason ids, the SQL piece that filters by one, and a survey's labels for the dashboard.

Reasons are stored by the choice's id (``response_reasons``), never by its label: ids stay the same
when a label is reworded or translated, so counts, filters and the CSV keep meaning one thing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.models import ResponseReason, Survey


def reasons_of(db: Session, response_ids: Iterable[str]) -> dict[str, list[str]]:
    """Each response's reason ids, sorted (``[]`` for none)."""
    ids = list(response_ids)
    out: dict[str, list[str]] = {rid: [] for rid in ids}
    if ids:
        stmt = (
            select(ResponseReason.response_id, ResponseReason.reason)
            .where(ResponseReason.response_id.in_(ids))
            .order_by(ResponseReason.response_id, ResponseReason.reason)
        )
        for response_id, reason in db.execute(stmt):
            out[response_id].append(reason)
    return out


def giving(site_id: str, reason: str):
    """The ids of the site's responses that gave ``reason`` (for ``Response.id.in_(…)``): one seek
    of the (survey, reason) index per survey of the site."""
    return select(ResponseReason.response_id).where(
        ResponseReason.survey_id.in_(select(Survey.id).where(Survey.site_id == site_id)),
        ResponseReason.reason == reason,
        ResponseReason.site_id == site_id,
    )


def labels(survey: Survey, locale: str = "en") -> dict[str, str]:
    """The survey's reason choices as ``{id: label}`` in ``locale`` (else English, else the id),
    in the survey's order."""
    choices = (survey.reasons or {}).get("choices") or []
    out: dict[str, str] = {}
    for choice in choices:
        if not isinstance(choice, dict) or not isinstance(choice.get("id"), str):
            continue
        texts = choice.get("label") if isinstance(choice.get("label"), dict) else {}
        out[choice["id"]] = texts.get(locale) or texts.get("en") or choice["id"]
    return out


def label(labelled: dict[str, str], reason: str | None) -> str | None:
    """A reason's label, or its id when the survey no longer offers that choice."""
    if reason is None:
        return None
    return labelled.get(reason, reason)
