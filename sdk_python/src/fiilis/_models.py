"""Typed results: frozen dataclasses built from the collector's JSON by one helper, ``_from_dict``.

Fields a newer collector adds are ignored (and kept in ``raw``), fields it leaves out take their
defaults, so an older SDK keeps working against a newer server.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

__all__ = [
    "Action",
    "Alert",
    "AlertFilter",
    "AlertTest",
    "Deleted",
    "Eligibility",
    "EligibilityRule",
    "ErasureResult",
    "FollowupChange",
    "ImportProblem",
    "ImportReport",
    "Metrics",
    "MetricsGroup",
    "MetricsPoint",
    "Page",
    "Prompt",
    "Response",
    "Review",
    "Site",
    "Survey",
    "TargetingRule",
    "UserExport",
    "UserRecord",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookFilter",
]

M = TypeVar("M", bound="Model")
T = TypeVar("T")


@dataclass(frozen=True)
class Model:
    """Base of every result: ``to_dict()`` and the JSON as received in ``raw``."""

    raw: dict[str, Any] = field(
        default_factory=dict, repr=False, compare=False, kw_only=True, metadata={"raw": True}
    )

    @classmethod
    def _from_dict(cls: type[M], data: dict[str, Any]) -> M:
        return _from_dict(cls, data)

    def to_dict(self) -> dict[str, Any]:
        """The known fields as plain Python values (nested results become dicts; datetimes stay
        datetimes). The JSON exactly as the server sent it is in ``raw``."""
        return {
            f.name: _plain(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if not f.metadata.get("raw")
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


_FIELDS: dict[type, tuple[tuple[dataclasses.Field[Any], Any], ...]] = {}


def _fields(cls: type) -> tuple[tuple[dataclasses.Field[Any], Any], ...]:
    """A result class's fields with their resolved types (resolved once per class)."""
    if cls not in _FIELDS:
        hints = typing.get_type_hints(cls)
        _FIELDS[cls] = tuple(
            (f, hints[f.name]) for f in dataclasses.fields(cls) if not f.metadata.get("raw")
        )
    return _FIELDS[cls]


def _from_dict(cls: type[M], data: dict[str, Any]) -> M:
    """Build ``cls`` from a JSON object: known fields converted to their declared types, unknown
    ones ignored, missing ones defaulted (to None when the field has no default)."""
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__} expects a JSON object, got {type(data).__name__}")
    kwargs: dict[str, Any] = {}
    for f, hint in _fields(cls):
        if f.name in data:
            kwargs[f.name] = _convert(hint, data[f.name])
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            kwargs[f.name] = None
    return cls(**kwargs, raw=data)


def _convert(hint: Any, value: Any) -> Any:
    """``value`` (from JSON) as ``hint`` where that is a known shape; otherwise as it is."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(options[0], value) if len(options) == 1 else value
    if hint is datetime:
        return parse_datetime(value)
    if hint is date:
        return parse_date(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(hint, type) and issubclass(hint, Model):
        return hint._from_dict(value) if isinstance(value, dict) else value
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(hint) or (Any,)
        return [_convert(item, v) for v in value]
    if origin is tuple and isinstance(value, list | tuple):
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in value)
        return tuple(value)
    if origin is dict and isinstance(value, dict):
        args = typing.get_args(hint)
        return {k: _convert(args[1], v) for k, v in value.items()} if args else dict(value)
    return value


_FRACTION = re.compile(r"(\.\d+)")


def parse_datetime(value: Any) -> datetime | Any:
    """ISO 8601 (``Z`` or an offset, any number of fraction digits) → an aware datetime when the
    text has an offset. A value that does not parse is returned unchanged rather than failing."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python 3.10's fromisoformat takes exactly 3 or 6 fraction digits.
    text = _FRACTION.sub(lambda m: (m.group(1) + "000000")[:7], text, count=1)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return value


