"""Reading and triaging the Responses list: clipped comments, filters kept, the owner picker."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, quote, urlsplit

from sqlalchemy import text as sa_text

from tests.api.test_dashboard import token
from tests.api.test_team import add_account, logged_in
from tests.factories import Rows

LONG = ("The invoice page froze when I tried to download last month's invoice. " * 12).strip()


def page_text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def test_a_long_comment_is_clipped_in_the_list_and_whole_on_its_page(app, site):
    rows = Rows(app, site)
    response = rows.response(rows.survey("csat"), 1, comment=LONG)
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    listed = page_text(editor.get("/dashboard/responses"))
    cell = re.search(r'class="row-link"[^>]*>(.*?)<span class="sr-only">', listed, re.S).group(1)
    assert cell.endswith("…") and len(cell) <= 241
    assert LONG.startswith(cell[:-1].rstrip())
    assert LONG not in listed
    assert LONG in page_text(editor.get(f"/dashboard/responses/{response}"))


def test_saving_a_follow_up_keeps_the_lists_filters(app, site):
    rows = Rows(app, site)
    survey = rows.survey("nps")
    response = rows.response(survey, 2, comment="Too slow")
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    listing = f"/dashboard/responses?survey={survey}&band=low&status=open"
    page = editor.get(f"/dashboard/responses/{response}?back={quote(listing)}")
    assert f'name="back" value="{html.escape(listing)}"' in page.get_data(as_text=True)
    resp = editor.post(
        f"/dashboard/responses/{response}",
        data={
            "status": "in_progress",
            "owner": "",
            "note": "",
            "back": listing,
            "csrf_token": token(editor, "/dashboard/"),
        },
    )
    assert resp.status_code == 302
    after = page_text(editor.get(resp.headers["Location"]))
    assert "Follow-up saved." in after
    crumb = re.search(r'<p class="crumb"><a href="([^"]+)"', after).group(1)
    assert crumb == listing


def test_a_back_link_outside_the_dashboard_is_dropped_after_saving(app, site):
    rows = Rows(app, site)
    response = rows.response(rows.survey("nps"), 2)
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    resp = editor.post(
        f"/dashboard/responses/{response}",
        data={
            "status": "closed",
            "back": "https://evil.example/",
            "csrf_token": token(editor, "/dashboard/"),
        },
    )
    assert "evil" not in resp.headers["Location"]


def test_the_owner_picker_lists_the_team_with_the_current_owner_selected(app, site):
    rows = Rows(app, site)
    response = rows.response(rows.survey("nps"), 2)
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    add_account(app, site, "olli@acme.test", "viewer")
    path = f"/dashboard/responses/{response}"
    page = editor.get(path).get_data(as_text=True)
    picker = re.search(r'<select id="owner".*?</select>', page, re.S).group(0)
    assert "olli@acme.test" in picker and "eddie@acme.test (you)" in picker
    assert '<option value="" selected>Nobody yet' in picker
    editor.post(
        path,
        data={
            "status": "in_progress",
            "owner": "olli@acme.test",
            "csrf_token": token(editor, path),
        },
    )
    picker = re.search(
        r'<select id="owner".*?</select>', editor.get(path).get_data(as_text=True), re.S
    )
    assert '<option value="olli@acme.test" selected>' in picker.group(0)


def test_an_owner_off_the_team_is_refused_with_a_field_error(app, site):
    rows = Rows(app, site)
    response = rows.response(rows.survey("nps"), 2)
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    path = f"/dashboard/responses/{response}"
    resp = editor.post(
        path,
        data={"status": "open", "owner": "stranger@else.test", "csrf_token": token(editor, path)},
    )
    assert resp.status_code == 422
    assert "Pick someone on the team" in resp.get_data(as_text=True)
    assert 'aria-invalid="true"' in resp.get_data(as_text=True)


# -- search ----------------------------------------------------------------------------------------


def listed_comments(client, **query) -> list[str]:
    resp = client.get("/dashboard/responses", query_string={"order": "newest", **query})
    assert resp.status_code == 200
    cells = re.findall(r'class="row-link"[^>]*>(.*?)<span class="sr-only">', page_text(resp), re.S)
    return [c.strip() for c in cells]


def test_search_finds_finnish_and_english_words_in_comments_and_notes(app, site):
    rows = Rows(app, site)
    survey = rows.survey("csat")
    rows.response(survey, 1, comment="Lasku tuli kahdesti, enkä saanut hyvitystä.", locale="fi")
    rows.response(survey, 2, comment="The invoice was sent twice.", locale="en")
    rows.response(survey, 2, comment="Laskussa oli väärä summa.", locale="fi")
    rows.response(survey, 1, comment="Slow pages", followup_note="Customer wants an invoice copy")
    rows.response(survey, 5, comment="Fakturan var fel.", locale="sv")
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    assert sorted(listed_comments(editor, q="lasku")) == [
        "Lasku tuli kahdesti, enkä saanut hyvitystä.",
        "Laskussa oli väärä summa.",
    ]
    assert sorted(listed_comments(editor, q="invoice")) == [
        "Slow pages",
        "The invoice was sent twice.",
    ]
    assert listed_comments(editor, q="fakturan") == ["Fakturan var fel."]
    assert listed_comments(editor, q="INVOICE twice") == ["The invoice was sent twice."]
    page = page_text(editor.get("/dashboard/responses", query_string={"q": "lasku"}))
    assert re.search(r'<strong class="num">2</strong> responses match “lasku”', page)


def test_a_search_with_operator_characters_is_read_as_words(app, site):
    rows = Rows(app, site)
    rows.response(rows.survey("csat"), 1, comment="invoice: broken")
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    for query in ['"invoice', "invoice OR (", "NEAR(invoice", "invoice:*&!", "'; --", "*"]:
        resp = editor.get("/dashboard/responses", query_string={"q": query})
        assert resp.status_code == 200, query
    assert listed_comments(editor, q='"invoice* (') == ["invoice: broken"]
    assert listed_comments(editor, q="invoice OR broken") == []  # OR is a word, not an operator


def test_search_never_shows_another_sites_comments(app, site, other_site):
    rows, other = Rows(app, site), Rows(app, other_site)
    rows.response(rows.survey("csat"), 1, comment="invoice here")
    other.response(other.survey("csat"), 1, comment="invoice there")
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    assert listed_comments(editor, q="invoice") == ["invoice here"]


def test_a_new_comment_and_a_changed_note_are_found_at_once(app, site):
    rows = Rows(app, site)
    response = rows.response(rows.survey("csat"), 1)
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    assert listed_comments(editor, q="refund", has_comment="any") == []
    path = f"/dashboard/responses/{response}"
    editor.post(
        path,
        data={"status": "open", "note": "Promised a refund", "csrf_token": token(editor, path)},
    )
    assert len(listed_comments(editor, q="refund", has_comment="any")) == 1
    editor.post(path, data={"status": "open", "note": "", "csrf_token": token(editor, path)})
    assert listed_comments(editor, q="refund", has_comment="any") == []


def test_erasing_a_user_removes_their_words_from_the_search_index(app, site):
    rows = Rows(app, site)
    survey = rows.survey("csat")
    rows.response(survey, 1, user_id="u-fi", comment="Lasku on väärin")
    rows.response(survey, 1, user_id="u-en", comment="Wrong invoice")
    rows.response(survey, 1, user_id="u-keep", comment="Another invoice question")
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    for user in ("u-fi", "u-en"):
        assert editor.delete(f"/v1/users/{user}", headers=site.auth).status_code in (200, 204)
    assert listed_comments(editor, q="lasku") == []
    assert listed_comments(editor, q="invoice") == ["Another invoice question"]
    with app.app_context():
        from collector import db

        session = db.session()
        if session.get_bind().dialect.name == "sqlite":
            left = session.execute(
                sa_text("SELECT count(*) FROM response_search WHERE response_search MATCH 'lasku'")
            ).scalar()
            ids = session.execute(sa_text("SELECT count(*) FROM response_search_ids")).scalar()
            assert (left, ids) == (0, 1)


# -- counts, owners, bulk changes, views -------------------------------------------------------


def test_the_list_says_how_many_responses_match(app, site):
    rows = Rows(app, site)
    survey = rows.survey("nps")
    for score in [0, 1, 2, 8, 9, 10] * 6:
        rows.response(survey, score, comment="c")
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    page = page_text(editor.get("/dashboard/responses"))
    assert re.search(r'<strong class="num">36</strong> responses', page)
    page = page_text(editor.get("/dashboard/responses?band=low"))
    assert re.search(r'<strong class="num">18</strong> responses match', page)


def test_past_its_limit_the_list_says_more_than_instead_of_counting_every_answer(
    app, site, monkeypatch
):
    from collector.dashboard import inbox

    monkeypatch.setattr(inbox, "COUNT_UP_TO", 5)  # a thousand in production
    rows = Rows(app, site)
    survey = rows.survey("nps")
    for score in (1, 2, 8, 9, 10):  # across the three bands the list reads one after the other
        rows.response(survey, score, comment="c")
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    assert re.search(
        r'<strong class="num">5</strong> responses', page_text(editor.get("/dashboard/responses"))
    )
    rows.response(survey, 10, comment="c")
    page = page_text(editor.get("/dashboard/responses"))
    assert re.search(r'More than <strong class="num">5</strong> responses', page)
    assert page.count('class="row-link"') == 6  # the list itself is whole
    page = page_text(editor.get("/dashboard/responses?band=low"))
    assert re.search(r'<strong class="num">2</strong> responses match', page)


def test_bulk_assigning_50_responses_makes_50_history_entries(app, site):
    rows = Rows(app, site)
    survey = rows.survey("nps")
    ids = [rows.response(survey, 3, comment=f"c{n}") for n in range(50)]
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    add_account(app, site, "olli@acme.test", "editor")
    resp = editor.post(
        "/dashboard/responses/bulk",
        data={
            "ids": ids,
            "owner": "olli@acme.test",
            "status": "in_progress",
            "back": "/dashboard/responses?band=low",
            "csrf_token": token(editor, "/dashboard/"),
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/dashboard/responses?band=low"
    assert "50 responses now in progress and owned by olli@acme.test." in page_text(
        editor.get(resp.headers["Location"])
    )
    with app.app_context():
        from collector import db
        from collector.models import FollowupChange, Response

        session = db.session()
        changes = session.query(FollowupChange).all()
        assert len(changes) == 50 and {c.response_id for c in changes} == set(ids)
        assert {(c.owner, c.status, c.actor) for c in changes} == {
            ("olli@acme.test", "in_progress", "eddie@acme.test")
        }
        owners = {r.followup_owner for r in session.query(Response)}
        assert owners == {"olli@acme.test"}
    page = page_text(editor.get("/dashboard/responses?owner=olli%40acme.test&has_comment=any"))
    assert re.search(r'<strong class="num">50</strong> responses match', page)
    # Done again, nothing changes: no new history.
    editor.post(
        "/dashboard/responses/bulk",
        data={"ids": ids, "owner": "olli@acme.test", "csrf_token": token(editor, "/dashboard/")},
    )
    with app.app_context():
        from collector import db
        from collector.models import FollowupChange

        assert db.session().query(FollowupChange).count() == 50


def test_a_bulk_change_with_another_sites_response_changes_nothing(app, site, other_site):
    rows, other = Rows(app, site), Rows(app, other_site)
    mine = rows.response(rows.survey("nps"), 3)
    theirs = other.response(other.survey("nps"), 3)
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    resp = editor.post(
        "/dashboard/responses/bulk",
        data={
            "ids": [mine, theirs],
            "status": "closed",
            "csrf_token": token(editor, "/dashboard/"),
        },
    )
    assert resp.status_code == 404
    got = editor.get(f"/v1/responses/{mine}", headers=site.auth).get_json()
    assert got["followup_status"] == "open"


def test_a_bulk_owner_must_be_on_the_team(app, site):
    rows = Rows(app, site)
    mine = rows.response(rows.survey("nps"), 3)
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    resp = editor.post(
        "/dashboard/responses/bulk",
        data={"ids": [mine], "owner": "x@else.test", "csrf_token": token(editor, "/dashboard/")},
    )
    assert resp.status_code == 400


def test_owner_filters_me_and_nobody(app, site):
    rows = Rows(app, site)
    survey = rows.survey("nps")
    rows.response(survey, 3, comment="mine", followup_owner="eddie@acme.test")
    rows.response(survey, 3, comment="unowned")
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    assert listed_comments(editor, owner="me") == ["mine"]
    assert listed_comments(editor, owner="nobody") == ["unowned"]


def test_a_saved_view_is_the_accounts_own_and_reopens_its_filters(app, site):
    rows = Rows(app, site)
    survey = rows.survey("nps")
    rows.response(survey, 3, comment="Lasku väärin")
    rows.response(survey, 9, comment="Great")
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    listing = f"/dashboard/responses?q=lasku&band=low&survey={survey}&cursor=abc"
    resp = editor.post(
        "/dashboard/views",
        data={"name": "Laskut", "back": listing, "csrf_token": token(editor, "/dashboard/")},
    )
    assert resp.status_code == 302
    page = page_text(editor.get("/dashboard/responses"))
    link = re.search(r'<a href="([^"]+)"[^>]*>Laskut</a>', page).group(1)
    assert "cursor" not in link and "q=lasku" in link and "band=low" in link
    assert listed_comments(editor, **dict(parse_qsl(urlsplit(link).query))) == ["Lasku väärin"]
    viewer = logged_in(app, site, "vera@acme.test", "viewer")
    assert "Laskut" not in page_text(viewer.get("/dashboard/responses"))
    view_id = re.search(r"/dashboard/views/(\d+)/delete", page).group(1)
    assert (
        viewer.post(
            f"/dashboard/views/{view_id}/delete", data={"csrf_token": token(viewer, "/dashboard/")}
        ).status_code
        == 404
    )
    editor.post(
        f"/dashboard/views/{view_id}/delete", data={"csrf_token": token(editor, "/dashboard/")}
    )
    assert ">Laskut</a>" not in page_text(editor.get("/dashboard/responses"))


def test_bulk_tagging_adds_a_tag_to_each_selected_response(app, site):
    rows = Rows(app, site)
    survey = rows.survey("nps")
    ids = [rows.response(survey, 3, comment=f"c{n}") for n in range(3)]
    untouched = rows.response(survey, 3, comment="other")
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    resp = editor.post(
        "/dashboard/responses/bulk",
        data={"ids": ids, "tag": "Billing", "csrf_token": token(editor, "/dashboard/")},
    )
    assert resp.status_code == 302
    assert "3 responses now tagged billing." in page_text(editor.get(resp.headers["Location"]))
    assert sorted(listed_comments(editor, tag="billing")) == ["c0", "c1", "c2"]
    got = editor.get(f"/v1/responses/{untouched}", headers=site.auth).get_json()
    assert got["tags"] == []


def test_a_bulk_tag_that_is_not_a_tag_changes_nothing(app, site):
    rows = Rows(app, site)
    rid = rows.response(rows.survey("nps"), 3)
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    resp = editor.post(
        "/dashboard/responses/bulk",
        data={
            "ids": [rid],
            "tag": "x" * 41,
            "status": "closed",
            "csrf_token": token(editor, "/dashboard/"),
        },
    )
    assert resp.status_code == 302
    page = page_text(editor.get(resp.headers["Location"]))
    assert 'role="alert"' in page
    got = editor.get(f"/v1/responses/{rid}", headers=site.auth).get_json()
    assert (got["tags"], got["followup_status"]) == ([], "open")


def test_a_bulk_change_without_its_csrf_token_is_refused(app, site):
    rows = Rows(app, site)
    rid = rows.response(rows.survey("nps"), 3)
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    resp = editor.post("/dashboard/responses/bulk", data={"ids": [rid], "status": "closed"})
    assert resp.status_code == 400 and "This form has expired" in page_text(resp)
    got = editor.get(f"/v1/responses/{rid}", headers=site.auth).get_json()
    assert got["followup_status"] == "open"


# -- the follow-up policy ----------------------------------------------------------------------------


def test_open_lists_only_the_answers_of_the_bands_a_survey_follows_up(app, site):
    from tests.api.prompting import answer, ask, make_survey

    client = app.test_client()
    make_survey(client, site, "csat", followup_bands=["low", "mid"])
    make_survey(client, site, "nps", trigger_events=["ticket.closed"])  # the default: low
    given = [("csat", 1), ("csat", 3), ("csat", 5), ("nps", 4), ("nps", 8), ("nps", 10)]
    for n, (kind, score) in enumerate(given):
        event = "invoice.paid" if kind == "csat" else "ticket.closed"
        prompt = ask(client, site, event, user_id=f"person-{n}")
        assert prompt["kind"] == kind
        resp = answer(client, prompt, score, comment=f"{kind} {score} said something")
        assert resp.status_code == 201, resp.get_json()
    viewer = logged_in(app, site, "vera@acme.test", "viewer")

    def comments(**query) -> set[str]:
        return set(listed_comments(viewer, **query))

    assert comments(status="open") == {
        "csat 1 said something",
        "csat 3 said something",
        "nps 4 said something",
    }
    assert comments(status="none") == {
        "csat 5 said something",
        "nps 8 said something",
        "nps 10 said something",
    }
    page = page_text(viewer.get("/dashboard/responses", query_string={"status": "none"}))
    assert re.search(r'<option value="none" selected>No follow-up</option>', page)
    assert page.count("No follow-up</span>") == 3  # each row's status says it
