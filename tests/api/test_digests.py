"""The account digest: its figures are ``/v1/metrics`` for the same period, in the account's
time zone; its low-score comments and follow-ups are those of every site the account is on, in
one e-mail."""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from collector import db
from collector.dashboard import charts
from collector.domain import digests as schedule
from collector.domain import numbers
from collector.models import Account, Site
from collector.services import accounts, digests
from tests.factories import Rows

HELSINKI = ZoneInfo("Europe/Helsinki")
# Monday 30 Nov 2026 08:00 in Helsinki: the weekly digest for 23–29 Nov is due.
SEND_AT = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=HELSINKI).astimezone(UTC)


@pytest.fixture
def account(app, site):
    with app.app_context():
        session = db.session()
        owner = session.get(Site, site.site_id)
        return accounts.create(session, owner, email="ada@acme.test", password="long password 1").id


def build(app, account_id, now=SEND_AT):
    with app.app_context():
        session = db.session()
        account = session.get(Account, account_id)
        digests.subscribe(
            session,
            account,
            frequency="weekly",
            weekday=0,
            hour=8,
            tz="Europe/Helsinki",
            now=datetime(2026, 11, 1, tzinfo=UTC),
        )
        ((_, _, period),) = digests.due(session, now)
        (digest,) = digests.build(session, account, "weekly", period)  # one site, one section
        return period, digest


def test_digest_figures_equal_v1_metrics_for_the_same_period(app, client, site, account):
    rows = Rows(app, site)
    nps = rows.survey("nps", name="Checkout NPS")
    # In the week, in Helsinki time: the first answer is Monday 00:30 local (Sunday UTC).
    for score, at in [
        (10, local(2026, 11, 23, 0, 30)),
        (2, local(2026, 11, 25, 12)),
        (9, local(2026, 11, 29, 23, 30)),
        (6, local(2026, 11, 27, 9)),
    ]:
        rows.response(nps, score, at=at)
    rows.prompt(nps, status="dismissed", at=local(2026, 11, 24, 10))
    # The week before, and one just after the period (Monday 00:10 local): not this week's.
    for score in (0, 3, 10):
        rows.response(nps, score, at=local(2026, 11, 18, 12))
    rows.response(nps, 0, at=local(2026, 11, 30, 0, 10))

    period, digest = build(app, account)
    assert period.label() == "Mon 23 Nov – Sun 29 Nov 2026 (Europe/Helsinki)"
    api = client.get(
        "/v1/metrics",
        query_string={
            "survey": nps,
            "since": period.since.isoformat(),
            "until": period.until.isoformat(),
            "tz": "Europe/Helsinki",
        },
        headers=site.auth,
    ).get_json()
    before = client.get(
        "/v1/metrics",
        query_string={
            "survey": nps,
            "since": "2026-11-16T00:00:00+02:00",
            "until": "2026-11-23T00:00:00+02:00",
        },
        headers=site.auth,
    ).get_json()
    assert api["n"] == 4 and before["n"] == 3

    (figures,) = digest.surveys
    assert figures.name == "Checkout NPS"
    assert figures.n == api["n"]
    assert figures.score == charts.format_score("nps", api["score"])
    assert figures.interval == charts.format_interval("nps", api["ci95"])
    assert figures.response_rate == numbers.rate(api["response_rate"])
    delta = api["score"] - before["score"]
    assert figures.change.startswith(f"{numbers.change('nps', delta)} since the previous week")
    # 4 answers against 3: the interval of the change is wide, and the digest says so.
    assert re.search(r"\. Within noise \(95 % interval −\d+ to \+\d+\)\.$", figures.change)