def parse_date(value: Any) -> date | Any:
    """``YYYY-MM-DD`` → a date; a value that does not parse is returned unchanged."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return value


# --- surveys -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetingRule(Model):
    """Ask only users whose trait matches: ``op`` is eq, neq, in, gte or lte."""

    trait: str
    op: str
    value: Any


@dataclass(frozen=True)
class Survey(Model):
    """A question asked on some events (DESIGN §2): ``kind`` csat (1–5), ces (1–7) or nps (0–10)."""

    id: str
    kind: str
    name: str | None = None
    question: dict[str, str] = field(default_factory=dict)
    followup: dict[str, str] | None = None
    #: Event names, or ``{"event", "where": [{"prop", "op", "value"}]}`` with conditions.
    trigger_events: list[str | dict[str, Any]] = field(default_factory=list)
    #: The pages the widget asks on, ``[{"op", "value"}]``; None: every page.
    pages: list[dict[str, str]] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    delay_ms: int = 0
    sample_rate: float = 1.0
    targeting: list[TargetingRule] = field(default_factory=list)
    recontact_days: int | None = None
    dismiss_snooze_days: int | None = None
    max_responses: int | None = None
    priority: int = 0
    active: bool = True
    scale: dict[str, int] | None = None
    #: The score bands whose answers open a follow-up: "low", "mid", "high".
    followup_bands: list[str] = field(default_factory=lambda: ["low"])
    #: The follow-up question per band, ``{band: {locale: text}}``.
    followup_by_band: dict[str, dict[str, str]] | None = None
    #: Reason choices after the score: ``{choices: [{id, label}], multiple, bands}``.
    reasons: dict[str, Any] | None = None
    #: Built-in strings per locale, ``{locale: {key: text}}``.
    texts: dict[str, dict[str, str]] | None = None
    archived_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


# --- prompts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt(Model):
    """One ask of one user. ``status`` is ``pending`` for a new prompt and ``suppressed`` when the
    fatigue rules held it back (``reason`` says which); neither is an error. ``url`` is the hosted
    answer page of an open e-mail link; ``traits`` and ``page_url`` (the page the user was on)
    come with a user's export."""

    status: str
    id: str | None = None
    reason: str | None = None
    url: str | None = None
    expires_at: datetime | None = None
    survey: str | None = None
    user_id: str | None = None
    channel: str | None = None
    origin: str | None = None
    event: str | None = None
    context: dict[str, Any] | None = None
    traits: dict[str, Any] | None = None
    locale: str | None = None
    page_url: str | None = None
    response_id: str | None = None
    created_at: datetime | None = None
    shown_at: datetime | None = None
    answered_at: datetime | None = None
    dismissed_at: datetime | None = None

    @property
    def suppressed(self) -> bool:
        """True when no prompt was made (see ``reason``)."""
        return self.status == "suppressed"


# --- responses ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowupChange(Model):
    """One change of a response's follow-up, as kept in its history."""

    status: str | None = None
    owner: str | None = None
    note: str | None = None
    actor: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Response(Model):
    """One answer: a score, maybe a comment, and where the team is with following it up."""

    id: str
    score: int | None = None
    comment: str | None = None
    survey: str | None = None
    prompt: str | None = None
    kind: str | None = None
    user_id: str | None = None
    locale: str | None = None
    url: str | None = None
    event: str | None = None
    context: dict[str, Any] | None = None
    traits: dict[str, Any] | None = None
    followup_status: str | None = None
    followup_owner: str | None = None
    followup_note: str | None = None
    followup_history: list[FollowupChange] | None = None  # only when read alone
    tags: list[str] | None = None
    reasons: list[str] | None = None  # the ids of the reason choices the answer gave
    source: str | None = None  # where an imported answer came from
    external_id: str | None = None
    source_ref: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ImportProblem(Model):
    """An item the collector refused: where it starts (line of the file, or the item's position
    counting from 1), the field at fault and why."""

    line: int = 0
    param: str | None = None
    message: str = ""


@dataclass(frozen=True)
class ImportReport(Model):
    """What an import did, summed over its calls."""

    imported: int = 0
    skipped_duplicates: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    errors_count: int = 0


