"""Who gets asked (DESIGN §6), as a pure function of plain values.

The service layer fills :class:`SurveyRules`, :class:`History` and :class:`Ask` from its queries;
:func:`decide` answers whether to open a new prompt, and :func:`explain` shows every rule's outcome
(``GET /v1/eligibility?user_id=<id>``). Both walk the same rule list, so they cannot disagree.

The rules, in order; the first that fails is the ``reason``:

==================== ========================================================= =================
rule                 blocks when                                               skipped for
==================== ========================================================= =================
survey_inactive      the survey is paused or archived
not_running          now is before ``starts_at`` or at/after ``ends_at``
event_not_trigger    the event matches none of the survey's trigger events     backend triggers
                     (its name, and every ``where`` condition on its props)
page_mismatch        the event's page URL matches none of the survey's         backend triggers
                     ``pages`` rules (``collector.domain.pages``)
targeting_mismatch   any targeting rule fails on the user's traits             backend triggers
quota_reached        the survey has ``max_responses`` responses
not_sampled          the user's stable hash is outside ``sample_rate``         backend triggers
answered_recently    the user answered this survey within ``recontact_days``  ``force``
dismissed_recently   the user dismissed it within ``dismiss_snooze_days``     ``force``
cooldown             any prompt was shown to the user on this site within      ``force``
                     the site's cooldown days
already_pending      the user has an open prompt for this survey: the caller
                     re-delivers it (``Decision.pending_prompt_id``) instead
                     of opening a new one
==================== ========================================================= =================

Decisions where DESIGN is silent:

- ``force`` skips only the fatigue rules. Quota still applies (a full survey stays full), and an
  open prompt is still re-delivered rather than duplicated.
- "Within N days" means ``now - last < N days``: at exactly N days the user is eligible again.
  N ≤ 0 turns the rule off. A timestamp in the future (clock skew) counts as "just now".
- ``max_responses`` of ``None`` means no limit; any number, 0 included, is a hard cap.
- Datetimes may be naive or aware; naive ones are read as UTC (SQLite returns them naive).
- Event names match exactly; a trigger ``billing.*`` matches every event that starts with
  ``billing.`` and ``*`` matches every event. No other wildcards.
- A trigger may be ``{event, where: [{prop, op, value}]}``: the event's name must match and every
  condition must hold on the event's props (ops ``eq neq in gte lte contains``). A prop that is
  missing (or ``None``) fails every condition, ``neq`` included: "channel is not chat" is not
  known of an event that says nothing about its channel. Numbers compare as numbers (``5`` equals
  ``5.0``), never with strings (``"5"`` is not ``5``, and fails ``gte``); ``True`` equals only
  ``True``; ``contains`` is a case-sensitive substring of a string prop. A where that fails is
  ``event_not_trigger``: the event, as it happened, is not one the survey asks after.
- ``starts_at`` is the first moment the survey runs, ``ends_at`` the first it no longer does
  (``starts_at <= now < ends_at``); either may be absent. ``not_running`` applies to backend
  triggers and to ``force`` too: a survey outside its dates asks nobody.
- Page rules look at the event's URL (see ``collector.domain.pages``); an event without a URL
  passes only a survey without page rules.
- Targeting rules all have to pass. A missing trait (or one set to ``None``) fails ``eq``, ``in``,
  ``gte`` and ``lte`` and passes ``neq``. ``gte``/``lte`` compare numbers only: a numeric string
  such as ``"5"`` is not a number and fails. ``True`` equals only ``True`` (never ``1``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from collector.domain import sampling
from collector.domain.pages import PageRule

#: Every reason code, in the order the rules are checked.
REASONS: tuple[str, ...] = (
    "survey_inactive",
    "not_running",
    "event_not_trigger",
    "page_mismatch",
    "targeting_mismatch",
    "quota_reached",
    "not_sampled",
    "answered_recently",
    "dismissed_recently",
    "cooldown",
    "already_pending",
)
#: Targeting operators.
OPS: tuple[str, ...] = ("eq", "neq", "in", "gte", "lte")
#: Operators of a trigger's ``where`` conditions on event props.
WHERE_OPS: tuple[str, ...] = (*OPS, "contains")
ORIGINS: tuple[str, ...] = ("event", "api")

_SKIPPED_FOR_BACKEND = frozenset(
    {"event_not_trigger", "page_mismatch", "targeting_mismatch", "not_sampled"}
)
_FATIGUE = frozenset({"answered_recently", "dismissed_recently", "cooldown"})


@dataclass(frozen=True)
class Rule:
    """One targeting rule: ``{trait, op, value}`` with ``op`` one of :data:`OPS`."""

    trait: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        if not isinstance(self.trait, str) or not self.trait:
            raise ValueError("a targeting rule needs a trait name")
        if self.op not in OPS:
            raise ValueError(f"unknown targeting op {self.op!r}; expected one of {', '.join(OPS)}")
        if self.op == "in":
            if isinstance(self.value, str | bytes) or not isinstance(self.value, Iterable):
                raise ValueError(f"'in' needs a list of values for trait {self.trait!r}")
            object.__setattr__(self, "value", tuple(self.value))
        if self.op in ("gte", "lte") and not _is_number(self.value):
            raise ValueError(f"{self.op!r} needs a number for trait {self.trait!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        """Build a rule from its stored form ``{"trait": …, "op": …, "value": …}``."""
        return cls(trait=data["trait"], op=data["op"], value=data.get("value"))

    def matches(self, traits: Mapping[str, Any]) -> bool:
        """Whether the user's traits satisfy this rule."""
        actual = traits.get(self.trait)
        if actual is None:
            return self.op == "neq"
        if self.op == "eq":
            return _same(actual, self.value)
        if self.op == "neq":
            return not _same(actual, self.value)
        if self.op == "in":
            return any(_same(actual, option) for option in self.value)
        if not _is_number(actual):
            return False
        return actual >= self.value if self.op == "gte" else actual <= self.value

    def describe(self) -> str:
        """The rule as a person reads it: ``plan in ['pro', 'team']``."""
        value = list(self.value) if self.op == "in" else self.value
        return f"{self.trait} {self.op} {_short(value)}"