def test_digest_lists_new_low_comments_and_the_accounts_open_followups(
    app, site, other_site, account
):
    rows = Rows(app, site)
    csat = rows.survey("csat", name="Support CSAT")
    rows.response(csat, 1, comment="Nobody answered", at=local(2026, 11, 24, 9))
    rows.response(csat, 5, comment="Lovely", at=local(2026, 11, 24, 10))
    rows.response(csat, 2, comment="   ", at=local(2026, 11, 24, 11))
    rows.response(csat, 2, comment="Old news", at=local(2026, 11, 10, 11))
    rows.response(
        csat,
        1,
        comment="Call me",
        at=local(2026, 11, 2, 11),
        followup_owner="Ada@acme.test",
        followup_status="in_progress",
        followup_note="Left a voicemail",
    )
    rows.response(
        csat,
        2,
        comment="Closed one",
        at=local(2026, 11, 2, 12),
        followup_owner="ada@acme.test",
        followup_status="closed",
    )
    rows.response(
        csat, 2, comment="Someone else's", at=local(2026, 11, 2, 13), followup_owner="bob@acme.test"
    )
    theirs = Rows(app, other_site).survey("csat")
    Rows(app, other_site).response(
        theirs, 1, comment="Other site", at=local(2026, 11, 24, 9), followup_owner="ada@acme.test"
    )

    _, digest = build(app, account)
    assert [a.comment for a in digest.low_comments] == ["Nobody answered"]
    assert digest.low_comments[0].when == "Tue 24 Nov 2026 09:00 (Europe/Helsinki)"
    assert digest.low_comments[0].band == "Dissatisfied"
    assert [(f.comment, f.status, f.note) for f in digest.followups] == [
        ("Call me", "In progress", "Left a voicemail")
    ]


def test_a_digest_is_due_once_per_period_at_the_accounts_hour(app, account):
    with app.app_context():
        session = db.session()
        acc = session.get(Account, account)
        digests.subscribe(
            session,
            acc,
            frequency="weekly",
            weekday=0,
            hour=8,
            tz="Europe/Helsinki",
            now=datetime(2026, 11, 25, tzinfo=UTC),
        )
        assert digests.due(session, datetime(2026, 11, 30, 5, 59, tzinfo=UTC)) == []
        ((_, row, period),) = digests.due(session, SEND_AT)
        row.last_period_end = period.until
        session.commit()
        assert digests.due(session, datetime(2026, 11, 30, 12, tzinfo=UTC)) == []
        assert isinstance(period, schedule.Period)


def test_the_digest_arrives_by_smtp_with_the_metrics_numbers_in_both_parts_once(
    app, client, site, account, smtp_server, worker
):
    from collector import alerting

    app.config["SMTP_URL"] = smtp_server.url
    rows = Rows(app, site)
    csat = rows.survey("csat", name="Support CSAT")
    for score, day in [(5, 23), (4, 24), (1, 25), (2, 26), (5, 27)]:
        rows.response(csat, score, at=local(2026, 11, day, 9), comment=f"day {day}")
    rows.response(csat, 1, at=local(2026, 11, 17, 9))  # the week before
    with app.app_context():
        session = db.session()
        digests.subscribe(
            session,
            session.get(Account, account),
            frequency="weekly",
            weekday=0,
            hour=8,
            tz="Europe/Helsinki",
            now=datetime(2026, 11, 1, tzinfo=UTC),
        )
        assert alerting.send_account_digests(SEND_AT) == 1
        assert alerting.send_account_digests(SEND_AT) == 0  # a second run or a second worker
    worker.drain()
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "ada@acme.test"
    assert message["Subject"] == (
        "Weekly feedback digest for Acme: Mon 23 Nov – Sun 29 Nov 2026 (Europe/Helsinki)"
    )
    api = client.get(
        "/v1/metrics",
        query_string={
            "survey": csat,
            "since": "2026-11-23T00:00:00+02:00",
            "until": "2026-11-30T00:00:00+02:00",
        },
        headers=site.auth,
    ).get_json()
    text = message.get_body(("plain",)).get_content()
    html_part = message.get_body(("html",)).get_content()
    for part in (text, html_part):
        assert charts.format_score("csat", api["score"]) in part  # 60 %
        assert charts.format_interval("csat", api["ci95"]) in part
        assert f"{api['n']} answers" in part
        assert "day 25" in part and "day 26" in part and "day 23" not in part
    assert "Wed 25 Nov 2026 09:00 (Europe/Helsinki)" in text


