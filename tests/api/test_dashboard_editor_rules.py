"""The survey editor's rules: pages, conditions on event props, targeting on traits and dates are
set in the form, saved as the API stores them, shown again, and refused on the row at fault."""

# ruff: noqa: F811

from __future__ import annotations

import html
import re

# the dashboard tests' fixtures (account, user) are used by name
from tests.api.test_dashboard import account, text, token, user  # noqa: F401
from tests.api.test_dashboard_editor import form_fields

CHAT = {"event": "ticket.closed", "where": [{"prop": "channel", "op": "eq", "value": "chat"}]}


def posted_back(page: str) -> dict[str, str]:
    """Every input and every select's chosen option, as the browser posts the form."""
    fields = form_fields(page)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body) or re.search(
            r'<option value="([^"]*)"', body
        )
        fields[name] = html.unescape(chosen.group(1))
    return fields


def new_form(user, **fields):
    data = {
        "kind": "ces",
        "question_en": "It was easy to get help.",
        "trigger_events": "ticket.closed, invoice.paid",
        "sample_rate": "1",
        "delay_ms": "0",
        "recontact_days": "90",
        "dismiss_snooze_days": "30",
        "priority": "0",
        "active": "on",
        "csrf_token": token(user, "/dashboard/surveys/new"),
        **fields,
    }
    return user.post("/dashboard/surveys/new", data=data)


def saved(user, site, resp) -> dict:
    assert resp.status_code == 302, text(resp)[:3000]
    survey_id = resp.headers["Location"].split("/")[-1].split("?")[0]
    return user.get(f"/v1/surveys/{survey_id}", headers=site.auth).get_json()


def test_rules_set_in_the_editor_are_stored_as_the_api_has_them(user, site):
    got = saved(
        user,
        site,
        new_form(
            user,
            **{
                "pages-0-op": "glob",
                "pages-0-value": "/billing/*",
                "pages-1-op": "starts_with",
                "pages-1-value": "",  # a blank row is no rule
                "pages-2-op": "equals",
                "pages-2-value": "/pricing",
                "conditions-0-event": "ticket.closed",
                "conditions-0-prop": "channel",
                "conditions-0-op": "eq",
                "conditions-0-value": "chat",
                "conditions-1-event": "ticket.closed",
                "conditions-1-prop": "minutes",
                "conditions-1-op": "gte",
                "conditions-1-value": "10",
                "targeting-0-trait": "plan",
                "targeting-0-op": "in",
                "targeting-0-value": "pro, team",
                "targeting-1-trait": "seats",
                "targeting-1-op": "eq",
                "targeting-1-value": '"5"',
                "starts_at": "2030-01-01T09:00",
                "ends_at": "2030-02-01T00:00",
            },
        ),
    )

    assert got["pages"] == [
        {"op": "glob", "value": "/billing/*"},
        {"op": "equals", "value": "/pricing"},
    ]
    assert got["trigger_events"] == [
        {
            "event": "ticket.closed",
            "where": [
                {"prop": "channel", "op": "eq", "value": "chat"},
                {"prop": "minutes", "op": "gte", "value": 10},
            ],
        },
        "invoice.paid",
    ]
    assert got["targeting"] == [
        {"trait": "plan", "op": "in", "value": ["pro", "team"]},
        {"trait": "seats", "op": "eq", "value": "5"},
    ]
    assert (got["starts_at"], got["ends_at"]) == (
        "2030-01-01T09:00:00+00:00",
        "2030-02-01T00:00:00+00:00",
    )