@dataclass(frozen=True)
class PeopleImportReport(Model):
    """What a people import did, summed over its calls: people added, changed, already as
    given, and the items refused."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    errors_count: int = 0


@dataclass(frozen=True)
class Person(Model):
    """Someone a site may mail surveys to (DESIGN §12): the user the widget knows, with an
    address, a name and a locale."""

    user_id: str
    email: str | None = None
    name: str | None = None
    locale: str | None = None
    traits: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    last_seen_at: datetime | None = None


@dataclass(frozen=True)
class Suppression(Model):
    """An address survey e-mail never goes to again, and why: ``unsubscribed``, ``bounced``,
    ``complained`` or ``manual``."""

    id: str
    email: str
    reason: str
    detail: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class SuppressionRemoved(Model):
    """The answer to removing a suppression: the address may be mailed again."""

    email: str
    deleted: bool = True


# --- metrics -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricsPoint(Model):
    """The score of one interval (``start`` is where it begins)."""

    start: datetime | None = None
    n: int = 0
    score: float | None = None
    ci95: tuple[float, ...] | None = None
    mean: float | None = None


@dataclass(frozen=True)
class MetricsGroup(Model):
    """The score of one group (an event name, or a trait's value)."""

    key: Any = None
    n: int = 0
    score: float | None = None
    ci95: tuple[float, ...] | None = None
    mean: float | None = None


@dataclass(frozen=True)
class Metrics(Model):
    """A survey's score with its 95 % interval (DESIGN §7). ``score`` and ``ci95`` are in the kind's
    unit: % top-2 box for CSAT, the mean for CES, −100…+100 for NPS. ``low_n`` when n < 30."""

    n: int = 0
    score: float | None = None
    ci95: tuple[float, ...] | None = None
    mean: float | None = None
    mean_ci95: tuple[float, ...] | None = None
    distribution: dict[str, int] = field(default_factory=dict)
    shown: int = 0
    answered: int = 0
    dismissed: int = 0
    response_rate: float | None = None
    low_n: bool = True
    series: list[MetricsPoint] = field(default_factory=list)
    groups: list[MetricsGroup] = field(default_factory=list)
    groups_truncated: bool = False
    survey: str | None = None
    kind: str | None = None
    interval: str | None = None
    group_by: str | None = None
    tz: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    satisfied_pct: float | None = None
    promoters_pct: float | None = None
    passives_pct: float | None = None
    detractors_pct: float | None = None
    easy_pct: float | None = None


# --- users -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EligibilityRule(Model):
    """One rule of DESIGN §6 and whether the user passed it."""

    name: str = ""
    passed: bool = False
    skipped: bool = False  # a rule that does not apply to this kind of ask
    detail: str | None = None


@dataclass(frozen=True)
class Eligibility(Model):
    """Why a user would or would not be asked a survey now: every rule, in order; ``reason`` is the
    first that failed."""

    eligible: bool = False
    reason: str | None = None
    rules: list[EligibilityRule] = field(default_factory=list)
    user_id: str | None = None
    survey: str | None = None
    origin: str | None = None
    event: str | None = None
    props: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    pending_prompt_id: str | None = None


@dataclass(frozen=True)
class UserRecord(Model):
    """The user as last seen: traits and when, and what people calls set (address, name,
    locale)."""

    traits: dict[str, Any] = field(default_factory=dict)
    email: str | None = None
    name: str | None = None
    locale: str | None = None
    created_at: datetime | None = None
    last_seen_at: datetime | None = None


@dataclass(frozen=True)
class UserExport(Model):
    """Everything the collector holds about one user (for a data subject access request);
    ``user`` is None when only prompts or answers are held."""

    user_id: str | None = None
    user: UserRecord | None = None
    prompts: list[Prompt] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)


@dataclass(frozen=True)
class ErasureResult(Model):
    """What erasing a user removed, as counts per kind of record."""

    user_id: str | None = None
    deleted: dict[str, int] = field(default_factory=dict)  # {prompts, responses, users}


# --- site --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site(Model):
    """The settings of the site the secret key belongs to."""

    id: str
    name: str | None = None
    public_key: str | None = None
    secret_key_hint: str | None = None
    allowed_origins: list[str] = field(default_factory=list)
    default_locale: str | None = None
    theme: dict[str, Any] = field(default_factory=dict)
    cooldown_days: int | None = None
    require_identity: bool = False
    retention_days: int | None = None
    #: User traits whose answers are counted per day as they arrive: ``group_by="trait:<name>"``
    #: on one of them stays fast at millions of answers.
    segments: list[str] = field(default_factory=list)
    #: The site's own built-in strings per locale, ``{locale: {key: text}}``.
    texts: dict[str, dict[str, str]] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


