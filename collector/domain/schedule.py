"""Recurring relationship surveys (DESIGN §13 ``schedule``): who is due, and when.

Pure: every function takes plain values, ``now`` included, so a run over a simulated quarter
needs no clock and a re-run with the same state decides the same.

- **Turns.** Each person gets one ask per turn of ``every_days``. Turn ``k`` of a person starts
  ``k × every_days`` after the person's first day (the day the schedule was set, or the day the
  person was added if later); within a turn, the ask falls at the person's fixed *position* in
  the send window of the turn's first ``spread_days``.
- **Spread.** The positions of the people who share a first day are their ranks by a stable hash
  of survey and person, spaced evenly over the window's minutes in ``spread_days`` (a rank, not
  the raw hash: 1 000 people over 22 weekdays get 45 or 46 a day, not 45 ± 7).
- **Window.** Asks go out only on the window's days, between ``from`` and ``to`` in the person's
  time zone (a ``timezone`` or ``tz`` trait naming an IANA zone), else the window's own ``tz``.
- **Fatigue (DESIGN §6) across channels.** An answer to this survey, in the app or by e-mail,
  starts the cadence again: the next ask is ``every_days`` after it. Asks of one survey are at
  least half a turn apart. A dismissal within ``dismiss_snooze_days``, any prompt of the site
  shown (an e-mail sent counts as shown) within the site's cooldown, or an open prompt of this
  survey make the person wait. A turn the person could not be asked in at all is skipped.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CHANNELS = ("email", "widget_then_email")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: How long a ``widget_then_email`` ask waits for the person in the app before it is mailed.
DEFAULT_WIDGET_DAYS = 7
#: The scheduler runs every this many minutes: slots fall no later in the window than one run
#: before it closes, so that a run sees each of them inside the window.
TICK_MINUTES = 5
#: Traits that may name a person's time zone, in the order they are read.
TZ_TRAITS = ("timezone", "tz")

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_DAY_LIST = re.compile(r"^[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*$")


class ScheduleError(ValueError):
    """A schedule that cannot be kept; the message says what to write instead."""


def parse_days(text: str) -> frozenset[int]:
    """``"mon-fri"``, ``"mon,wed,fri"``, ``"sat-sun,wed"`` → weekday numbers (0 = Monday).
    A range wraps over the week's end: ``"fri-mon"`` is Friday to Monday."""
    spelled = text.strip().lower().replace(" ", "")
    if not _DAY_LIST.match(spelled):
        raise ScheduleError(
            f'Days as "mon-fri" or "mon,wed,fri" (mon tue wed thu fri sat sun), not {text!r}.'
        )
    days: set[int] = set()
    for part in spelled.split(","):
        first, _, last = part.partition("-")
        for name in (first, last or first):
            if name not in WEEKDAYS:
                raise ScheduleError(f"{name!r} is not a day: mon tue wed thu fri sat sun.")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        span = (end - start) % 7
        days.update((start + i) % 7 for i in range(span + 1))
    return frozenset(days)


def parse_time(text: str) -> time:
    """``"09:00"`` → ``time(9, 0)``; 24-hour ``HH:MM``."""
    found = _HHMM.match(text or "")
    if not found:
        raise ScheduleError(f"A time as HH:MM on the 24-hour clock, such as 09:00, not {text!r}.")
    return time(int(found[1]), int(found[2]))


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Helsinki``)."""
    return _zone(name)


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name:
        raise ScheduleError(f"{name!r} is not an IANA time zone such as Europe/Helsinki.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"{name!r} is not an IANA time zone such as Europe/Helsinki.") from None


def person_zone(traits: Mapping | None, fallback: str) -> str:
    """The time zone a person's traits name (``timezone`` or ``tz``), if valid; else ``fallback``."""
    for key in TZ_TRAITS:
        value = (traits or {}).get(key)
        if isinstance(value, str) and len(value) <= 64:
            try:
                _zone(value)
            except ScheduleError:
                continue
            return value
    return fallback


@dataclass(frozen=True)
class Schedule:
    every_days: int
    channel: str
    spread_days: int
    days: frozenset[int]
    start: time  # the window's "from"
    end: time  # the window's "to"
    tz: str
    reminder_days: int | None = None
    widget_days: int = DEFAULT_WIDGET_DAYS

    @classmethod
    def from_dict(cls, data: Mapping) -> Schedule:
        """The stored form (the API's ``schedule`` object); raises :class:`ScheduleError`."""
        window = data["send_window"]
        made = cls(
            every_days=int(data["every_days"]),
            channel=data["channel"],
            spread_days=int(data["spread_days"]),
            days=parse_days(window["days"]),
            start=parse_time(window["from"]),
            end=parse_time(window["to"]),
            tz=window["tz"],
            reminder_days=data.get("reminder_days"),
            widget_days=data.get("widget_days") or DEFAULT_WIDGET_DAYS,
        )
        made.check()
        return made

    def check(self) -> None:
        zone(self.tz)
        if self.channel not in CHANNELS:
            raise ScheduleError(f"channel is {' or '.join(CHANNELS)}.")
        if self.spread_days > self.every_days:
            raise ScheduleError(
                f"spread_days ({self.spread_days}) cannot be longer than every_days "
                f"({self.every_days}): the first asks would run into the second turn."
            )
        if not self.start < self.end:
            raise ScheduleError(
                f"The window's from ({self.start:%H:%M}) must be before its to ({self.end:%H:%M})."
            )
        if not self.days:
            raise ScheduleError("The window needs at least one day.")

    @property
    def every(self) -> timedelta:
        return timedelta(days=self.every_days)

    def window_minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