def test_an_account_on_two_sites_gets_one_digest_with_each_sites_numbers(
    app, client, site, other_site, account, smtp_server, worker
):
    from collector import alerting

    app.config.update(SMTP_URL=smtp_server.url, PUBLIC_URL="https://feedback.acme.test")
    mine, theirs = Rows(app, site), Rows(app, other_site)
    acme = mine.survey("csat", name="Acme CSAT")
    other = theirs.survey("nps", name="Other NPS")
    for score, day in [(5, 23), (1, 25)]:
        mine.response(acme, score, at=local(2026, 11, day, 9), comment=f"acme {day}")
    for score, day in [(10, 24), (9, 26), (2, 27)]:
        theirs.response(other, score, at=local(2026, 11, day, 9), comment=f"other {day}")
    with app.app_context():
        session = db.session()
        acc = session.get(Account, account)
        accounts.join(session, acc, session.get(Site, other_site.site_id), "viewer")
        session.commit()
        digests.subscribe(
            session,
            acc,
            frequency="weekly",
            weekday=0,
            hour=8,
            tz="Europe/Helsinki",
            now=datetime(2026, 11, 1, tzinfo=UTC),
        )
        assert alerting.send_account_digests(SEND_AT) == 1  # one e-mail for both sites
    worker.drain()
    (message,) = smtp_server.wait_for(1)
    assert " ".join(message["Subject"].split()) == (  # a long subject is folded
        "Weekly feedback digest for Acme and Other Corp: "
        "Mon 23 Nov – Sun 29 Nov 2026 (Europe/Helsinki)"
    )
    week = {"since": "2026-11-23T00:00:00+02:00", "until": "2026-11-30T00:00:00+02:00"}
    numbers = {}
    for keys, survey, kind in [(site, acme, "csat"), (other_site, other, "nps")]:
        api = client.get(
            "/v1/metrics", query_string={"survey": survey, **week}, headers=keys.auth
        ).get_json()
        numbers[kind] = charts.format_score(kind, api["score"]), f"{api['n']} answers"
    assert numbers["nps"][1] == "3 answers" and numbers["csat"][1] == "2 answers"
    text = message.get_body(("plain",)).get_content()
    html_part = message.get_body(("html",)).get_content()
    for part in (text, html_part):
        acme_at, other_at = part.index("Acme CSAT"), part.index("Other NPS")
        # Each site's section has its own survey's numbers and low comments, Acme first (by name).
        assert acme_at < part.index(numbers["csat"][0]) < other_at < part.index(numbers["nps"][0])
        assert numbers["csat"][1] in part and numbers["nps"][1] in part
        assert "acme 25" in part and "other 27" in part
        assert "acme 23" not in part and "other 24" not in part  # not low scores


def test_a_digest_link_to_another_sites_response_opens_it_on_that_site(
    app, client, site, other_site, account
):
    theirs = Rows(app, other_site)
    response_id = theirs.response(theirs.survey("nps", name="Other NPS"), 2, comment="Slow")
    with app.app_context():
        session = db.session()
        acc = session.get(Account, account)
        accounts.join(session, acc, session.get(Site, other_site.site_id), "viewer")
        session.commit()
    from tests.api.test_dashboard import log_in

    assert log_in(client, "ada@acme.test", "long password 1").status_code in (302, 303)
    # The session is on Acme, the account's first site by name.
    assert client.get(f"/dashboard/responses/{response_id}").status_code == 302
    opened = client.get(f"/dashboard/responses/{response_id}", follow_redirects=True)
    assert opened.status_code == 200
    assert "Slow" in opened.get_data(as_text=True)


def test_a_digest_sections_more_link_lists_that_sites_answers(
    app, client, site, other_site, account
):
    mine, theirs = Rows(app, site), Rows(app, other_site)
    mine.response(mine.survey("nps", name="Acme NPS"), 1, comment="Acme complaint")
    theirs.response(theirs.survey("nps", name="Other NPS"), 2, comment="Other complaint")
    with app.app_context():
        session = db.session()
        acc = session.get(Account, account)
        accounts.join(session, acc, session.get(Site, other_site.site_id), "viewer")
        session.commit()
        period = schedule.latest_period("weekly", weekday=0, hour=8, tz=HELSINKI, now=SEND_AT)
        sections = digests.build(session, acc, "weekly", period)
    links = {d.site: urlsplit(d.dashboard_link) for d in sections}
    from tests.api.test_dashboard import log_in

    assert log_in(client, "ada@acme.test", "long password 1").status_code in (302, 303)
    other = links["Other Corp"]
    listed = client.get(f"{other.path}?{other.query}", follow_redirects=True)
    assert "Other complaint" in listed.get_data(as_text=True)
    assert "Acme complaint" not in listed.get_data(as_text=True)
    acme = links["Acme"]
    back = client.get(f"{acme.path}?{acme.query}", follow_redirects=True)
    assert "Acme complaint" in back.get_data(as_text=True)
    # A site the account is not on is not switched to.
    assert client.get("/dashboard/responses?site=site_nope").status_code == 404
