"""The reason choices an answer carries (DESIGN §13 ``reasons``), stored in ``response_reasons``.

Which choices a survey offers, and after which scores, is the survey's: only its choice ids are
taken, one unless it allows several, and none after a score in a band it does not ask them for.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from collector.domain.problems import Invalid
from collector.domain.scales import Scale
from collector.models import Response, ResponseReason, Survey
from collector.services.answer_reasons import reasons_of

__all__ = ["asked_after", "checked", "reasons_of", "replace"]


def asked_after(survey: Survey, score: int) -> bool:
    """Whether the survey offers its reasons after ``score``."""
    reasons = survey.reasons
    if not reasons:
        return False
    bands = reasons.get("bands")
    scale = Scale.of(survey.kind, survey.scale_min, survey.scale_max)
    return not bands or scale.band_of(score) in bands


def checked(survey: Survey, score: int, chosen: list[str]) -> list[str]:
    """``chosen`` when the survey takes these reasons after ``score``; else a 422 naming them."""
    chosen = list(dict.fromkeys(chosen))
    if not chosen:
        return []
    if not survey.reasons:
        raise _refused("reasons", "This survey has no reasons to choose from.")
    if not asked_after(survey, score):
        bands = ", ".join(survey.reasons["bands"])
        raise _refused("reasons", f"This survey asks for reasons only after a {bands} score.")
    ids = [choice["id"] for choice in survey.reasons["choices"]]
    for i, reason in enumerate(chosen):
        if reason not in ids:
            raise _refused(f"reasons.{i}", f"Not a reason of this survey: {', '.join(ids)}.")
    if len(chosen) > 1 and not survey.reasons.get("multiple"):
        raise _refused("reasons", "This survey takes one reason.")
    return chosen


def replace(db: Session, response: Response, reasons: list[str]) -> None:
    """The response's reasons become ``reasons`` (in the caller's transaction)."""
    db.execute(delete(ResponseReason).where(ResponseReason.response_id == response.id))
    for reason in reasons:
        db.add(
            ResponseReason(
                response_id=response.id,
                reason=reason,
                site_id=response.site_id,
                survey_id=response.survey_id,
            )
        )


def _refused(param: str, message: str) -> Invalid:
    return Invalid("validation_failed", f"{param}: {message}", param=param)
