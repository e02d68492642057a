"""The dashboard's Review and Actions pages: a period against the one before, a review's actions,
and what became of them, with the roles that may write."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from collector import db
from collector.models import Action, ResponseTag, Review
from tests.api.test_dashboard import token
from tests.api.test_team import logged_in
from tests.factories import Rows

# 200 answers each: the previous period's mean 3.8, this one's 4.4 (tests/unit/test_comparison).
BEFORE = {1: 10, 2: 20, 3: 35, 4: 70, 5: 65}
AFTER = {1: 4, 2: 6, 3: 16, 4: 54, 5: 120}


def answers(distribution, at, **extra):
    return [
        {"score": point, "at": at, "user_id": f"u{point}-{i}", **extra}
        for point, count in distribution.items()
        for i in range(count)
    ]


@pytest.fixture
def csat(app, site):
    rows = Rows(app, site)
    survey = rows.survey("csat", name="Invoice CSAT")
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    rows.responses(survey, answers(BEFORE, today - timedelta(days=40)))
    rows.responses(survey, answers(AFTER, today - timedelta(days=5)))
    rows.response(
        survey, 1, at=today - timedelta(days=3), comment="The PDF never arrives", user_id="x"
    )
    return survey


def tag(app, site, survey, response_ids, name):
    with app.app_context():
        session = db.session()
        session.add_all(
            ResponseTag(response_id=r, tag=name, site_id=site.site_id, survey_id=survey)
            for r in response_ids
        )
        session.commit()


@pytest.fixture
def editor(app, site):
    return logged_in(app, site, "eve@acme.test", "editor")


@pytest.fixture
def viewer(app, site):
    return logged_in(app, site, "val@acme.test", "viewer")


def text(resp) -> str:
    return re.sub(r"\s+", " ", resp.get_data(as_text=True))


def record(client, **fields):
    due = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
    data = {
        "csrf_token": token(client, "/dashboard/review"),
        "period": "30d",
        "action-1-title": "Send the PDF again on failure",
        "action-1-owner": "eve@acme.test",
        "action-1-due_on": due,
        "action-2-title": "Call the three unhappiest",
        "action-2-owner": "val@acme.test",
        "action-2-due_on": due,
        "action-3-title": "Rewrite the invoice FAQ",
        "action-3-due_on": due,
        "attendees": "Eve, Val",
        "summary": "Invoices got better",
        **fields,
    }
    return client.post("/dashboard/review", data=data)


def test_the_review_shows_each_surveys_change_with_its_verdict_and_low_comments(editor, csat):
    page = text(editor.get("/dashboard/review"))
    assert "Invoice CSAT" in page
    card = page[page.index("Invoice CSAT") :]
    assert 'data-verdict="beyond_chance"' in card
    assert "Beyond chance" in card
    # 67.5 % satisfied before, 86.6 % now (plus the one new low score: 174 of 201), written
    # as every percentage is: whole (text() turns the no-break space into a space).
    assert "87 %" in card and "68 %" in card
    assert re.search(r"95 % interval \+\d+ to \+\d+", card)
    assert "The PDF never arrives" in card
    assert "Record this review" in page


def test_a_review_with_three_actions_lists_them_with_owners_and_due_dates(
    app, editor, viewer, csat, site
):
    resp = record(editor, **{"action-1-survey": csat})
    assert resp.status_code == 302
    assert "/dashboard/actions?review=rev_" in resp.headers["Location"]
    listed = text(editor.get(resp.headers["Location"]))
    assert "Review saved with 3 actions." in listed
    for title, owner in [
        ("Send the PDF again on failure", "eve@acme.test"),
        ("Call the three unhappiest", "val@acme.test"),
        ("Rewrite the invoice FAQ", "Nobody yet"),
    ]:
        row = listed[listed.index(title) :][:900]
        assert owner in row
        assert (datetime.now(UTC).date() + timedelta(days=10)).strftime("%b %-d, %Y") in row
    with app.app_context():
        review = db.session().query(Review).one()
        assert review.attendees == ["Eve", "Val"] and review.created_by == "eve@acme.test"
        assert db.session().query(Action).filter_by(review_id=review.id).count() == 3


def test_a_done_action_shows_in_the_next_review_with_the_score_change_since(
    app, editor, viewer, csat, site
):
    assert record(editor, **{"action-1-survey": csat}).status_code == 302
    with app.app_context():
        action = db.session().query(Action).filter_by(survey_id=csat).one()
        action_id = action.id
    # Marked done from the Actions list.
    form = {"csrf_token": token(editor, "/dashboard/actions"), "status": "done"}
    resp = editor.post(f"/dashboard/actions/{action_id}/status", data=form)
    assert resp.status_code == 302
    done_list = text(editor.get("/dashboard/actions?status=done"))
    assert "Send the PDF again on failure" in done_list and "Done" in done_list
    assert "Send the PDF again on failure" not in text(editor.get("/dashboard/actions"))
    # Answers after it was done, against the 30 days before: shown next to the survey's score.
    with app.app_context():
        stored = db.session().get(Action, action_id)
        stored.done_at = datetime.now(UTC) - timedelta(days=20)
        db.session().commit()
    page = text(editor.get("/dashboard/review"))
    card = page[page.index("Invoice CSAT") :]
    done = card[card.index("Done since the last review") :][:1500]
    assert "Send the PDF again on failure" in done
    assert re.search(r"Score since then: <span class=\"num\">\+\d+ points", done)
    assert "Beyond chance" in done
    assert "not proof of its effect" in done


def test_viewers_read_the_review_and_actions_but_cannot_write(app, editor, viewer, csat):
    assert record(editor).status_code == 302
    page = text(viewer.get("/dashboard/review"))
    assert "Invoice CSAT" in page and "Record this review" not in page
    actions = text(viewer.get("/dashboard/actions"))
    assert "Call the three unhappiest" in actions and "Mark done" not in actions
    resp = record(viewer)
    assert resp.status_code == 403
    with app.app_context():
        action_id = db.session().query(Action).first().id
    form = {"csrf_token": token(viewer, "/dashboard/actions"), "status": "done"}
    assert viewer.post(f"/dashboard/actions/{action_id}/status", data=form).status_code == 403
    with app.app_context():
        assert db.session().query(Review).count() == 1
        assert db.session().get(Action, action_id).status == "open"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action-1-title": "", "action-2-title": "", "action-3-title": ""}, "write at least one"),
        ({"action-2-due_on": "next week"}, "Not a valid date."),
        ({"next_review_on": "soon"}, "Not a valid date."),
        ({"action-1-owner": "someone@else.test"}, "No such member of this site"),
    ],
)
def test_a_review_with_a_mistake_is_shown_again_and_nothing_is_saved(
    app, editor, viewer, fields, message
):
    resp = record(editor, **fields)
    assert resp.status_code == 422
    page = text(resp)
    assert message in page
    assert 'aria-invalid="true"' in page or "callout-error" in page
    with app.app_context():
        assert db.session().query(Review).count() == 0
        assert db.session().query(Action).count() == 0


def test_another_sites_action_cannot_be_changed(app, editor, other_site):
    from tests.api.test_reviews_api import action

    theirs = action(app.test_client(), other_site)
    form = {"csrf_token": token(editor, "/dashboard/actions"), "status": "done"}
    assert editor.post(f"/dashboard/actions/{theirs['id']}/status", data=form).status_code == 404
    with app.app_context():
        assert db.session().get(Action, theirs["id"]).status == "open"


def test_the_tags_that_moved_show_their_share_before_and_now_with_a_verdict(app, editor, site):
    rows = Rows(app, site)
    survey = rows.survey("csat", name="Tagged CSAT")
    now = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    before = rows.responses(survey, answers({2: 20, 4: 80}, now - timedelta(days=40)))
    after = rows.responses(survey, answers({2: 20, 4: 80}, now - timedelta(days=4)))
    tag(app, site, survey, before[:5], "pdf")  # 5 % of the answers before
    tag(app, site, survey, after[:30], "pdf")  # 30 % now
    tag(app, site, survey, before[50:60], "login")  # 10 % both times
    tag(app, site, survey, after[50:60], "login")
    page = text(editor.get("/dashboard/review"))
    card = page[page.index("Tagged CSAT") :]
    moved = card[card.index("Tags that moved") :]
    pdf = moved[moved.index('data-tag="pdf"') :].split("</tr>")[0]
    login = moved[moved.index('data-tag="login"') :].split("</tr>")[0]
    assert moved.index('data-tag="pdf"') < moved.index('data-tag="login"')
    assert '5 % <span class="muted">(5)</span>' in pdf and "30 %" in pdf
    assert "+25 points" in pdf and "Beyond chance" in pdf
    assert "<td>0 points</td>" in login and "Within noise" in login


def test_an_action_keeps_the_low_scores_that_led_to_it(app, editor, viewer, csat):
    from collector.models import Response

    with app.app_context():
        low = db.session().query(Response).filter(Response.comment.is_not(None)).one().id
    page = text(editor.get("/dashboard/review"))
    assert f'<option value="{low}">1 · Invoice CSAT · The PDF never arrives</option>' in page
    assert record(editor, **{"action-1-response_ids": low}).status_code == 302
    with app.app_context():
        action = db.session().query(Action).filter_by(title="Send the PDF again on failure").one()
        assert action.response_ids == [low]
    listed = text(editor.get("/dashboard/actions"))
    assert f'href="/dashboard/responses/{low}">answer 1' in listed
    # Another site's answer (or a made-up id) saves nothing.
    resp = record(editor, **{"action-2-response_ids": "rsp_not_ours"})
    assert resp.status_code == 422 and "No such response" in text(resp)
    with app.app_context():
        assert db.session().query(Review).count() == 1