# -- positions and turns -----------------------------------------------------------------------


def hash_point(survey_id: str, user_id: str) -> int:
    """A stable number for this survey and person (the order of the spread)."""
    digest = hashlib.sha256(f"fiilis.schedule:{survey_id}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def first_day(schedule: Schedule, since: datetime, created_at: datetime) -> date:
    """The local day (the window's zone) a person's turns count from: the day the schedule was
    set, or the day the person was added when that is later."""
    start = max(_utc(since), _utc(created_at))
    return start.astimezone(zone(schedule.tz)).date()


def positions(survey_id: str, cohorts: Iterable[tuple[str, date]]) -> dict[str, float]:
    """Each person's place in the spread, in [0, 1): people who share a first day are ranked by
    :func:`hash_point` and spaced evenly."""
    by_day: dict[date, list[str]] = defaultdict(list)
    for user_id, day in cohorts:
        by_day[day].append(user_id)
    placed: dict[str, float] = {}
    for members in by_day.values():
        members.sort(key=lambda u: (hash_point(survey_id, u), u))
        count = len(members)
        for rank, user_id in enumerate(members):
            placed[user_id] = (rank + 0.5) / count
    return placed


@lru_cache(maxsize=4096)
def _window_days(days: frozenset[int], first: date, spread_days: int) -> tuple[date, ...]:
    found = tuple(
        first + timedelta(days=i)
        for i in range(spread_days)
        if (first + timedelta(days=i)).weekday() in days
    )
    if found:
        return found
    day = first + timedelta(days=spread_days)  # no window day in the spread: the next one
    while day.weekday() not in days:
        day += timedelta(days=1)
    return (day,)


def slot(schedule: Schedule, first: date, turn: int, position: float, tz: str) -> datetime:
    """When turn ``turn`` asks a person (UTC): their ``position`` in the window's minutes of the
    turn's first ``spread_days``, in their zone ``tz``."""
    return _slot(schedule, first, turn, position, tz)


def _slot(schedule: Schedule, first: date, turn: int, position: float, tz: str) -> datetime:
    openings = _openings(
        schedule.days,
        schedule.start,
        first + timedelta(days=turn * schedule.every_days),
        schedule.spread_days,
        tz,
    )
    scaled = position * len(openings)
    index = min(int(scaled), len(openings) - 1)
    usable = max(1, schedule.window_minutes() - TICK_MINUTES)
    return openings[index] + timedelta(minutes=int((scaled - index) * usable))


@lru_cache(maxsize=4096)
def _openings(
    days: frozenset[int], start: time, first: date, spread_days: int, tz: str
) -> tuple[datetime, ...]:
    """When the window opens (UTC) on each of its days in the spread. A window is read in the
    offset of its opening: a clock change inside it (never at 09:00–11:00 in Europe) moves its
    end by the hour."""
    return tuple(
        _local_to_utc(datetime.combine(day, start, zone(tz)), tz)
        for day in _window_days(days, first, spread_days)
    )


def turn_at(schedule: Schedule, first: date, position: float, tz: str, moment: datetime) -> int:
    """The last turn whose slot is at or before ``moment`` (0 before the first)."""
    origin = datetime.combine(first, time(0), UTC)
    turn = max(0, math.floor((_utc(moment) - origin) / schedule.every))
    while turn > 0 and _slot(schedule, first, turn, position, tz) > moment:
        turn -= 1
    while _slot(schedule, first, turn + 1, position, tz) <= moment:
        turn += 1
    return turn


# -- the send window ---------------------------------------------------------------------------


def in_window(schedule: Schedule, tz: str, moment: datetime) -> bool:
    local = _utc(moment).astimezone(zone(tz))
    return local.weekday() in schedule.days and schedule.start <= local.time() < schedule.end


def next_window_moment(schedule: Schedule, tz: str, moment: datetime) -> datetime:
    """``moment`` if it is inside the window, else the window's next opening (UTC)."""
    if in_window(schedule, tz, moment):
        return _utc(moment)
    local = _utc(moment).astimezone(zone(tz))
    day = local.date()
    for _ in range(8):
        opening = _local_to_utc(datetime.combine(day, schedule.start, zone(tz)), tz)
        if day.weekday() in schedule.days and opening >= _utc(moment):
            return opening
        day += timedelta(days=1)
    raise ScheduleError("The window has no days.")  # check() refuses such a schedule


def next_run(moment: datetime, *, after: datetime) -> datetime:
    """The scheduler's first run (every :data:`TICK_MINUTES`, on the clock) at or after
    ``moment`` and strictly after ``after`` (the run of ``after`` itself is under way)."""
    start = max(_utc(moment), _utc(after) + timedelta(microseconds=1))
    run = start.replace(second=0, microsecond=0)
    if run < start:
        run += timedelta(minutes=1)
    return run + timedelta(minutes=-run.minute % TICK_MINUTES)


def sent_at(schedule: Schedule, tz: str, due: datetime, now: datetime) -> datetime:
    """When a person due at ``due`` is asked, seen at ``now``: the first run after ``now``, at
    or after ``due``, inside the window in ``tz`` (never a moment already past)."""
    run = next_run(due, after=now)
    for _ in range(32):  # a window shorter than a run's step could miss a day or two
        if in_window(schedule, tz, run):
            return run
        run = next_run(next_window_moment(schedule, tz, run), after=run)
    return run


# -- who is due --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Person:
    """What the scheduler knows of one person for one survey."""

    user_id: str
    created_at: datetime
    email: str | None = None
    tz: str | None = None
    suppressed: bool = False
    last_turn: int | None = None  # the turn of this survey's last ask
    last_asked_at: datetime | None = None
    last_answered_at: datetime | None = None  # this survey, any channel
    last_dismissed_at: datetime | None = None  # this survey
    last_shown_at_any: datetime | None = None  # any prompt of the site (e-mails included)
    open_prompt: bool = False  # an open prompt of this survey


@dataclass(frozen=True, kw_only=True)
class Fatigue:
    cooldown_days: int = 7
    dismiss_snooze_days: int = 30


@dataclass(frozen=True)
class Verdict:
    """``ask`` now (for ``turn``), or not: ``reason`` and, when the person will be due,
    ``at`` (the earliest moment, before the window is applied)."""

    ask: bool
    turn: int | None = None
    at: datetime | None = None
    reason: str | None = None


#: Why a person is not asked now, in the order they are checked.
REASONS = (
    "no_email",
    "suppressed",
    "not_yet",
    "dismissed_recently",
    "cooldown",
    "already_pending",
    "outside_window",
)


def decide(
    schedule: Schedule,
    person: Person,
    *,
    first: date,
    position: float,
    fatigue: Fatigue,
    now: datetime,
) -> Verdict:
    """Whether to ask ``person`` now, and for which turn (see the module's rules)."""
    if schedule.channel == "email":
        if not person.email:
            return Verdict(False, reason="no_email")
        if person.suppressed:
            return Verdict(False, reason="suppressed")
    tz = person.tz or schedule.tz
    turn, due = earliest(schedule, person, first=first, position=position, tz=tz)
    if now < due:
        return Verdict(False, turn, due, "not_yet")
    for reason, last, days in (
        ("dismissed_recently", person.last_dismissed_at, fatigue.dismiss_snooze_days),
        ("cooldown", person.last_shown_at_any, fatigue.cooldown_days),
    ):
        if last is not None and days > 0 and now < _utc(last) + timedelta(days=days):
            return Verdict(False, turn, _utc(last) + timedelta(days=days), reason)
    if person.open_prompt:
        return Verdict(False, turn, None, "already_pending")
    if not in_window(schedule, tz, now):
        return Verdict(False, turn, next_window_moment(schedule, tz, now), "outside_window")
    return Verdict(True, turn, due)


def earliest(
    schedule: Schedule, person: Person, *, first: date, position: float, tz: str
) -> tuple[int, datetime]:
    """The person's next turn and the earliest moment it may ask."""
    turn = 0 if person.last_turn is None else person.last_turn + 1
    due = slot(schedule, first, turn, position, tz)
    if person.last_answered_at is not None:
        due = max(due, _utc(person.last_answered_at) + schedule.every)
    if person.last_asked_at is not None:
        due = max(due, _utc(person.last_asked_at) + schedule.every / 2)
    later = turn_at(schedule, first, position, tz, due)
    if later > turn:  # the turn passed without a chance to ask: skipped
        turn = later
        due = max(due, slot(schedule, first, turn, position, tz))
    return turn, due


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _local_to_utc(local: datetime, tz: str) -> datetime:
    # A wall time that does not exist (the hour skipped in spring) is read as after the change.
    back = local.astimezone(UTC).astimezone(zone(tz))
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        local = local.replace(fold=1)
    return local.astimezone(UTC)