@dataclass(frozen=True)
class Condition:
    """One ``where`` condition of a trigger: ``{prop, op, value}`` with ``op`` one of
    :data:`WHERE_OPS`, checked on the event's props."""

    prop: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        if not isinstance(self.prop, str) or not self.prop:
            raise ValueError("a where condition needs a prop name")
        if self.op not in WHERE_OPS:
            raise ValueError(
                f"unknown where op {self.op!r}; expected one of {', '.join(WHERE_OPS)}"
            )
        if self.op == "in":
            if isinstance(self.value, str | bytes) or not isinstance(self.value, Iterable):
                raise ValueError(f"'in' needs a list of values for prop {self.prop!r}")
            object.__setattr__(self, "value", tuple(self.value))
        if self.op in ("gte", "lte") and not _is_number(self.value):
            raise ValueError(f"{self.op!r} needs a number for prop {self.prop!r}")
        if self.op == "contains" and not isinstance(self.value, str):
            raise ValueError(f"'contains' needs a string for prop {self.prop!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Condition:
        return cls(prop=data["prop"], op=data["op"], value=data.get("value"))

    def matches(self, props: Mapping[str, Any]) -> bool:
        """Whether the event's props satisfy this condition; a missing prop never does."""
        actual = props.get(self.prop)
        if actual is None:
            return False
        if self.op == "eq":
            return _same(actual, self.value)
        if self.op == "neq":
            return not _same(actual, self.value)
        if self.op == "in":
            return any(_same(actual, option) for option in self.value)
        if self.op == "contains":
            return isinstance(actual, str) and self.value in actual
        if not _is_number(actual):
            return False
        return actual >= self.value if self.op == "gte" else actual <= self.value

    def describe(self) -> str:
        value = list(self.value) if self.op == "in" else self.value
        return f"{self.prop} {self.op} {_short(value)}"


@dataclass(frozen=True)
class Trigger:
    """A trigger event: a name (``invoice.paid``, ``billing.*``, ``*``) and the conditions on
    the event's props that must all hold (none: any props)."""

    event: str
    where: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        where = tuple(c if isinstance(c, Condition) else Condition.from_dict(c) for c in self.where)
        object.__setattr__(self, "where", where)

    @classmethod
    def of(cls, item: str | Mapping[str, Any] | Trigger) -> Trigger:
        """From a stored item: ``"invoice.paid"`` or ``{"event": …, "where": [...]}``."""
        if isinstance(item, Trigger):
            return item
        if isinstance(item, str):
            return cls(item)
        return cls(item["event"], tuple(item.get("where") or ()))

    def names(self, event: str | None) -> bool:
        """Whether the event's name matches, whatever its props."""
        return event is not None and _event_matches(self.event, event)

    def failing(self, props: Mapping[str, Any]) -> Condition | None:
        """The first condition the props fail, if any."""
        return next((c for c in self.where if not c.matches(props)), None)

    def describe(self) -> str:
        if not self.where:
            return repr(self.event)
        return f"{self.event!r} where " + " and ".join(c.describe() for c in self.where)


def event_names(trigger_events: Iterable[str | Mapping[str, Any] | Trigger]) -> list[str]:
    """The event names of stored trigger events, for lists and labels."""
    return [Trigger.of(t).event for t in trigger_events]


@dataclass(frozen=True, kw_only=True)
class SurveyRules:
    """What eligibility needs to know about a survey. ``trigger_events``, ``pages`` and
    ``targeting`` accept lists of their objects or of their stored forms (a trigger as a name
    or ``{event, where}``, a page rule and a targeting rule as dicts)."""

    id: str
    created_at: datetime
    active: bool = True
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    trigger_events: tuple[Trigger, ...] = ()
    pages: tuple[PageRule, ...] = ()
    targeting: tuple[Rule, ...] = ()
    sample_rate: float = 1.0
    recontact_days: int = 90
    dismiss_snooze_days: int = 30
    max_responses: int | None = None
    priority: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "trigger_events", tuple(map(Trigger.of, self.trigger_events)))
        pages = tuple(p if isinstance(p, PageRule) else PageRule.from_dict(p) for p in self.pages)
        object.__setattr__(self, "pages", pages)
        rules = tuple(r if isinstance(r, Rule) else Rule.from_dict(r) for r in self.targeting)
        object.__setattr__(self, "targeting", rules)


