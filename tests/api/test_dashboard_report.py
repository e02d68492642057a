"""A survey's report page: its figures are the API's, its comparison the Review page's, and it
stays open for paused and archived surveys but never for another site's."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.api.test_dashboard_reviews import AFTER, BEFORE, answers, tag
from tests.api.test_team import logged_in
from tests.factories import Rows

PLANS = ["free", "pro", "team", None]


@pytest.fixture
def viewer(app, site):
    return logged_in(app, site, "val@acme.test", "viewer")


@pytest.fixture
def survey(app, site):
    """A CSAT survey: 200 answers 40 days ago, 200 five days ago with plans and seats, a few
    low scores with comments, and two tags."""
    rows = Rows(app, site)
    made = rows.survey("csat", name="Invoice CSAT")
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    rows.responses(made, answers(BEFORE, today - timedelta(days=40)))
    rng = random.Random(23)
    recent = [
        {
            **a,
            "at": today - timedelta(days=rng.randrange(1, 20)),
            "traits": {} if PLANS[i % 4] is None else {"plan": PLANS[i % 4], "seats": i % 3},
        }
        for i, a in enumerate(answers(AFTER, today))
    ]
    ids = rows.responses(made, recent)
    tag(app, site, made, ids[:30], "pricing")
    tag(app, site, made, ids[20:60], "pdf")
    for days, comment in [(3, "The PDF never arrives"), (2, "Too slow"), (1, "Broken link")]:
        rows.response(made, 1, at=today - timedelta(days=days), comment=comment, user_id="x")
    return made


def page(client, survey_id, **args):
    resp = client.get(f"/dashboard/surveys/{survey_id}/report", query_string=args)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    return resp.get_data(as_text=True)


def api(client, site, **params):
    resp = client.get("/v1/metrics", query_string=params, headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def shown_period(html) -> dict:
    found = re.search(r'data-since="([\d-]+)" data-until="([\d-]+)"', html)
    return {"since": found[1], "until": found[2]}


def group_rows(html, table) -> dict:
    body = html[html.index(f'data-groups="{table}"') :]
    body = body[: body.index("</table>")]
    return {
        key: (int(n), float(score) if score else None)
        for key, score, n in re.findall(
            r'data-key="([^"]*)" data-score="([^"]*)" data-n="(\d+)"', body
        )
    }


@pytest.mark.parametrize("chosen", [{"period": "30d"}, {"period": "7d", "interval": "day"}])
def test_the_reports_score_is_the_apis_for_the_same_survey_and_period(
    viewer, client, site, survey, chosen
):
    html = page(viewer, survey, **chosen)
    period = shown_period(html)
    expected = api(client, site, survey=survey, **period)
    shown = re.search(r'class="kpi-value num" data-score="([^"]*)"', html)[1]
    assert expected["n"] > 0
    assert float(shown) == expected["score"]
    assert f'data-n="{expected["n"]}"' in html


def test_score_by_trait_plan_is_the_apis_group_by_trait(viewer, client, site, survey):
    html = page(viewer, survey, trait="plan")
    # The select offers every trait name on the period's answers, the chosen one selected.
    assert '<option value="plan" selected>plan</option>' in html
    assert '<option value="seats">seats</option>' in html
    expected = api(client, site, survey=survey, group_by="trait:plan", **shown_period(html))
    wanted = {
        ("" if g["key"] is None else g["key"]): (g["n"], g["score"]) for g in expected["groups"]
    }
    assert set(wanted) == {"free", "pro", "team", ""}
    assert group_rows(html, f"r-{survey}-traits") == wanted


def test_score_by_tag_is_the_apis_group_by_tag(viewer, client, site, survey):
    html = page(viewer, survey)
    expected = api(client, site, survey=survey, group_by="tag", **shown_period(html))
    wanted = {
        ("" if g["key"] is None else g["key"]): (g["n"], g["score"]) for g in expected["groups"]
    }
    assert wanted["pricing"][0] == 30 and wanted["pdf"][0] == 40
    assert group_rows(html, f"r-{survey}-tags") == wanted


@pytest.mark.parametrize("chosen", ["30d", "90d", "7d"])
def test_the_comparison_verdict_is_the_review_pages(viewer, survey, chosen):
    report = page(viewer, survey, period=chosen)
    review = viewer.get("/dashboard/review", query_string={"period": chosen}).get_data(as_text=True)
    card = review[review.index(f'data-survey="{survey}"') :]
    verdict = re.search(r'class="change-grid" data-verdict="(\w+)"', card)[1]
    assert re.search(r'class="change-grid" data-verdict="(\w+)"', report)[1] == verdict
    words = re.findall(r'class="verdict verdict-\w+">([^<]+)<', card[: card.index("</dl>")])
    shown = report[report.index('class="change-grid"') :]
    assert re.findall(r'class="verdict verdict-\w+">([^<]+)<', shown[: shown.index("</dl>")]) == (
        words
    )
    if chosen == "30d":  # 3.8 → 4.4 on 200 answers each: beyond chance
        assert verdict == "beyond_chance"


def test_the_report_lists_the_latest_low_comments_and_links_to_the_responses(viewer, survey):
    html = page(viewer, survey)
    assert html.index("Broken link") < html.index("Too slow") < html.index("The PDF never arrives")
    since, until = shown_period(html).values()
    last = (date.fromisoformat(until) - timedelta(days=1)).isoformat()
    assert f"/dashboard/responses?survey={survey}&amp;since={since}&amp;until={last}" in html
    listed = viewer.get(f"/dashboard/responses?survey={survey}&since={since}&until={last}")
    assert "Broken link" in listed.get_data(as_text=True)


def test_an_archived_surveys_report_still_opens_from_the_surveys_list(client, site, viewer, survey):
    assert client.delete(f"/v1/surveys/{survey}", headers=site.auth).status_code == 200
    assert f'data-survey="{survey}"' not in viewer.get("/dashboard/").get_data(as_text=True)
    listed = viewer.get("/dashboard/surveys").get_data(as_text=True)
    assert f"/dashboard/surveys/{survey}/report" in listed
    html = page(viewer, survey)
    assert "Archived" in html and "The PDF never arrives" in html
    assert 'data-verdict="beyond_chance"' in html


def test_the_overview_card_links_to_the_report_for_the_same_period(viewer, survey):
    html = viewer.get("/dashboard/?period=7d").get_data(as_text=True)
    assert f"/dashboard/surveys/{survey}/report?period=7d&amp;interval=day" in html


def test_another_sites_survey_report_is_not_found(app, viewer, other_site):
    theirs = Rows(app, other_site)
    other = theirs.survey("nps", name="Their NPS")
    theirs.response(other, 0, comment="Secret")
    resp = viewer.get(f"/dashboard/surveys/{other}/report")
    assert resp.status_code == 404
    assert "Secret" not in resp.get_data(as_text=True)
    assert viewer.get("/dashboard/surveys/nothing/report").status_code == 404


def test_an_unknown_trait_or_bad_period_never_fails(viewer, survey):
    html = page(viewer, survey, trait='a"b', period="custom", since="2026-13-01", until="x")
    assert "Choose a start date" in html
    assert '<option value="plan" selected>plan</option>' in html
