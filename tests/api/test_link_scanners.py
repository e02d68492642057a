"""One-click score links survive mail scanners: a burst of different scores records nothing.

The rule (collector/services/answers.py, docs/people.md): a second, different one-click score
within 2 s of the first undoes the first and marks the link as scanned; clicks record nothing
until the link has been quiet for 2 s. A person's single click records at once.
"""

from __future__ import annotations

import pytest

from collector.models import OutboxEvent
from tests.api.prompting import SECOND, count, frozen_clock, rows
from tests.api.test_answer_page import Page, link_prompt, path_of


@pytest.fixture
def clock(monkeypatch):
    return frozen_clock(monkeypatch)


def status(client, site, prompt_id) -> str:
    return client.get(f"/v1/prompts/{prompt_id}", headers=site.auth).get_json()["status"]


def scan(client, url, clock, gap=SECOND / 10, scores=range(11)):
    for score in scores:
        assert client.get(url + f"?score={score}").status_code == 200
        clock.now += gap


def test_a_single_click_records_at_once(client, site, clock):
    url = path_of(link_prompt(client, site))
    page = Page(client.get(url + "?score=9").get_data(as_text=True))
    assert [r.score for r in rows(client.application)] == [9]
    assert page.textareas  # the comment form, straight away


def test_all_eleven_links_within_two_seconds_record_nothing(client, site, clock):
    url = path_of(link_prompt(client, site))
    client.get(url + "?score=0")
    [first] = rows(client.application)
    clock.now += SECOND / 10
    scan(client, url, clock, scores=range(1, 11))
    assert count(client.application) == 0
    assert count(client.application, OutboxEvent) == 0  # nothing announced either
    assert status(client, site, first.prompt_id) == "shown"  # still open


def test_the_person_can_answer_after_the_scanner(client, site, clock):
    url = path_of(link_prompt(client, site))
    scan(client, url, clock)
    clock.now += 3 * SECOND
    page = Page(client.get(url + "?score=9").get_data(as_text=True))
    [answer] = rows(client.application)
    assert answer.score == 9
    assert page.textareas
    assert status(client, site, answer.prompt_id) == "answered"
    assert [e.type for e in rows(client.application, OutboxEvent)] == ["response.created"]


def test_a_slow_scanner_is_still_a_scanner_while_its_clicks_keep_coming(client, site, clock):
    url = path_of(link_prompt(client, site))
    scan(client, url, clock, gap=SECOND * 3 / 2)  # 11 links over 15 s, 1.5 s apart
    assert count(client.application) == 0


def test_a_person_who_changes_their_mind_later_changes_the_score(client, site, clock):
    url = path_of(link_prompt(client, site))
    client.get(url + "?score=6")
    clock.now += 5 * SECOND
    client.get(url + "?score=8")
    assert [r.score for r in rows(client.application)] == [8]


def test_the_same_link_opened_twice_quickly_is_one_answer(client, site, clock):
    url = path_of(link_prompt(client, site))
    client.get(url + "?score=7")
    clock.now += SECOND / 10
    client.get(url + "?score=7")
    assert [r.score for r in rows(client.application)] == [7]


def test_head_requests_of_every_link_record_nothing(client, site, clock):
    url = path_of(link_prompt(client, site))
    for score in range(11):
        assert client.head(url + f"?score={score}").status_code == 200
    assert count(client.application) == 0
    client.get(url + "?score=4")
    assert [r.score for r in rows(client.application)] == [4]
