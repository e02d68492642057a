"""``client.surveys``: create, list, read, change and archive surveys (``/v1/surveys``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from fiilis._core import Call
from fiilis._models import Survey, TargetingRule
from fiilis._pagination import AsyncPaginator, Paginator
from fiilis._params import NOT_GIVEN, NotGiven, body, query, segment
from fiilis.resources._base import AsyncResource, SyncResource

Kind = Literal["csat", "ces", "nps"]
Band = Literal["low", "mid", "high"]
Texts = str | Mapping[str, str]
Rule = TargetingRule | Mapping[str, Any]
#: A trigger event: a name (``"invoice.paid"``, ``"billing.*"``) or ``{"event", "where"}``.
Trigger = str | Mapping[str, Any]
#: A page rule: ``{"op": "equals" | "starts_with" | "contains" | "glob", "value": "/billing/*"}``.
PageRule = Mapping[str, str]


def _texts(value: Texts | None) -> dict[str, str] | None:
    # A plain string is the English text, the fallback for every locale.
    if value is None:
        return None
    return {"en": value} if isinstance(value, str) else dict(value)


def _rule(rule: Rule) -> dict[str, Any]:
    if isinstance(rule, TargetingRule):
        return {"trait": rule.trait, "op": rule.op, "value": rule.value}
    return dict(rule)


def _survey_body(fields: dict[str, Any]) -> dict[str, Any]:
    out = body(**fields)
    if "question" in out:
        out["question"] = _texts(out["question"])
    if "followup" in out:
        out["followup"] = _texts(out["followup"])
    if out.get("followup_by_band") is not None:
        out["followup_by_band"] = {b: _texts(t) for b, t in out["followup_by_band"].items()}
    if out.get("trigger_events") is not None:
        events = out["trigger_events"]
        out["trigger_events"] = [events] if isinstance(events, str) else list(events)
    if out.get("targeting") is not None:
        out["targeting"] = [_rule(r) for r in out["targeting"]]
    for name in ("trigger_events", "pages"):
        if out.get(name) is not None:
            out[name] = [e if isinstance(e, str) else dict(e) for e in out[name]]
    return out


def _create(kind: str, question: Texts, fields: dict[str, Any], key: str | None) -> Call:
    payload = {"kind": kind, **_survey_body({"question": question, **fields})}
    # The collector deduplicates prompts by Idempotency-Key, not surveys: see Call.idempotent.
    return Call("POST", "/v1/surveys", json=payload, idempotency_key=key, idempotent=False)


def _update(survey_id: str, fields: dict[str, Any]) -> Call:
    payload = _survey_body(fields)
    if not payload:
        raise ValueError("surveys.update() needs at least one field to change")
    return Call("PATCH", f"/v1/surveys/{segment(survey_id, 'survey_id')}", json=payload)


def _list(include_archived: bool, limit: int | None) -> Callable[[str | None], Call]:
    def call_at(cursor: str | None) -> Call:
        params = query(include_archived=include_archived or None, limit=limit, cursor=cursor)
        return Call("GET", "/v1/surveys", params=params)

    return call_at


def _scale(scale: Any) -> Any:
    # (1, 5) or {"min": 1, "max": 5}: CSAT 1–5 or 1–7, CES 1–5 or 1–7, NPS 0–10.
    if isinstance(scale, tuple | list):
        low, high = scale
        return {"min": low, "max": high}
    return scale


def _bands(bands: Any) -> Any:
    # "low" alone or any iterable of bands; a set has no order, the collector keeps its own.
    if isinstance(bands, str):
        return [bands]
    return bands if isinstance(bands, NotGiven) else list(bands)


def _get(survey_id: str) -> Call:
    return Call("GET", f"/v1/surveys/{segment(survey_id, 'survey_id')}")


def _archive(survey_id: str) -> Call:
    return Call("DELETE", f"/v1/surveys/{segment(survey_id, 'survey_id')}")


class Surveys(SyncResource):
    def create(
        self,
        *,
        kind: Kind,
        question: Texts,
        name: str | NotGiven = NOT_GIVEN,
        followup: Texts | NotGiven | None = NOT_GIVEN,
        trigger_events: Iterable[Trigger] | NotGiven = NOT_GIVEN,
        delay_ms: int | NotGiven = NOT_GIVEN,
        sample_rate: float | NotGiven = NOT_GIVEN,
        targeting: Iterable[Rule] | NotGiven = NOT_GIVEN,
        recontact_days: int | NotGiven = NOT_GIVEN,
        dismiss_snooze_days: int | NotGiven = NOT_GIVEN,
        max_responses: int | NotGiven | None = NOT_GIVEN,
        priority: int | NotGiven = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
        scale: tuple[int, int] | dict[str, int] | NotGiven = NOT_GIVEN,
        followup_bands: Iterable[Band] | NotGiven = NOT_GIVEN,
        followup_by_band: Mapping[Band, Texts] | NotGiven | None = NOT_GIVEN,
        reasons: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        texts: Mapping[str, Mapping[str, str]] | NotGiven | None = NOT_GIVEN,
        pages: Iterable[PageRule] | NotGiven | None = NOT_GIVEN,
        starts_at: datetime | str | NotGiven | None = NOT_GIVEN,
        ends_at: datetime | str | NotGiven | None = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Survey:
        """Create a survey. ``question`` (and ``followup``) is ``{locale: text}`` with ``en``
        required, or a plain string for English. Fields left out take the collector's defaults
        (recontact 90 days, snooze 30 days, sample rate 1). ``scale`` is ``(min, max)``: CSAT
        1–5 (default) or 1–7, CES 1–7 (default) or 1–5, NPS 0–10. ``followup_bands`` names the
        score bands whose answers start as an open follow-up (``"low"``, ``"mid"``, ``"high"``;
        default ``["low"]``, ``[]`` for none); the others start as ``"none"``. A trigger event
        may be ``{"event": "ticket.closed", "where": [{"prop": "channel", "op": "eq", "value":
        "chat"}]}``; ``pages`` (any may match) limits the pages the widget asks on, and
        ``starts_at``/``ends_at`` (aware datetimes) the time the survey runs.
        ``followup_by_band`` is the follow-up per band (``{"low": "What went wrong?"}``), ``reasons``
        ``{"choices": [{"id", "label"}], "multiple", "bands"}`` and ``texts`` the built-in strings
        per locale (DESIGN §13)."""
        fields = dict(
            name=name,
            followup=followup,
            trigger_events=trigger_events,
            delay_ms=delay_ms,
            sample_rate=sample_rate,
            targeting=targeting,
            recontact_days=recontact_days,
            dismiss_snooze_days=dismiss_snooze_days,
            max_responses=max_responses,
            priority=priority,
            active=active,
            scale=_scale(scale),
            followup_bands=_bands(followup_bands),
            followup_by_band=followup_by_band,
            reasons=reasons,
            texts=texts,
            pages=pages,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        return self._fetch(_create(kind, question, fields, idempotency_key), Survey)

    def list(
        self, *, include_archived: bool = False, limit: int | None = None
    ) -> Paginator[Survey]:
        """Every survey, newest first, fetched page by page (``limit`` per page, 1–100)."""
        return self._paginate(_list(include_archived, limit), Survey)

    def get(self, survey_id: str) -> Survey:
        """One survey."""
        return self._fetch(_get(survey_id), Survey)

    def update(
        self,
        survey_id: str,
        *,
        name: str | NotGiven = NOT_GIVEN,
        question: Texts | NotGiven = NOT_GIVEN,
        followup: Texts | NotGiven | None = NOT_GIVEN,
        trigger_events: Iterable[Trigger] | NotGiven = NOT_GIVEN,
        delay_ms: int | NotGiven = NOT_GIVEN,
        sample_rate: float | NotGiven = NOT_GIVEN,
        targeting: Iterable[Rule] | NotGiven = NOT_GIVEN,
        recontact_days: int | NotGiven = NOT_GIVEN,
        dismiss_snooze_days: int | NotGiven = NOT_GIVEN,
        max_responses: int | NotGiven | None = NOT_GIVEN,
        priority: int | NotGiven = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
        scale: tuple[int, int] | dict[str, int] | NotGiven = NOT_GIVEN,
        followup_bands: Iterable[Band] | NotGiven = NOT_GIVEN,
        followup_by_band: Mapping[Band, Texts] | NotGiven | None = NOT_GIVEN,
        reasons: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        texts: Mapping[str, Mapping[str, str]] | NotGiven | None = NOT_GIVEN,
        pages: Iterable[PageRule] | NotGiven | None = NOT_GIVEN,
        starts_at: datetime | str | NotGiven | None = NOT_GIVEN,
        ends_at: datetime | str | NotGiven | None = NOT_GIVEN,
    ) -> Survey:
        """Change the given fields of a survey (``None`` clears ``followup`` or ``max_responses``).
        A survey's ``kind`` cannot change: archive it and create a new one. A new
        ``followup_bands`` applies to answers from then on; stored ones keep their status."""
        fields = dict(
            name=name,
            question=question,
            followup=followup,
            trigger_events=trigger_events,
            delay_ms=delay_ms,
            sample_rate=sample_rate,
            targeting=targeting,
            recontact_days=recontact_days,
            dismiss_snooze_days=dismiss_snooze_days,
            max_responses=max_responses,
            priority=priority,
            active=active,
            scale=_scale(scale),
            followup_bands=_bands(followup_bands),
            followup_by_band=followup_by_band,
            reasons=reasons,
            texts=texts,
            pages=pages,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        return self._fetch(_update(survey_id, fields), Survey)

    def archive(self, survey_id: str) -> Survey:
        """Archive a survey: it asks no one any more, its answers stay."""
        return self._fetch(_archive(survey_id), Survey)


class AsyncSurveys(AsyncResource):
    async def create(
        self,
        *,
        kind: Kind,
        question: Texts,
        name: str | NotGiven = NOT_GIVEN,
        followup: Texts | NotGiven | None = NOT_GIVEN,
        trigger_events: Iterable[Trigger] | NotGiven = NOT_GIVEN,
        delay_ms: int | NotGiven = NOT_GIVEN,
        sample_rate: float | NotGiven = NOT_GIVEN,
        targeting: Iterable[Rule] | NotGiven = NOT_GIVEN,
        recontact_days: int | NotGiven = NOT_GIVEN,
        dismiss_snooze_days: int | NotGiven = NOT_GIVEN,
        max_responses: int | NotGiven | None = NOT_GIVEN,
        priority: int | NotGiven = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
        scale: tuple[int, int] | dict[str, int] | NotGiven = NOT_GIVEN,
        followup_bands: Iterable[Band] | NotGiven = NOT_GIVEN,
        followup_by_band: Mapping[Band, Texts] | NotGiven | None = NOT_GIVEN,
        reasons: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        texts: Mapping[str, Mapping[str, str]] | NotGiven | None = NOT_GIVEN,
        pages: Iterable[PageRule] | NotGiven | None = NOT_GIVEN,
        starts_at: datetime | str | NotGiven | None = NOT_GIVEN,
        ends_at: datetime | str | NotGiven | None = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Survey:
        """Create a survey (see ``Fiilis.surveys.create``)."""
        fields = dict(
            name=name,
            followup=followup,
            trigger_events=trigger_events,
            delay_ms=delay_ms,
            sample_rate=sample_rate,
            targeting=targeting,
            recontact_days=recontact_days,
            dismiss_snooze_days=dismiss_snooze_days,
            max_responses=max_responses,
            priority=priority,
            active=active,
            scale=_scale(scale),
            followup_bands=_bands(followup_bands),
            followup_by_band=followup_by_band,
            reasons=reasons,
            texts=texts,
            pages=pages,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        return await self._fetch(_create(kind, question, fields, idempotency_key), Survey)

    def list(
        self, *, include_archived: bool = False, limit: int | None = None
    ) -> AsyncPaginator[Survey]:
        """Every survey, newest first: ``async for survey in client.surveys.list()``."""
        return self._paginate(_list(include_archived, limit), Survey)

    async def get(self, survey_id: str) -> Survey:
        """One survey."""
        return await self._fetch(_get(survey_id), Survey)

    async def update(
        self,
        survey_id: str,
        *,
        name: str | NotGiven = NOT_GIVEN,
        question: Texts | NotGiven = NOT_GIVEN,
        followup: Texts | NotGiven | None = NOT_GIVEN,
        trigger_events: Iterable[Trigger] | NotGiven = NOT_GIVEN,
        delay_ms: int | NotGiven = NOT_GIVEN,
        sample_rate: float | NotGiven = NOT_GIVEN,
        targeting: Iterable[Rule] | NotGiven = NOT_GIVEN,
        recontact_days: int | NotGiven = NOT_GIVEN,
        dismiss_snooze_days: int | NotGiven = NOT_GIVEN,
        max_responses: int | NotGiven | None = NOT_GIVEN,
        priority: int | NotGiven = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
        scale: tuple[int, int] | dict[str, int] | NotGiven = NOT_GIVEN,
        followup_bands: Iterable[Band] | NotGiven = NOT_GIVEN,
        followup_by_band: Mapping[Band, Texts] | NotGiven | None = NOT_GIVEN,
        reasons: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        texts: Mapping[str, Mapping[str, str]] | NotGiven | None = NOT_GIVEN,
        pages: Iterable[PageRule] | NotGiven | None = NOT_GIVEN,
        starts_at: datetime | str | NotGiven | None = NOT_GIVEN,
        ends_at: datetime | str | NotGiven | None = NOT_GIVEN,
    ) -> Survey:
        """Change the given fields of a survey (see ``Fiilis.surveys.update``)."""
        fields = dict(
            name=name,
            question=question,
            followup=followup,
            trigger_events=trigger_events,
            delay_ms=delay_ms,
            sample_rate=sample_rate,
            targeting=targeting,
            recontact_days=recontact_days,
            dismiss_snooze_days=dismiss_snooze_days,
            max_responses=max_responses,
            priority=priority,
            active=active,
            scale=_scale(scale),
            followup_bands=_bands(followup_bands),
            followup_by_band=followup_by_band,
            reasons=reasons,
            texts=texts,
            pages=pages,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        return await self._fetch(_update(survey_id, fields), Survey)

    async def archive(self, survey_id: str) -> Survey:
        """Archive a survey: it asks no one any more, its answers stay."""
        return await self._fetch(_archive(survey_id), Survey)
