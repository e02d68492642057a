"""The widget path's use cases (a page view, an event, an answer) on the in-memory fake store:
the same services the browser API calls, without Flask or a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from collector.domain import scale
from collector.domain.eligibility import SurveyRules
from collector.domain.tokens import PromptTokens
from collector.domain.widget import SiteSettings, SurveySettings
from collector.services import answers, visits
from collector.services.failures import Conflict, Gone, Invalid, NotFound
from tests.unit.fake_store import FakeWork

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SITE = SiteSettings(id="site_1", identity_secret="s" * 32, cooldown_days=0)
TOKENS = PromptTokens("unit-test-secret")


def survey(survey_id="srv_1", kind="csat", events=("invoice.paid",), **rules) -> SurveySettings:
    return SurveySettings(
        id=survey_id,
        site_id=SITE.id,
        kind=kind,
        scale=scale.of(kind),
        question={"en": "How was paying?", "fi": "Miten maksaminen sujui?"},
        rules=SurveyRules(
            id=survey_id, created_at=NOW - timedelta(days=1), trigger_events=events, **rules
        ),
    )


@pytest.fixture
def work() -> FakeWork:
    made = FakeWork()
    made.state.sites[SITE.id] = SITE
    made.state.public_keys["pk_test"] = SITE.id
    made.state.surveys["srv_1"] = survey()
    return made


def event(work, name="invoice.paid", user="u1", **visit):
    return visits.event(work, TOKENS, SITE, {"user_id": user, "event": name, **visit}, NOW)


def answer(work, prompt, score=4, response_id=None, at=NOW):
    claims = TOKENS.read(prompt["token"], now=at, allow_expired=True)
    data = {"response_id": response_id or str(uuid.uuid4()), "score": score}
    return answers.answer(work, claims, data, at)


def test_an_event_a_survey_triggers_on_opens_a_prompt_and_delivers_it(work):
    prompt, reason = event(work, locale="fi")
    assert reason is None
    assert prompt["question"] == "Miten maksaminen sujui?" and prompt["locale"] == "fi"
    assert prompt["scale"] == {
        "min": 1,
        "max": 5,
        "low_label": prompt["scale"]["low_label"],
        "high_label": prompt["scale"]["high_label"],
    }
    claims = TOKENS.read(prompt["token"], now=NOW)
    assert (claims.prompt_id, claims.site_id) == (prompt["id"], SITE.id)
    stored = work.state.prompts[prompt["id"]]
    assert (stored["user_id"], stored["event"], stored["expires_at"]) == (
        "u1",
        "invoice.paid",
        NOW + visits.EVENT_TTL,
    )


def test_the_same_event_again_re_delivers_the_open_prompt(work):
    first, _ = event(work)
    again, reason = event(work)
    assert reason is None and again["id"] == first["id"]
    assert len(work.state.prompts) == 1


def test_an_event_no_survey_triggers_on_reads_and_writes_nothing(work):
    prompt, reason = event(work, name="page.scrolled")
    assert (prompt, reason) == (None, "event_not_trigger")
    assert work.writes == 0 and not work.state.users and not work.state.prompts


def test_when_no_survey_may_ask_the_furthest_reason_is_given(work):
    work.state.surveys["srv_2"] = survey("srv_2", sample_rate=0.0)
    first, _ = event(work)
    answer(work, first)
    prompt, reason = event(work)
    # srv_1 was answered just now (recontact), srv_2 samples nobody: recontact goes further.
    assert prompt is None and reason == "answered_recently"


def test_show_names_its_survey_and_another_sites_is_not_found(work):
    prompt, _ = event(work, name="$show", survey_id="srv_1")
    assert prompt["kind"] == "csat"
    work.state.surveys["srv_x"] = SurveySettings(**{**vars(survey("srv_x")), "site_id": "other"})
    with pytest.raises(NotFound):
        event(work, name="$show", survey_id="srv_x", user="u2")
    assert ("site_1", "u2") not in work.state.users  # the refused call left nothing behind


def test_a_page_view_delivers_the_prompt_a_backend_left_waiting(work):
    work.state.prompts["prm_api"] = {
        "id": "prm_api",
        "site_id": SITE.id,
        "survey_id": "srv_1",
        "user_id": "u1",
        "origin": "api",
        "channel": "widget",
        "status": "pending",
        "locale": None,
        "created_at": NOW - timedelta(hours=1),
        "expires_at": NOW + timedelta(days=14),
    }
    prompt = visits.page_view(work, TOKENS, SITE, {"user_id": "u1"}, NOW)
    assert prompt["id"] == "prm_api"
    assert visits.page_view(work, TOKENS, SITE, {"user_id": "u9"}, NOW) is None


def test_an_anonymous_page_view_touches_nothing(work):
    assert visits.page_view(work, TOKENS, SITE, {"anonymous_id": "a" * 16}, NOW) is None
    assert work.writes == 0 and not work.state.users


def test_an_answer_is_stored_once_and_the_same_answer_again_replays(work):
    prompt, _ = event(work)
    response_id = str(uuid.uuid4())
    stored, created = answer(work, prompt, 4, response_id)
    assert created and (stored.id, stored.score, stored.prompt_id) == (response_id, 4, prompt["id"])
    assert work.state.prompts[prompt["id"]]["status"] == "answered"
    again, created = answer(work, prompt, 4, response_id)
    assert not created and again == stored
    with pytest.raises(Conflict) as other:
        answer(work, prompt, 2)
    assert other.value.code == "already_answered"
    assert len(work.state.answers) == 1


def test_an_answer_off_the_scale_or_too_late_is_refused_and_nothing_is_kept(work):
    prompt, _ = event(work)
    with pytest.raises(Invalid, match="from 1 to 5"):
        answer(work, prompt, 7)
    with pytest.raises(Invalid):
        answer(work, prompt, 2**31)  # off every scale: never sent to the store
    with pytest.raises(Gone):
        answer(work, prompt, 4, at=NOW + visits.EVENT_TTL)
    assert not work.state.answers
    assert work.state.prompts[prompt["id"]]["status"] == "pending"
