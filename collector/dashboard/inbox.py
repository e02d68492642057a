"""The Responses page's order and score bands, on top of ``results.list_page``.

"Low scores first" reads the low band, then the middle, then the high one; within a band the
answers of every chosen survey are merged newest first. Each band of each survey is one call of the
results service (its filters and its cursors), so no query of the service is written twice. The
page cursor remembers the band and one service cursor per survey.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from collector import pagination
from collector.models import Site, Survey
from collector.services import results

# Score bands per kind, with DESIGN §7's categories as the "high" and "low" ends: NPS detractors,
# passives, promoters; CSAT's top-2 box as high; CES "easy" (5–7) as high.
BANDS: dict[str, dict[str, tuple[int, int]]] = {
    "csat": {"low": (1, 2), "mid": (3, 3), "high": (4, 5)},
    "ces": {"low": (1, 3), "mid": (4, 4), "high": (5, 7)},
    "nps": {"low": (0, 6), "mid": (7, 8), "high": (9, 10)},
}
BAND_WORDS = {
    "csat": {"low": "Dissatisfied", "mid": "Neutral", "high": "Satisfied"},
    "ces": {"low": "Difficult", "mid": "Neutral", "high": "Easy"},
    "nps": {"low": "Detractors", "mid": "Passives", "high": "Promoters"},
}
ORDERS = ("low_first", "newest")


# One answer's band, in the singular ("a detractor").
BAND_WORD = {
    "csat": BAND_WORDS["csat"],
    "ces": BAND_WORDS["ces"],
    "nps": {"low": "Detractor", "mid": "Passive", "high": "Promoter"},
}


def band_legend(kind: str) -> list[tuple[str, str]]:
    """``[("low", "Detractors 0–6"), …]``: a band's word and its scores, for legends and filters."""
    out = []
    for name, (low, high) in BANDS[kind].items():
        points = f"{low}" if low == high else f"{low}–{high}"
        out.append((name, f"{BAND_WORDS[kind][name]} {points}"))
    return out


def band_of(kind: str, score: int) -> str:
    for name, (low, high) in BANDS[kind].items():
        if low <= score <= high:
            return name
    raise ValueError(f"{score} is not on the {kind} scale")


@dataclass
class Page:
    items: list = field(default_factory=list)
    next_cursor: str | None = None


def plan(surveys: list[Survey], filters: dict, *, band: str | None, order: str) -> list[list[dict]]:
    """The phases to read, in order; each phase is a list of service filters merged by time."""
    chosen = (
        [s for s in surveys if s.id == filters.get("survey")] if filters.get("survey") else surveys
    )
    common = {k: v for k, v in filters.items() if k != "survey" and v is not None}
    bands = [band] if band else (list(BANDS["nps"]) if order == "low_first" else [None])
    phases = []
    for name in bands:
        if name is None:  # every score: one call, with or without a survey
            phases.append(
                [{**common, **({"survey": filters["survey"]} if filters.get("survey") else {})}]
            )
            continue
        phase = []
        for survey in chosen:
            low, high = BANDS[survey.kind][name]
            phase.append({**common, "survey": survey.id, "min_score": low, "max_score": high})
        phases.append(phase)
    return phases


def _encode(state: dict) -> str:
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None) -> dict:
    if not cursor:
        return {"p": 0, "c": {}}
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return {"p": int(state["p"]), "c": {str(k): v for k, v in dict(state["c"]).items()}}
    except (ValueError, TypeError, KeyError):
        return {"p": 0, "c": {}}


DONE = "-"


def page(
    db: Session, site: Site, phases: list[list[dict]], *, limit: int, cursor: str | None
) -> Page:
    """One page of responses along ``phases``, and the cursor of the next (``None`` at the end)."""
    state = _decode(cursor)
    p, cursors = state["p"], state["c"]
    out: list = []
    while p < len(phases) and len(out) < limit:
        need = limit - len(out)
        found = []
        more = {}
        for i, filters in enumerate(phases[p]):
            key = str(i)
            if cursors.get(key) == DONE:
                continue
            items, more[key] = results.list_page(
                db, site, filters, limit=need, cursor=cursors.get(key)
            )
            found += [(item, key) for item in items]
        found.sort(key=lambda pair: (pair[0].created_at, pair[0].id), reverse=True)
        taken = found[:need]
        out += [item for item, _ in taken]
        for key in more:
            mine = [item for item, k in taken if k == key]
            fetched = sum(1 for _, k in found if k == key)
            if mine:
                cursors[key] = pagination.encode(mine[-1].created_at, mine[-1].id)
            if len(mine) == fetched and not more[key]:
                cursors[key] = DONE
        if all(cursors.get(str(i)) == DONE for i in range(len(phases[p]))):
            p, cursors = p + 1, {}
    while p < len(phases) and not _any(db, site, phases[p], cursors):
        p, cursors = p + 1, {}
    return Page(out, _encode({"p": p, "c": cursors}) if p < len(phases) else None)


def _any(db: Session, site: Site, phase: list[dict], cursors: dict) -> bool:
    for i, filters in enumerate(phase):
        if cursors.get(str(i)) == DONE:
            continue
        items, _ = results.list_page(db, site, filters, limit=1, cursor=cursors.get(str(i)))
        if items:
            return True
    return False
