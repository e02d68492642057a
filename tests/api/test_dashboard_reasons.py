"""Reasons in the dashboard: the score per reason on a survey's report (the API's
``group_by=reason``), the reasons that moved on the report and the review, and the Reason filter of
the Responses list."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.test_dashboard_report import api, group_rows, page, shown_period
from tests.api.test_dashboard_reviews import answers, text
from tests.api.test_team import logged_in
from tests.factories import Rows

REASONS = {
    "choices": [
        {"id": "price", "label": {"en": "Price", "fi": "Hinta"}},
        {"id": "speed", "label": {"en": "Speed"}},
        {"id": "support", "label": {"en": "Support"}},
    ],
    "multiple": True,
}
NOW = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)


@pytest.fixture
def viewer(app, site):
    return logged_in(app, site, "val@acme.test", "viewer")


@pytest.fixture
def rows(app, site):
    return Rows(app, site)


@pytest.fixture
def survey(rows):
    """A CSAT survey, 100 answers 40 days ago and 100 four days ago. Before, "price" was given by
    10 of the 50 answers with a reason; now by 40 of 61, and with lower scores. "speed" is given
    by 20 before and 21 now, "support" by 20 before and none now; one answer gave "onboarding", a choice since removed."""
    made = rows.survey("csat", name="Checkout CSAT", reasons=REASONS)
    before = rows.responses(made, answers({2: 20, 4: 80}, NOW - timedelta(days=40)))
    after = rows.responses(made, answers({2: 40, 4: 60}, NOW - timedelta(days=4)))
    # `answers` lists the 2s first: before[:20] and after[:40] are the low scores.
    for rid in before[20:30]:
        rows.reasons(rid, "price")
    for rid in before[30:50]:
        rows.reasons(rid, "speed")
    for rid in before[50:70]:
        rows.reasons(rid, "support")
    for rid in after[:40]:
        rows.reasons(rid, "price")
    for rid in after[40:60]:
        rows.reasons(rid, "speed")
    rows.reasons(after[0], "speed")  # two reasons: counts under both
    rows.reasons(after[99], "onboarding")
    return made


def test_score_by_reason_is_the_apis_group_by_reason_with_the_labels(viewer, client, site, survey):
    html = page(viewer, survey)
    expected = api(client, site, survey=survey, group_by="reason", **shown_period(html))
    wanted = {
        ("" if g["key"] is None else g["key"]): (g["n"], g["score"]) for g in expected["groups"]
    }
    assert wanted["price"] == (40, 0.0) and wanted["speed"] == (21, pytest.approx(95.2, 0.01))
    assert wanted["onboarding"][0] == 1 and wanted[""][0] == 39
    assert group_rows(html, f"r-{survey}-reasons") == wanted
    assert list(group_rows(html, f"r-{survey}-reasons"))[-1] == ""  # "No reason given" last
    table = html[html.index(f'data-groups="r-{survey}-reasons"') :].split("</table>")[0]
    cell = re.sub(r"\s+", " ", table)
    assert ">Price</th>" in cell and ">Speed</th>" in cell
    assert "Hinta" not in cell  # the dashboard speaks English
    assert '<code class="event">onboarding</code> <span class="muted">(no longer offered)' in cell
    assert "No reason given" in cell


def test_the_reasons_that_moved_show_share_and_score_on_the_report_and_the_review(viewer, survey):
    report = text(viewer.get(f"/dashboard/surveys/{survey}/report"))
    review = text(viewer.get("/dashboard/review"))
    review = review[review.index(f'data-survey="{survey}"') :]
    for html in (report, review):
        moved = html[html.index("Reasons that moved") :].split("</table>")[0]
        assert "Of the 50 answers with a reason before and 61 now." in moved
        rows = re.findall(r'<tr data-reason="([^"]+)"', moved)
        assert rows[0] == "price"  # 20 % → 65.6 %: the largest move, beyond chance
        price = moved[moved.index('data-reason="price"') :].split("</tr>")[0]
        assert '20 %</span> <span class="rm-sub">(10)</span>' in price
        assert '66 %</span> <span class="rm-sub">(40)</span>' in price
        assert "+46 points" in price and "Beyond chance" in price
        # Its score: 10 satisfied of 10 before, none of 40 now.
        assert 'data-score-verdict="beyond_chance"' in price and "−100 points" in price
        support = moved[moved.index('data-reason="support"') :].split("</tr>")[0]
        assert "Too few answers" in support  # nobody gave it now: no score to compare
        assert "(no longer offered)" in moved  # "onboarding", from 0 to 1


def test_too_few_answers_with_a_reason_say_so_instead_of_a_table(viewer, rows):
    made = rows.survey("nps", name="Quiet NPS", reasons=REASONS)
    for rid in rows.responses(made, answers({9: 30}, NOW - timedelta(days=40)))[:9]:
        rows.reasons(rid, "price")
    for rid in rows.responses(made, answers({9: 30}, NOW - timedelta(days=4)))[:25]:
        rows.reasons(rid, "price")
    for html in (
        text(viewer.get(f"/dashboard/surveys/{made}/report")),
        text(viewer.get("/dashboard/review")),
    ):
        assert (
            "Too few answers with a reason to compare: 9 before, 25 now (10 needed in each period)."
            in html
        )
        assert 'class="num-table reasons-moved"' not in html


def test_a_survey_that_never_had_reasons_shows_no_reason_blocks(viewer, rows):
    made = rows.survey("nps", name="Plain NPS")
    rows.responses(made, answers({9: 5, 3: 5}, NOW - timedelta(days=2)))
    assert "reason" not in text(viewer.get(f"/dashboard/surveys/{made}/report")).lower()
    assert "Reasons that moved" not in text(viewer.get("/dashboard/review"))


def test_a_survey_with_reasons_but_no_answers_with_one_says_so(viewer, rows):
    made = rows.survey("csat", name="New CSAT", reasons=REASONS)
    rows.responses(made, answers({5: 3}, NOW - timedelta(days=2)))
    html = text(viewer.get(f"/dashboard/surveys/{made}/report"))
    assert "Score by reason" in html and "No answers with a reason in this period." in html


def test_the_responses_list_filters_by_a_reason_chosen_by_its_label(viewer, rows):
    made = rows.survey("nps", name="Checkout NPS", reasons=REASONS)
    other = rows.survey(
        "csat",
        name="Support CSAT",
        reasons={"choices": [{"id": "price", "label": {"en": "Cost"}}], "multiple": False},
    )
    price = rows.response(made, 2, comment="Too dear", at=NOW - timedelta(hours=1))
    rows.reasons(price, "price", "speed")
    slow = rows.response(made, 4, comment="Slow page", at=NOW - timedelta(hours=2))
    rows.reasons(slow, "speed")
    rows.response(made, 3, comment="No reason here", at=NOW - timedelta(hours=3))
    cost = rows.response(other, 1, comment="Expensive plan", at=NOW - timedelta(hours=4))
    rows.reasons(cost, "price")

    listing = text(viewer.get("/dashboard/responses"))
    select = listing[listing.index('<select id="f-reason"') :].split("</select>")[0]
    # One option per id; an id two surveys share shows both labels.
    assert re.findall(r'<option value="(\w*)">([^<]+)<', select) == [
        ("", "Any reason"),
        ("price", "Cost / Price"),
        ("speed", "Speed"),
        ("support", "Support"),
    ]
    assert "Reasons: </span>Price · Speed" in listing

    found = text(viewer.get("/dashboard/responses", query_string={"reason": "price"}))
    assert "Too dear" in found and "Expensive plan" in found
    assert "Slow page" not in found and "No reason here" not in found
    assert '<option value="price" selected>' in found
    assert re.search(r'<strong class="num">2</strong> responses match', found)

    one = text(
        viewer.get("/dashboard/responses", query_string={"reason": "price", "survey": other})
    )
    assert "Expensive plan" in one and "Too dear" not in one
    only = one[one.index('<select id="f-reason"') :].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)"', only) == ["price"]  # that survey's choices

    csv = viewer.get("/dashboard/responses.csv", query_string={"reason": "speed"})
    body = csv.get_data().decode("utf-8-sig")
    assert body.count("\r\n") == 3  # the header and the two answers that gave "speed"
    assert "price,speed" in body


def test_the_reason_filter_never_shows_another_sites_answers(app, viewer, other_site):
    theirs = Rows(app, other_site)
    rid = theirs.response(theirs.survey("nps", reasons=REASONS), 2, comment="Their answer")
    theirs.reasons(rid, "price")
    found = text(viewer.get("/dashboard/responses", query_string={"reason": "price"}))
    assert "Their answer" not in found
    assert re.search(r'<strong class="num">0</strong> responses match', found)


def test_a_responses_page_names_its_reasons_and_links_to_the_others(viewer, rows):
    made = rows.survey("nps", reasons=REASONS)
    rid = rows.response(made, 3, comment="Meh")
    rows.reasons(rid, "support", "price")
    html = text(viewer.get(f"/dashboard/responses/{rid}"))
    chips = html[html.index('class="tag-list reason-list"') :].split("</ul>")[0]
    assert re.findall(r"reason=(\w+)[^>]*>([^<]+)</a>", chips) == [
        ("price", "Price"),
        ("support", "Support"),
    ]