@dataclass(frozen=True, kw_only=True)
class History:
    """What has happened between this user and this survey (and this site).

    - ``responses_count``: responses to this survey from everyone (for the quota).
    - ``last_answered_at`` / ``last_dismissed_at``: this user, this survey.
    - ``last_shown_at_any``: the last prompt of any survey of this site shown to this user.
    - ``pending_prompt_id``: an open (pending or shown, unexpired) prompt of this survey for
      this user.
    """

    responses_count: int = 0
    last_answered_at: datetime | None = None
    last_dismissed_at: datetime | None = None
    last_shown_at_any: datetime | None = None
    pending_prompt_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Ask:
    """One request to ask a user: a widget event (``origin="event"``) or a backend trigger
    (``origin="api"``). ``user_key`` is the user id, or ``anon:<uuid>`` for anonymous visitors;
    ``props`` are the event's props and ``url`` the page it happened on."""

    origin: str
    user_key: str
    now: datetime
    event: str | None = None
    props: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None
    traits: Mapping[str, Any] = field(default_factory=dict)
    site_cooldown_days: int = 7
    force: bool = False

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"unknown origin {self.origin!r}; expected 'event' or 'api'")


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's verdict. ``passed`` means "did not block"; a skipped rule has ``passed=True``
    and ``skipped=True``. ``detail`` says why, for people."""

    name: str
    passed: bool
    skipped: bool
    detail: str


@dataclass(frozen=True)
class Decision:
    """``ask`` True: open a new prompt. Otherwise ``reason`` is the first failing rule; with
    ``already_pending``, ``pending_prompt_id`` is the open prompt to re-deliver."""

    ask: bool
    reason: str | None = None
    pending_prompt_id: str | None = None


def decide(survey: SurveyRules, history: History, ask: Ask) -> Decision:
    """Whether to ask this user this survey now (DESIGN §6): the first failing rule decides."""
    for outcome in _outcomes(survey, history, ask):
        if not outcome.passed:
            pending = history.pending_prompt_id if outcome.name == "already_pending" else None
            return Decision(ask=False, reason=outcome.name, pending_prompt_id=pending)
    return Decision(ask=True)


def explain(survey: SurveyRules, history: History, ask: Ask) -> list[RuleOutcome]:
    """Every rule of §6 in order with its outcome, also those after the first failure."""
    return list(_outcomes(survey, history, ask))


def rank(candidates: Iterable[SurveyRules]) -> list[SurveyRules]:
    """Surveys in the order they get the user's attention: highest ``priority`` first, then the
    oldest ``created_at``, then ``id`` (so the order is total and stable)."""
    return sorted(candidates, key=lambda s: (-s.priority, _utc(s.created_at), s.id))


def triggers_on(
    trigger_events: Iterable[str | Mapping[str, Any] | Trigger], event: str | None
) -> bool:
    """Whether ``event``'s name matches one of the survey's trigger events (exact, ``prefix.*``
    or ``*``), whatever its props: the surveys worth deciding on for this event."""
    return any(Trigger.of(t).names(event) for t in trigger_events)


# -- the rules -------------------------------------------------------------------------------

Check = Callable[[SurveyRules, History, Ask], tuple[bool, str]]


def _active(survey: SurveyRules, history: History, ask: Ask) -> tuple[bool, str]:
    return (True, "survey is active") if survey.active else (False, "survey is paused or archived")


def _running(survey: SurveyRules, history: History, ask: Ask) -> tuple[bool, str]:
    now = _utc(ask.now)
    starts = survey.starts_at and _utc(survey.starts_at)
    ends = survey.ends_at and _utc(survey.ends_at)
    if starts is not None and now < starts:
        return False, f"starts at {_moment(starts)}"
    if ends is not None and now >= ends:
        return False, f"ended at {_moment(ends)}"
    if ends is not None:
        return True, f"running until {_moment(ends)}"
    if starts is not None:
        return True, f"running since {_moment(starts)}"
    return True, "no start or end date"


def _trigger(survey: SurveyRules, history: History, ask: Ask) -> tuple[bool, str]:
    triggers = ", ".join(t.describe() for t in survey.trigger_events) or "none"
    if ask.event is None:
        return False, f"no event given; survey triggers on: {triggers}"
    missed = []
    for trigger in survey.trigger_events:
        if not trigger.names(ask.event):
            continue
        condition = trigger.failing(ask.props)
        if condition is None:
            return True, f"event {ask.event!r} matches trigger {trigger.describe()}"
        actual = ask.props.get(condition.prop)
        have = "missing" if actual is None else _short(actual)
        missed.append(f"{condition.describe()} fails: prop {condition.prop!r} is {have}")
    if missed:
        return False, f"event {ask.event!r} matches no trigger's conditions: " + "; ".join(missed)
    return False, f"event {ask.event!r} is not a trigger; survey triggers on: {triggers}"


def _page(survey: SurveyRules, history: History, ask: Ask) -> tuple[bool, str]:
    if not survey.pages:
        return True, "no page rules: any page"
    rules = ", ".join(p.describe() for p in survey.pages)
    if ask.url is None:
        return False, f"no page URL given; survey asks on pages: {rules}"
    for rule in survey.pages:
        if rule.matches(ask.url):
            return True, f"page {_short(ask.url)} matches {rule.describe()}"
    return False, f"page {_short(ask.url)} matches none of: {rules}"


def _targeting(survey: SurveyRules, history: History, ask: Ask) -> tuple[bool, str]:
    if not survey.targeting:
        return True, "no targeting rules"
    for rule in survey.targeting:
        if not rule.matches(ask.traits):
            actual = ask.traits.get(rule.trait)
            have = "missing" if actual is None else _short(actual)
            return False, f"rule {rule.describe()} fails: trait {rule.trait!r} is {have}"
    if len(survey.targeting) == 1:
        return True, "the targeting rule matches"
    return True, f"all {len(survey.targeting)} targeting rules match"


def _quota(survey: SurveyRules, history: History, ask: Ask) -> tuple[bool, str]:
    cap = survey.max_responses
    if cap is None:
        return True, f"no response limit ({history.responses_count} responses)"
    if history.responses_count >= cap:
        return False, f"{history.responses_count} of {cap} responses; quota reached"
    return True, f"{history.responses_count} of {cap} responses"


def _sampled(survey: SurveyRules, history: History, ask: Ask) -> tuple[bool, str]:
    rate = survey.sample_rate
    if rate >= 1:
        return True, "everyone is sampled (rate 100 %)"
    if rate <= 0:
        return False, "nobody is sampled (rate 0 %)"
    point = sampling.sample_point(survey.id, ask.user_key)
    pct = f"{rate * 100:g} %"
    if sampling.in_sample(survey.id, ask.user_key, rate):
        return True, f"user is in the {pct} sample (point {point:.4f} < {rate:g})"
    return False, f"user is outside the {pct} sample (point {point:.4f} ≥ {rate:g})"


def _answered(survey: SurveyRules, history: History, ask: Ask) -> tuple[bool, str]:
    return _window(
        ask.now,
        history.last_answered_at,
        survey.recontact_days,
        never="never answered this survey",
        did="answered",
        rule="recontact after",
    )


def _dismissed(survey: SurveyRules, history: History, ask: Ask) -> tuple[bool, str]:
    return _window(
        ask.now,
        history.last_dismissed_at,
        survey.dismiss_snooze_days,
        never="never dismissed this survey",
        did="dismissed",
        rule="snoozed for",
    )


def _cooldown(survey: SurveyRules, history: History, ask: Ask) -> tuple[bool, str]:
    return _window(
        ask.now,
        history.last_shown_at_any,
        ask.site_cooldown_days,
        never="no prompt shown to this user on this site yet",
        did="a prompt of this site was shown",
        rule="site cooldown",
    )


def _pending(survey: SurveyRules, history: History, ask: Ask) -> tuple[bool, str]:
    if history.pending_prompt_id is None:
        return True, "no open prompt"
    return False, f"open prompt {history.pending_prompt_id} is re-delivered instead of a new one"


_RULES: tuple[tuple[str, Check], ...] = (
    ("survey_inactive", _active),
    ("not_running", _running),
    ("event_not_trigger", _trigger),
    ("page_mismatch", _page),
    ("targeting_mismatch", _targeting),
    ("quota_reached", _quota),
    ("not_sampled", _sampled),
    ("answered_recently", _answered),
    ("dismissed_recently", _dismissed),
    ("cooldown", _cooldown),
    ("already_pending", _pending),
)


def _outcomes(survey: SurveyRules, history: History, ask: Ask) -> Iterator[RuleOutcome]:
    # Lazy, so decide() stops at the first failure without evaluating (or hashing) the rest.
    for name, check in _RULES:
        if ask.origin == "api" and name in _SKIPPED_FOR_BACKEND:
            yield RuleOutcome(name, True, True, "skipped for backend triggers")
        elif ask.force and name in _FATIGUE:
            yield RuleOutcome(name, True, True, "skipped: forced")
        else:
            passed, detail = check(survey, history, ask)
            yield RuleOutcome(name, passed, False, detail)


# -- helpers ---------------------------------------------------------------------------------


def _window(
    now: datetime, last: datetime | None, days: int, *, never: str, did: str, rule: str
) -> tuple[bool, str]:
    if days <= 0:
        return True, f"{rule} {_plural(days, 'day')}: rule off"
    if last is None:
        return True, never
    now_utc, last_utc = _utc(now), _utc(last)
    again = last_utc + timedelta(days=days)
    detail = f"{did} {_ago(now_utc - last_utc)}; {rule} {_plural(days, 'day')}"
    if now_utc < again:
        return False, f"{detail}, until {again.isoformat(timespec='seconds')}"
    return True, detail


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _moment(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _ago(delta: timedelta) -> str:
    if delta >= timedelta(days=1):
        return f"{_plural(delta.days, 'day')} ago"
    if delta >= timedelta(hours=1):
        return f"{_plural(delta.seconds // 3600, 'hour')} ago"
    if delta >= timedelta(minutes=1):
        return f"{_plural(delta.seconds // 60, 'minute')} ago"
    return "just now"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _event_matches(pattern: str, event: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return event.startswith(pattern[:-1])
    return pattern == event


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not math.isnan(value)


def _same(actual: Any, expected: Any) -> bool:
    # JSON true must not equal 1, as Python's True == 1 would say.
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    return actual == expected


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
