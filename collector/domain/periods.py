"""Periods of a metrics series: intervals (day, week, month) cut at local midnights.

Interval boundaries are local midnights computed with ``zoneinfo``, so a series is exact across
daylight-saving changes, and no per-row date function runs in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

INTERVALS = ("day", "week", "month")
#: A series has at most this many intervals (a daily series of about 2¾ years).
MAX_INTERVALS = 1000


class TooManyIntervals(ValueError):
    def __init__(self, limit: int, interval: str):
        super().__init__(
            f"interval: this period has more than {limit} {interval}s; "
            "choose a longer interval or a shorter period (since, until)."
        )


@dataclass(frozen=True)
class Bucket:
    """One interval of a series: ``start`` is its local start; answers count in ``[lo, hi)``."""

    start: datetime
    lo: datetime
    hi: datetime


def _floor(day: date, interval: str) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if interval == "month":
        return day.replace(day=1)
    return day


def _following(day: date, interval: str) -> date:
    if interval == "week":
        return day + timedelta(days=7)
    if interval == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    # fold=0: where DST skips midnight, the day starts at the first instant that exists.
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def buckets(
    since: datetime, until: datetime, interval: str, tz: ZoneInfo, *, limit: int = MAX_INTERVALS
) -> list[Bucket]:
    """The intervals covering ``[since, until)``, cut at local midnights of ``tz``.

    Every interval is listed, empty or not. The first and last are clipped to the period, so the
    intervals' answers add up to the period's. More than ``limit`` raises :class:`TooManyIntervals`.
    """
    out: list[Bucket] = []
    if since >= until:
        return out
    day = _floor(since.astimezone(tz).date(), interval)
    start = _midnight(day, tz)
    while start < until:
        if len(out) == limit:
            raise TooManyIntervals(limit, interval)
        day = _following(day, interval)
        end = _midnight(day, tz)
        out.append(Bucket(start.astimezone(tz), max(start, since), min(end, until)))
        start = end
    return out