def test_the_editor_shows_rules_set_through_the_api_and_a_save_keeps_them(user, site):
    body = {
        "kind": "ces",
        "question": {"en": "Easy?"},
        "trigger_events": [CHAT, "billing.*"],
        "pages": [{"op": "contains", "value": "?from=mail"}],
        "targeting": [{"trait": "beta", "op": "eq", "value": True}],
        "ends_at": "2030-05-01T12:30:00+03:00",
    }
    made = user.post("/v1/surveys", headers=site.auth, json=body).get_json()
    path = f"/dashboard/surveys/{made['id']}"
    page = text(user.get(path))

    assert 'value="ticket.closed, billing.*"' in page
    fields = posted_back(page)
    assert (fields["pages-0-op"], fields["pages-0-value"]) == ("contains", "?from=mail")
    assert fields["conditions-0-prop"] == "channel" and fields["conditions-0-value"] == "chat"
    assert (fields["targeting-0-trait"], fields["targeting-0-value"]) == ("beta", "true")
    assert fields["ends_at"] == "2030-05-01T09:30"
    assert "on user traits, set through the API" not in page  # the editor's own rows now

    fields.update(name="Renamed", csrf_token=token(user, path))
    resp = user.post(path, data=fields)
    got = saved(user, site, resp)
    assert got["name"] == "Renamed"
    for name in ("trigger_events", "pages", "targeting"):
        assert got[name] == body[name], name
    assert got["ends_at"] == "2030-05-01T09:30:00+00:00"


def test_clearing_the_rows_removes_the_rules(user, site):
    made = user.post(
        "/v1/surveys",
        headers=site.auth,
        json={
            "kind": "csat",
            "question": {"en": "Ok?"},
            "pages": [{"op": "equals", "value": "/a"}],
        },
    ).get_json()
    path = f"/dashboard/surveys/{made['id']}"
    fields = posted_back(text(user.get(path)))
    fields.update({"pages-0-value": "", "csrf_token": token(user, path)})

    assert saved(user, site, user.post(path, data=fields))["pages"] is None


def test_a_bad_rule_is_refused_on_its_own_row_and_the_rest_is_kept(user, site):
    resp = new_form(
        user,
        **{
            "pages-0-op": "equals",
            "pages-0-value": "",
            "pages-1-op": "equals",
            "pages-1-value": "https://app.example/billing",
            "conditions-0-event": "ticket.closed",
            "conditions-0-prop": "minutes",
            "conditions-0-op": "gte",
            "conditions-0-value": "ten",
            "conditions-1-event": "order.shipped",
            "conditions-1-prop": "carrier",
            "conditions-1-op": "eq",
            "conditions-1-value": "dhl",
        },
    )

    assert resp.status_code == 422
    page = text(resp)
    # blank rows are dropped and the others renumbered: the error sits on the row as shown
    assert re.search(r'id="pages-0-value"[^>]*value="https://app.example/billing"', page)
    assert re.search(r'id="pages-0-value"[^>]*aria-invalid="true"', page)
    assert 'id="pages-0-value-error"' in page and "start with /" in page
    assert re.search(r'id="conditions-0-value"[^>]*aria-invalid="true"', page)
    assert "must be a number" in page
    assert re.search(r'id="conditions-1-event"[^>]*aria-invalid="true"', page)
    assert "Not one of the trigger events above" in page


def test_an_end_before_the_start_is_refused_on_the_end(user, site):
    resp = new_form(user, starts_at="2030-02-01T00:00", ends_at="2030-01-01T00:00")

    assert resp.status_code == 422
    page = text(resp)
    assert re.search(r'id="ends_at"[^>]*aria-invalid="true"', page)
    assert "ends_at must be after starts_at" in page
    assert 'value="2030-02-01T00:00"' in page  # as typed


def test_a_condition_on_an_event_that_is_not_a_trigger_is_refused_alone(user, site):
    resp = new_form(
        user,
        **{
            "conditions-0-event": "order.shipped",
            "conditions-0-prop": "carrier",
            "conditions-0-op": "eq",
            "conditions-0-value": "dhl",
        },
    )

    assert resp.status_code == 422
    assert re.search(r'id="conditions-0-event"[^>]*aria-invalid="true"', text(resp))


def test_two_or_conditions_of_one_event_from_the_api_are_kept_as_they_are(user, site):
    email_vip = {"event": "ticket.closed", "where": [{"prop": "vip", "op": "eq", "value": True}]}
    made = user.post(
        "/v1/surveys",
        headers=site.auth,
        json={"kind": "ces", "question": {"en": "Easy?"}, "trigger_events": [CHAT, email_vip]},
    ).get_json()
    path = f"/dashboard/surveys/{made['id']}"
    page = text(user.get(path))
    assert "kept as they are" in page
    fields = posted_back(page)
    fields.update(name="Support", csrf_token=token(user, path))

    assert saved(user, site, user.post(path, data=fields))["trigger_events"] == [CHAT, email_vip]
