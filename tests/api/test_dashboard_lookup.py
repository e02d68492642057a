"""People: the dashboard says why a user was or was not asked exactly as GET /v1/eligibility does,
with the user's prompts as GET /v1/users/<id> lists them."""

from __future__ import annotations

import html
import re

import pytest

from tests.api.prompting import answer, ask, make_survey
from tests.api.test_team import logged_in
from tests.factories import Rows


@pytest.fixture
def viewer(app, site):
    return logged_in(app, site, "val@acme.test", "viewer")


def page_rules(resp) -> dict[str, list[tuple[str, str, str]]]:
    """survey id → [(rule, pass|fail|skipped, detail)] as the page shows them."""
    body = resp.get_data(as_text=True)
    found = {}
    for section in re.findall(r'<section class="eligibility".*?</section>', body, re.S):
        survey = re.search(r'data-survey="([^"]+)"', section).group(1)
        rows = re.findall(
            r'<tr data-rule="([^"]+)" data-outcome="([^"]+)">.*?'
            r'<td data-label="Detail">(.*?)</td>',
            section,
            re.S,
        )
        found[survey] = [(r, o, html.unescape(d)) for r, o, d in rows]
    return found


def api_rules(client, site, user_id, survey) -> list[tuple[str, str, str]]:
    query = {"user_id": user_id, "survey": survey}
    resp = client.get("/v1/eligibility", query_string=query, headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    return [
        (r["name"], "skipped" if r["skipped"] else "pass" if r["passed"] else "fail", r["detail"])
        for r in resp.get_json()["rules"]
    ]


def look_up(viewer, user_id):
    resp = viewer.get("/dashboard/people", query_string={"user_id": user_id})
    assert resp.status_code == 200
    return resp


@pytest.mark.parametrize("user_id", ["u42", "team/7", "äiti/ö 🙂"])
def test_the_page_shows_each_surveys_rules_as_the_api_does(app, client, site, viewer, user_id):
    csat = make_survey(client, site)
    nps = make_survey(client, site, "nps", trigger_events=[])
    answered = answer(client, ask(client, site, user_id=user_id), 5)
    assert answered.status_code == 201, answered.get_json()

    resp = look_up(viewer, user_id)
    shown = page_rules(resp)
    assert set(shown) == {csat["id"], nps["id"]}
    for survey in (csat, nps):
        assert shown[survey["id"]] == api_rules(client, site, user_id, survey["id"])
    failed = [rule for rule, outcome, _ in shown[csat["id"]] if outcome == "fail"]
    assert "answered_recently" in failed
    text = resp.get_data(as_text=True)
    assert "Not asked: <code>answered_recently</code>" in text
    # The prompt history: the one prompt the user was shown, answered.
    prompts = client.get(f"/v1/users/{user_id}", headers=site.auth).get_json()["prompts"]
    assert len(prompts) == 1
    assert f'data-prompt="{prompts[0]["id"]}"' in text
    assert html.escape(user_id) in text


def test_a_fresh_user_passes_every_rule_as_the_api_says(client, site, viewer):
    csat = make_survey(client, site)
    make_survey(client, site, "ces", active=False)  # paused: listed, failing survey_inactive
    resp = look_up(viewer, "new-user")
    shown = page_rules(resp)
    assert shown[csat["id"]] == api_rules(client, site, "new-user", csat["id"])
    assert all(outcome == "pass" for _, outcome, _ in shown[csat["id"]])
    paused = next(s for s in shown if s != csat["id"])
    assert shown[paused][0][:2] == ("survey_inactive", "fail")
    text = resp.get_data(as_text=True)
    assert "Would be asked" in text
    assert "No prompts for this user id" in text


def test_another_sites_user_and_surveys_are_not_shown(app, client, site, other_site, viewer):
    mine = make_survey(client, site)
    theirs = make_survey(client, other_site)
    Rows(app, other_site).response(theirs["id"], 4, user_id="shared")
    resp = look_up(viewer, "shared")
    text = resp.get_data(as_text=True)
    assert set(page_rules(resp)) == {mine["id"]}
    assert theirs["id"] not in text
    assert "No prompts for this user id" in text
    # In this site's rules the other site's answer does not count.
    assert all(o == "pass" for _, o, _ in page_rules(resp)[mine["id"]])


def test_an_overlong_user_id_is_refused_on_the_page(viewer, client, site):
    make_survey(client, site)
    resp = viewer.get("/dashboard/people", query_string={"user_id": "x" * 201})
    assert resp.status_code == 422
    assert "A user id is 1–200 characters." in resp.get_data(as_text=True)


def test_the_page_without_a_user_id_asks_for_one(viewer):
    resp = viewer.get("/dashboard/people")
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert 'id="lookup-user"' in text
    assert "Would" not in text
