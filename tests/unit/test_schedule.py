"""Who a scheduled survey asks, and when (collector/domain/schedule.py), with plain values."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from collector.domain import schedule as rules

HELSINKI = "Europe/Helsinki"
SINCE = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # a Tuesday, 08:00 in Helsinki
QUARTERLY = {
    "every_days": 90,
    "channel": "email",
    "spread_days": 30,
    "send_window": {"days": "mon-fri", "from": "09:00", "to": "11:00", "tz": HELSINKI},
}


def schedule(**changes) -> rules.Schedule:
    window = {**QUARTERLY["send_window"], **changes.pop("send_window", {})}
    return rules.Schedule.from_dict({**QUARTERLY, **changes, "send_window": window})


def person(user_id="ana", **known) -> rules.Person:
    return rules.Person(user_id=user_id, created_at=SINCE, email=f"{user_id}@example.com", **known)


def local(moment: datetime, tz: str = HELSINKI) -> datetime:
    return moment.astimezone(rules.zone(tz))


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("sat-sun,wed", {2, 5, 6}),
        ("fri-mon", {4, 5, 6, 0}),
        ("Tue", {1}),
    ],
)
def test_days_are_ranges_or_lists_of_weekdays(text, days):
    assert rules.parse_days(text) == frozenset(days)


@pytest.mark.parametrize("text", ["", "monday", "mon-", "mon;fri", "mon-xyz", "1-5"])
def test_other_day_texts_are_refused_with_the_way_to_write_them(text):
    with pytest.raises(rules.ScheduleError, match="mon"):
        rules.parse_days(text)


def test_a_window_must_open_before_it_closes_and_a_spread_fit_in_a_turn():
    with pytest.raises(rules.ScheduleError, match="before"):
        schedule(send_window={"from": "11:00", "to": "09:00"})
    with pytest.raises(rules.ScheduleError, match="every_days"):
        schedule(spread_days=91)
    with pytest.raises(rules.ScheduleError, match="IANA"):
        schedule(send_window={"tz": "Mars/Olympus"})


def test_a_thousand_first_asks_spread_evenly_over_the_window_days():
    plan = schedule()
    first = rules.first_day(plan, SINCE, SINCE)
    people = [f"user-{i}" for i in range(1000)]
    placed = rules.positions("srv_1", [(p, first) for p in people])
    per_day = Counter()
    for p in people:
        at = local(rules.slot(plan, first, 0, placed[p], HELSINKI))
        assert at.weekday() < 5 and 9 <= at.hour < 11
        assert first <= at.date() < first + timedelta(days=30)
        per_day[at.date()] += 1
    assert len(per_day) == 22  # the weekdays of 30 days from a Tuesday
    assert set(per_day.values()) <= {45, 46}


def test_the_spread_is_the_same_on_every_run_and_every_turn_keeps_the_place():
    plan = schedule()
    first = rules.first_day(plan, SINCE, SINCE)
    people = [(f"user-{i}", first) for i in range(50)]
    assert rules.positions("srv_1", people) == rules.positions("srv_1", reversed(people))
    place = rules.positions("srv_1", people)["user-7"]
    turns = [local(rules.slot(plan, first, k, place, HELSINKI)) for k in range(4)]
    for earlier, later in itertools.pairwise(turns):
        assert abs((later - earlier) - timedelta(days=90)) < timedelta(days=5)
        assert later.weekday() < 5 and 9 <= later.hour < 11


def test_another_survey_orders_the_same_people_otherwise():
    people = [(f"user-{i}", date(2026, 12, 1)) for i in range(50)]
    assert rules.positions("srv_1", people) != rules.positions("srv_2", people)


def decide(plan, who, now, *, place=0.5, tired=None):
    first = rules.first_day(plan, SINCE, who.created_at)
    tired = tired or rules.Fatigue()
    return rules.decide(plan, who, first=first, position=place, fatigue=tired, now=now)


def test_a_person_is_asked_at_their_slot_inside_the_window_only():
    plan = schedule()
    first = rules.first_day(plan, SINCE, SINCE)
    at = rules.slot(plan, first, 0, 0.5, HELSINKI)
    assert decide(plan, person(), at - timedelta(minutes=5)).reason == "not_yet"
    assert decide(plan, person(), at) == rules.Verdict(True, 0, at)
    evening = local(at).replace(hour=18)
    assert decide(plan, person(), evening).reason == "outside_window"


def test_the_next_turn_comes_a_period_later_and_an_answer_starts_the_cadence_again():
    plan = schedule()
    first = rules.first_day(plan, SINCE, SINCE)
    asked = rules.slot(plan, first, 0, 0.5, HELSINKI)
    after_ask = person(last_turn=0, last_asked_at=asked)
    turn, due = rules.earliest(plan, after_ask, first=first, position=0.5, tz=HELSINKI)
    assert turn == 1 and due == rules.slot(plan, first, 1, 0.5, HELSINKI)
    answered_in_app = asked + timedelta(days=40)
    reset = person(last_turn=0, last_asked_at=asked, last_answered_at=answered_in_app)
    turn, due = rules.earliest(plan, reset, first=first, position=0.5, tz=HELSINKI)
    assert due == answered_in_app + timedelta(days=90)
    assert turn == 1


def test_a_turn_the_person_could_not_be_asked_in_is_skipped_not_doubled():
    plan = schedule()
    first = rules.first_day(plan, SINCE, SINCE)
    # Answered in the app on day 100 (turn 0 was never mailed): the next ask is on day 190,
    # inside turn 1 (which began on day 105 for this person): turn 0 is skipped.
    answered = SINCE + timedelta(days=100)
    who = person(last_answered_at=answered)
    turn, due = rules.earliest(plan, who, first=first, position=0.5, tz=HELSINKI)
    assert due == answered + timedelta(days=90)
    assert (
        rules.slot(plan, first, 1, 0.5, HELSINKI) <= due < rules.slot(plan, first, 2, 0.5, HELSINKI)
    )
    assert turn == 1


def test_fatigue_holds_across_channels_and_surveys():
    plan = schedule()
    first = rules.first_day(plan, SINCE, SINCE)
    at = rules.slot(plan, first, 0, 0.5, HELSINKI)
    shown_elsewhere = person(last_shown_at_any=at - timedelta(days=2))
    assert decide(plan, shown_elsewhere, at).reason == "cooldown"
    dismissed = person(last_dismissed_at=at - timedelta(days=3))
    assert decide(plan, dismissed, at).reason == "dismissed_recently"
    assert decide(plan, person(open_prompt=True), at).reason == "already_pending"


def test_email_needs_an_address_that_is_not_suppressed_the_widget_does_not():
    plan = schedule()
    first = rules.first_day(plan, SINCE, SINCE)
    at = rules.slot(plan, first, 0, 0.5, HELSINKI)
    nobody = rules.Person(user_id="x", created_at=SINCE)
    assert decide(plan, nobody, at).reason == "no_email"
    assert decide(plan, person(suppressed=True), at).reason == "suppressed"
    assert decide(schedule(channel="widget_then_email"), nobody, at).ask


def test_a_person_in_another_zone_is_asked_in_their_own_morning():
    plan = schedule()
    first = rules.first_day(plan, SINCE, SINCE)
    at = rules.slot(plan, first, 0, 0.5, "America/New_York")
    assert 9 <= local(at, "America/New_York").hour < 11
    assert decide(plan, person(tz="America/New_York"), at).ask
    assert rules.person_zone({"timezone": "America/New_York"}, HELSINKI) == "America/New_York"
    assert rules.person_zone({"tz": "Not/AZone"}, HELSINKI) == HELSINKI


def test_people_added_later_start_on_their_own_day():
    plan = schedule()
    joined = SINCE + timedelta(days=45)
    assert rules.first_day(plan, SINCE, joined) == local(joined).date()
    assert rules.first_day(plan, SINCE, SINCE - timedelta(days=400)) == local(SINCE).date()


def test_the_next_window_moment_skips_nights_and_weekends():
    plan = schedule()
    friday_noon = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # 12:00 in Helsinki
    opening = local(rules.next_window_moment(plan, HELSINKI, friday_noon))
    assert (opening.weekday(), opening.hour, opening.minute) == (0, 9, 0)


def test_an_ask_goes_out_at_the_next_run_on_the_clock_never_at_a_moment_past():
    plan = schedule()
    thursday = datetime(2026, 12, 3, 8, 2, 30, tzinfo=UTC)  # 10:02:30 in Helsinki
    long_due = SINCE - timedelta(days=20)
    assert rules.sent_at(plan, HELSINKI, long_due, thursday) == thursday.replace(minute=5, second=0)
    on_a_run = thursday.replace(minute=5, second=0)  # that run is under way: the one after
    assert rules.next_run(on_a_run, after=on_a_run) == on_a_run + timedelta(minutes=5)
    later_today = thursday.replace(minute=40, second=0)
    assert rules.sent_at(plan, HELSINKI, later_today, thursday) == later_today


def test_a_person_due_as_the_window_closes_is_asked_when_it_next_opens():
    plan = schedule()
    friday = datetime(2026, 12, 4, 8, 57, tzinfo=UTC)  # 10:57: the 11:00 run is outside it
    sent = local(rules.sent_at(plan, HELSINKI, friday - timedelta(hours=1), friday))
    assert (sent.weekday(), sent.hour, sent.minute) == (0, 9, 0)  # Monday morning


def test_over_a_week_the_moment_shown_is_always_ahead_and_inside_the_window():
    plan = schedule(send_window={"from": "09:03", "to": "11:00"})
    week = [SINCE + timedelta(minutes=7 * i, seconds=13) for i in range(7 * 24 * 60 // 7)]
    for now, due in itertools.product(week[::17], (SINCE - timedelta(days=3), SINCE)):
        sent = rules.sent_at(plan, HELSINKI, due, now)
        assert sent > now and sent >= due
        assert rules.in_window(plan, HELSINKI, sent)
        assert sent.minute % rules.TICK_MINUTES == 0 and sent.second == 0
