"""The Responses page's order and score bands, on top of ``results.list_page``.

"Low scores first" reads the low band, then the middle, then the high one; within a band the
answers of every chosen survey come newest first. A band is one call of the results service (its
filters and its cursor) whatever the number of surveys: the band's scores differ per kind, so the
filter is one score range per kind. The page cursor remembers the band and the service cursor.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from collector import pagination
from collector.domain.scales import Scale
from collector.models import Site, Survey
from collector.services import results

# Score bands of each kind's default scale; a survey's own scale has its own (``Scale.bands``:
# NPS detractors, passives, promoters; CSAT's top-2 box as high; CES "easy" as high).
BANDS: dict[str, dict[str, tuple[int, int]]] = {
    kind: Scale.of(kind).bands for kind in ("csat", "ces", "nps")
}
BAND_WORDS = {
    "csat": {"low": "Dissatisfied", "mid": "Neutral", "high": "Satisfied"},
    "ces": {"low": "Difficult", "mid": "Neutral", "high": "Easy"},
    "nps": {"low": "Detractors", "mid": "Passives", "high": "Promoters"},
}
ORDERS = ("low_first", "newest")

#: A follow-up's status (and a review action's) in words, on every page and in every e-mail.
STATUS_WORDS = {
    "open": "Open",
    "in_progress": "In progress",
    "closed": "Closed",
    "none": "No follow-up",
    "done": "Done",
    "dropped": "Dropped",
}


# One answer's band, in the singular ("a detractor").
BAND_WORD = {
    "csat": BAND_WORDS["csat"],
    "ces": BAND_WORDS["ces"],
    "nps": {"low": "Detractor", "mid": "Passive", "high": "Promoter"},
}


def _scale(of: str | Scale | Survey) -> Scale:
    """A kind (its default scale), a scale, or a survey (its scale)."""
    if isinstance(of, Scale):
        return of
    if isinstance(of, str):
        return Scale.of(of)
    return results.scale_of(of)


def band_legend(of: str | Scale | Survey) -> list[tuple[str, str]]:
    """``[("low", "Detractors 0–6"), …]``: a band's word and its scores, for legends and filters."""
    scale = _scale(of)
    out = []
    for name, (low, high) in scale.bands.items():
        points = f"{low}" if low == high else f"{low}–{high}"
        out.append((name, f"{BAND_WORDS[scale.kind][name]} {points}"))
    return out


def band_of(of: str | Scale | Survey, score: int) -> str:
    return _scale(of).band_of(score)


@dataclass
class Page:
    items: list = field(default_factory=list)
    next_cursor: str | None = None


def plan(surveys: list[Survey], filters: dict, *, band: str | None, order: str) -> list[dict]:
    """The service filters to read, one after the other: one per band, or one for every score."""
    chosen = (
        [s for s in surveys if s.id == filters.get("survey")] if filters.get("survey") else surveys
    )
    common = {k: v for k, v in filters.items() if k != "survey" and v is not None}
    bands = [band] if band else (list(BANDS["nps"]) if order == "low_first" else [None])
    phases = []
    for name in bands:
        if name is None:  # every score: one call, with or without a survey
            phases.append(
                {**common, **({"survey": filters["survey"]} if filters.get("survey") else {})}
            )
            continue
        by_scale: dict[Scale, list[str]] = {}
        for survey in chosen:
            by_scale.setdefault(results.scale_of(survey), []).append(survey.id)
        phases.append({**common, "bands": [(ids, *s.bands[name]) for s, ids in by_scale.items()]})
    return phases


#: The list counts its responses up to here and then says "more than": counting a million
#: answers reads a million index entries, and past a thousand the exact number guides nobody.
COUNT_UP_TO = 1000


def total(db: Session, site: Site, phases: list[dict]) -> int:
    """How many responses the phases hold in all (they never overlap: one per band, or one), up
    to :data:`COUNT_UP_TO` + 1: more than that is "more than :data:`COUNT_UP_TO`"."""
    found = 0
    for filters in phases:
        found += results.count(db, site, filters, up_to=COUNT_UP_TO + 1 - found)
        if found > COUNT_UP_TO:
            break
    return found


def _encode(state: dict) -> str:
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None) -> tuple[int, str | None]:
    if not cursor:
        return 0, None
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return int(state["p"]), (str(state["c"]) if state["c"] is not None else None)
    except (ValueError, TypeError, KeyError):
        return 0, None


def page(db: Session, site: Site, phases: list[dict], *, limit: int, cursor: str | None) -> Page:
    """One page of responses along ``phases``, and the cursor of the next (``None`` at the end)."""
    p, inner = _decode(cursor)
    out: list = []
    while p < len(phases) and len(out) < limit:
        items, more = results.list_page(db, site, phases[p], limit=limit - len(out), cursor=inner)
        out += items
        if more:
            inner = pagination.encode(items[-1].created_at, items[-1].id)
        else:
            p, inner = p + 1, None
    # Skip the bands with nothing left, so that the last page has no "next" leading nowhere.
    while p < len(phases) and not results.list_page(db, site, phases[p], limit=1, cursor=inner)[0]:
        p, inner = p + 1, None
    return Page(out, _encode({"p": p, "c": inner}) if p < len(phases) else None)