# --- lists -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list endpoint: ``{data, has_more, next_cursor}``."""

    data: list[T]
    has_more: bool = False
    next_cursor: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @staticmethod
    def _from_dict(data: dict[str, Any], item: type[M]) -> Page[M]:
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise TypeError("a list page is a JSON object with a `data` list")
        cursor = data.get("next_cursor")
        return Page(
            data=[item._from_dict(d) for d in data["data"]],
            has_more=bool(data.get("has_more")),
            next_cursor=cursor if isinstance(cursor, str) and cursor else None,
            raw=data,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "data": [_plain(d) for d in self.data],
            "has_more": self.has_more,
            "next_cursor": self.next_cursor,
        }


# --- alerts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertFilter(Model):
    """Which answers an alert announces; ``None`` means "any"."""

    survey: str | None = None
    max_score: int | None = None
    min_score: int | None = None
    has_comment: bool | None = None


@dataclass(frozen=True)
class Alert(Model):
    """A Slack or e-mail alert (DESIGN §11). ``target`` is the Slack incoming-webhook URL or the
    e-mail addresses joined by ``", "``; ``digest`` is ``None`` for one message per answer."""

    id: str
    channel: str
    target: str
    filter: AlertFilter = field(default_factory=AlertFilter)
    digest: str | None = None
    active: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def addresses(self) -> list[str]:
        """An e-mail alert's addresses as a list (empty for Slack)."""
        return [a.strip() for a in self.target.split(",")] if self.channel == "email" else []


@dataclass(frozen=True)
class AlertTest(Model):
    """The answer to ``alerts.test``: the sample was delivered."""

    id: str
    sent: bool = True


@dataclass(frozen=True)
class Deleted(Model):
    """The answer to a delete: the object's id."""

    id: str
    deleted: bool = True


# --- webhooks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookFilter(Model):
    """Which responses a webhook gets: every condition given must hold."""

    survey: str | None = None
    min_score: int | None = None
    max_score: int | None = None
    has_comment: bool | None = None


@dataclass(frozen=True)
class Webhook(Model):
    """An endpoint that gets the site's events, signed with the Standard Webhooks scheme.
    ``secret`` (``whsec_…``) is there only when the webhook was just created or rotated: keep it.
    ``disabled_reason`` says why the collector turned it off: ``gone`` (the receiver answered
    410) or ``failing`` (3 days without a successful delivery)."""

    id: str
    url: str | None = None
    description: str | None = None
    events: list[str] = field(default_factory=list)
    filter: WebhookFilter | None = None
    active: bool = True
    disabled_reason: str | None = None
    secret: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class WebhookAttempt(Model):
    """One try of a delivery: when, the receiver's status (None: no answer), how long, why not."""

    at: datetime | None = None
    status: int | None = None
    ms: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class WebhookDelivery(Model):
    """One event for one webhook: ``pending`` (``next_attempt_at`` says when), ``succeeded``
    or ``failed`` (the retry schedule is spent, or the webhook is off); replay it with
    ``client.webhooks.retry``."""

    id: str
    webhook: str | None = None
    event: str | None = None
    event_type: str | None = None
    status: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    response_status: int | None = None
    response_ms: int | None = None
    response_body: str | None = None
    error: str | None = None
    log: list[WebhookAttempt] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class WebhookEvent(Model):
    """A verified webhook event: ``id`` (``evt_…``, the same on every retry: deduplicate by
    it), ``type`` (``response.created`` …), ``created_at`` and ``data``, the API's own object
    (a response as ``client.responses.get`` reads it)."""

    id: str
    type: str
    created_at: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)


# --- reviews and actions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Review(Model):
    """A team's review of a period: ``since`` is its first day, ``until`` the day after its last
    (UTC); ``next_review_on`` is when the team meets next (the site's admins are mailed then)."""

    id: str
    since: date | None = None
    until: date | None = None
    summary: str | None = None
    attendees: list[str] = field(default_factory=list)
    next_review_on: date | None = None
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Action(Model):
    """One thing a review decided: ``owner`` is a team member's e-mail, ``status`` ``open``,
    ``done`` (``done_at`` says when) or ``dropped``; ``survey`` and ``response_ids`` are what
    led to it, ``review`` the review it came from."""

    id: str
    title: str | None = None
    owner: str | None = None
    due_on: date | None = None
    status: str | None = None
    done_at: datetime | None = None
    survey: str | None = None
    response_ids: list[str] = field(default_factory=list)
    review: str | None = None
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
