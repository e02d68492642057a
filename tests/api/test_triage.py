"""Reading and triaging the Responses list: clipped comments, filters kept, the owner picker."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

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
