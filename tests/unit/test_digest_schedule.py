"""When a digest is due, in the account's time zone, and which days it covers."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from collector.domain import digests

HELSINKI = ZoneInfo("Europe/Helsinki")
MONDAY = 0


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_weekly_digest_is_due_at_the_local_hour_of_its_weekday_for_the_week_before():
    # Monday 30 Nov 2026, 08:00 in Helsinki is 06:00 UTC.
    before = at("2026-11-30T07:59:00+02:00")
    assert (
        digests.due(
            "weekly",
            weekday=MONDAY,
            hour=8,
            tz=HELSINKI,
            now=before,
            last_period_end=at("2026-11-23T00:00:00+02:00"),
        )
        is None
    )
    period = digests.due(
        "weekly",
        weekday=MONDAY,
        hour=8,
        tz=HELSINKI,
        now=at("2026-11-30T08:00:00+02:00"),
        last_period_end=at("2026-11-23T00:00:00+02:00"),
    )
    assert (period.first, period.last) == (date(2026, 11, 23), date(2026, 11, 29))
    assert period.since == at("2026-11-23T00:00:00+02:00")
    assert period.until == at("2026-11-30T00:00:00+02:00")
    assert period.label() == "Mon 23 Nov – Sun 29 Nov 2026 (Europe/Helsinki)"


def test_a_sent_period_is_not_due_again_and_a_late_worker_sends_only_the_latest():
    sent_until = at("2026-11-30T00:00:00+02:00")
    kwargs = dict(weekday=MONDAY, hour=8, tz=HELSINKI)
    later_that_day = at("2026-11-30T15:00:00+02:00")
    assert digests.due("weekly", now=later_that_day, last_period_end=sent_until, **kwargs) is None
    # The worker was down for two weeks: one digest, for the week just ended.
    late = digests.due(
        "weekly", now=at("2026-12-15T09:00:00+02:00"), last_period_end=sent_until, **kwargs
    )
    assert (late.first, late.last) == (date(2026, 12, 7), date(2026, 12, 13))


def test_daily_digest_covers_yesterday_and_the_previous_period_the_day_before():
    period = digests.due(
        "daily",
        weekday=0,
        hour=7,
        tz=ZoneInfo("America/New_York"),
        now=at("2026-12-02T07:30:00-05:00"),
        last_period_end=None,
    )
    assert (period.first, period.last) == (date(2026, 12, 1), date(2026, 12, 1))
    assert period.since == at("2026-12-01T00:00:00-05:00")
    assert period.label() == "Tue 1 Dec 2026 (America/New_York)"
    before = period.previous()
    assert (before.first, before.last, before.until) == (
        date(2026, 11, 30),
        date(2026, 11, 30),
        period.since,
    )


def test_a_week_across_a_dst_change_is_seven_local_days():
    period = digests.latest_period(
        "weekly", weekday=MONDAY, hour=8, tz=HELSINKI, now=at("2026-10-26T12:00:00+02:00")
    )
    assert period.since == at("2026-10-19T00:00:00+03:00")
    assert period.until == at("2026-10-26T00:00:00+02:00")
    assert (period.until - period.since).total_seconds() == 7 * 24 * 3600 + 3600
