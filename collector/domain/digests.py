"""When a dashboard account's digest is due, and which period it covers (pure; DESIGN §11).

A digest covers whole local days of the account's time zone: a daily one the day before it is
sent, a weekly one the seven days before its weekday. It is sent at the chosen local hour; a
worker that was down sends the latest period once when it is back, never the missed ones in a
row, and never one period twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FREQUENCIES = ("daily", "weekly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Period:
    """``[since, until)`` in UTC, and the local days it covers (``first``…``last``)."""

    since: datetime
    until: datetime
    first: date
    last: date
    tz: ZoneInfo

    def previous(self) -> Period:
        days = (self.last - self.first).days + 1
        first = self.first - timedelta(days=days)
        return Period(
            _midnight(first, self.tz), self.since, first, self.first - timedelta(1), self.tz
        )

    def label(self) -> str:
        """``Tue 1 Dec 2026 (Europe/Helsinki)`` or ``Mon 23 Nov – Sun 29 Nov 2026 (UTC)``."""

        def day(d: date, year: bool) -> str:
            return f"{d:%a} {d.day} {d:%b}" + (f" {d.year}" if year else "")

        if self.first == self.last:
            text = day(self.first, True)
        else:
            text = f"{day(self.first, self.first.year != self.last.year)} – {day(self.last, True)}"
        return f"{text} ({self.tz.key})"


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def _send_instant(day: date, hour: int, tz: ZoneInfo) -> datetime:
    # A local hour skipped by a DST change is read with the offset before it (fold=0).
    return datetime.combine(day, time(hour), tz).astimezone(UTC)


def latest_period(
    frequency: str, *, weekday: int, hour: int, tz: ZoneInfo, now: datetime
) -> Period | None:
    """The period of the most recent send instant at or before ``now``."""
    local_today = now.astimezone(tz).date()
    for back in range(0, 8 if frequency == "weekly" else 2):
        day = local_today - timedelta(days=back)
        if frequency == "weekly" and day.weekday() != weekday:
            continue
        if _send_instant(day, hour, tz) <= now:
            days = 7 if frequency == "weekly" else 1
            first = day - timedelta(days=days)
            return Period(_midnight(first, tz), _midnight(day, tz), first, day - timedelta(1), tz)
    return None


def due(
    frequency: str,
    *,
    weekday: int,
    hour: int,
    tz: ZoneInfo,
    now: datetime,
    last_period_end: datetime | None,
) -> Period | None:
    """The period to send now, or ``None`` when the latest one was already sent."""
    period = latest_period(frequency, weekday=weekday, hour=hour, tz=tz, now=now)
    if period is None or (last_period_end is not None and period.until <= last_period_end):
        return None
    return period
