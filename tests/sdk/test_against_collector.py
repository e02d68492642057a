"""The sync SDK against the real collector (``create_app()`` through ``httpx.WSGITransport``).

Each test makes real rows (through the SDK, the browser API or ``tests.factories``) and checks what
a developer using the SDK would see. Where the collector needs to misbehave (a broken connection,
a 503) or answers a status only the browser API gives (403, 409), the ``wire`` puts that answer in
the SDK's path; every other answer is the collector's own.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import fiilis
import httpx
import pytest
from sqlalchemy import func, select

from collector.domain.scoring import summarize
from collector.models import FollowupChange, Prompt, Response, User
from tests.factories import Rows
from tests.sdk.conftest import BASE_URL, ORIGIN, record_sleeps

EVENT = "invoice.paid"


# -- helpers ---------------------------------------------------------------------------------


def count(app, model, **where) -> int:
    """How many rows of ``model`` the database holds with these column values."""
    stmt = select(func.count()).select_from(model)
    for column, value in where.items():
        stmt = stmt.where(getattr(model, column) == value)
    with app.extensions["fiilis.sessionmaker"]() as db:
        return db.scalar(stmt)


def nps_survey(sdk: fiilis.Fiilis, **fields) -> fiilis.Survey:
    fields.setdefault("question", {"en": "How likely are you to recommend Acme?"})
    fields.setdefault("trigger_events", [EVENT])
    return sdk.surveys.create(kind="nps", **fields)


def visitor(site, user_id: str) -> dict:
    """Who is on the page, signed as the customer's server renders it (with the SDK's hash)."""
    return {
        "site_key": site.public_key,
        "anonymous_id": "anon-0000-1111",
        "user_id": user_id,
        "user_hash": fiilis.user_hash(site.identity_secret, user_id),
    }


def ask_in_browser(wire, site, user_id: str, *, origin: str = ORIGIN) -> httpx.Response:
    return wire.browser_call(
        "/v1/widget/events", {**visitor(site, user_id), "event": EVENT}, origin=origin
    )


def answer_in_browser(wire, prompt: dict, score: int, **extra) -> httpx.Response:
    body = {"token": prompt["token"], "response_id": str(uuid.uuid4()), "score": score, **extra}
    return wire.browser_call("/v1/widget/responses", body)


def browser_answer(wire, site, user_id: str, score: int, **extra) -> dict:
    """A user is asked on the page and answers: the stored response as the widget got it."""
    asked = ask_in_browser(wire, site, user_id)
    assert asked.status_code == 200, asked.text
    prompt = asked.json()["prompt"]
    assert prompt is not None, asked.json()
    answered = answer_in_browser(wire, prompt, score, **extra)
    assert answered.status_code == 201, answered.text
    return answered.json()


def copy_of(response: httpx.Response) -> httpx.Response:
    """A fresh copy of an answer the collector gave, to hand to the SDK in another call's place."""
    return httpx.Response(
        response.status_code, headers=response.headers.multi_items(), content=response.content
    )


def instead_of(method: str, path: str, answer: httpx.Response):
    """An intercept for ``Wire``: ``answer`` in place of every ``method path`` request."""

    def intercept(request: httpx.Request) -> httpx.Response | None:
        if request.method == method and request.url.path == path:
            return copy_of(answer)
        return None

    return intercept


def assert_carries_request_id(error: fiilis.APIError, answer: httpx.Response) -> None:
    assert error.request_id
    assert error.request_id == answer.headers["X-Request-Id"]
    assert error.request_id == answer.json()["error"]["request_id"]


# -- surveys ---------------------------------------------------------------------------------


def test_a_survey_is_created_listed_read_changed_and_archived(sdk):
    created = sdk.surveys.create(
        kind="csat",
        name="Invoices",
        question={"en": "How easy was paying?", "fi": "Kuinka helppoa maksaminen oli?"},
        followup={"en": "What could we do better?"},
        trigger_events=[EVENT],
        targeting=[{"trait": "plan", "op": "in", "value": ["pro", "team"]}],
        sample_rate=0.5,
    )
    assert created.id.startswith("srv_")
    assert (created.kind, created.name, created.active) == ("csat", "Invoices", True)
    assert created.question["fi"] == "Kuinka helppoa maksaminen oli?"
    assert created.targeting[0].to_dict() == {"trait": "plan", "op": "in", "value": ["pro", "team"]}
    assert created.created_at.tzinfo is not None

    assert sdk.surveys.get(created.id) == created

    changed = sdk.surveys.update(created.id, name="Invoices (Q3)", sample_rate=1.0)
    assert (changed.name, changed.sample_rate) == ("Invoices (Q3)", 1.0)
    assert changed.question == created.question  # untouched fields stay
    assert sdk.surveys.get(created.id).name == "Invoices (Q3)"

    other = nps_survey(sdk)
    assert [s.id for s in sdk.surveys.list()] == [other.id, created.id]  # newest first

    archived = sdk.surveys.archive(created.id)
    assert archived.archived_at is not None
    assert archived.active is False
    assert [s.id for s in sdk.surveys.list()] == [other.id]
    assert {s.id for s in sdk.surveys.list(include_archived=True)} == {other.id, created.id}


# -- prompts ---------------------------------------------------------------------------------


def test_a_widget_prompt_is_pending_and_reads_back_with_its_context(sdk, app, site):
    survey = nps_survey(sdk)

    prompt = sdk.prompts.create(
        user_id="u42", survey=survey.id, context={"ticket": "T-1"}, traits={"plan": "pro"}
    )

    assert prompt.status == "pending" and not prompt.suppressed
    assert prompt.id and prompt.url is None
    assert prompt.expires_at > datetime.now(UTC)
    read = sdk.prompts.get(prompt.id)
    assert (read.id, read.survey, read.user_id) == (prompt.id, survey.id, "u42")
    assert (read.status, read.channel, read.origin) == ("pending", "widget", "api")
    assert read.context == {"ticket": "T-1"}
    assert count(app, Prompt, site_id=site.site_id) == 1


def test_a_second_prompt_for_the_same_user_is_suppressed_with_a_reason(sdk, app, site):
    survey = nps_survey(sdk)
    first = sdk.prompts.create(user_id="u42", survey=survey.id)

    second = sdk.prompts.create(user_id="u42", survey=survey.id)

    assert second.status == "suppressed" and second.suppressed
    assert second.reason == "already_pending"
    assert second.id == first.id  # the prompt that is still waiting
    assert count(app, Prompt, site_id=site.site_id) == 1


def test_a_link_prompt_gives_a_hosted_answer_page_that_records_a_score(sdk, wire):
    survey = nps_survey(sdk)

    prompt = sdk.prompts.create(user_id="u42", survey=survey.id, channel="link")

    assert prompt.status == "pending"
    assert prompt.url.startswith(BASE_URL + "/r/")
    with httpx.Client(transport=wire.collector) as browser:  # a click in the e-mail
        page = browser.get(prompt.url, params={"score": 9})
    assert page.status_code == 200
    assert sdk.prompts.get(prompt.id).status == "answered"
    (response,) = sdk.responses.list(survey=survey.id)
    assert (response.score, response.user_id, response.prompt) == (9, "u42", prompt.id)


# -- responses -------------------------------------------------------------------------------


def test_responses_list_and_read_what_users_answered_in_the_browser(sdk, wire, site):
    survey = nps_survey(sdk)
    low = browser_answer(wire, site, "u1", 3, comment="Liian kallis")
    high = browser_answer(wire, site, "u2", 10)

    listed = list(sdk.responses.list(survey=survey.id))

    assert [r.id for r in listed] == [high["id"], low["id"]]  # newest first
    assert [r.id for r in sdk.responses.list(survey=survey.id, max_score=6)] == [low["id"]]
    assert [r.id for r in sdk.responses.list(user_id="u2")] == [high["id"]]
    one = sdk.responses.get(low["id"])
    assert (one.score, one.comment, one.user_id, one.kind) == (3, "Liian kallis", "u1", "nps")
    assert (one.survey, one.event, one.followup_status) == (survey.id, EVENT, "open")
    assert one.followup_history == []


def test_every_field_of_an_answer_and_of_a_users_prompts_is_typed_as_the_collector_sends_it(
    sdk, wire, site
):
    survey = nps_survey(sdk)
    page = "https://app.example.com/invoices/7"
    asked_on_page = wire.browser_call(
        "/v1/widget/events", {**visitor(site, "u1"), "event": EVENT, "url": page}
    ).json()["prompt"]
    answer = answer_in_browser(wire, asked_on_page, 9).json()
    one = sdk.responses.get(answer["id"])
    held = sdk.users.export("u1")
    asked = held.prompts[0]

    def fields(result) -> set[str]:
        return {f.name for f in dataclasses.fields(result) if f.name != "raw"}

    # Nothing the collector sends is left in .raw alone, and no field is one it never sends.
    assert fields(one) == set(one.raw)
    assert set(asked.raw) <= fields(asked)
    assert asked.page_url == page
    assert (asked.survey, asked.traits) == (survey.id, {})


def test_follow_up_changes_are_made_and_each_is_kept_in_the_history(sdk, wire, site):
    nps_survey(sdk)
    answer = browser_answer(wire, site, "u1", 2, comment="Lasku tuli kahdesti")

    first = sdk.responses.update(answer["id"], status="in_progress", owner="maria@example.com")
    second = sdk.responses.update(answer["id"], status="closed", note="Hyvitetty")

    assert (first.followup_status, first.followup_owner) == ("in_progress", "maria@example.com")
    assert (second.followup_status, second.followup_owner) == ("closed", "maria@example.com")
    assert second.followup_note == "Hyvitetty"
    history = sdk.responses.get(answer["id"]).followup_history
    assert [(h.status, h.owner, h.note) for h in history] == [
        ("in_progress", "maria@example.com", None),
        ("closed", "maria@example.com", "Hyvitetty"),
    ]
    assert all(h.created_at is not None for h in history)


def test_the_csv_export_streams_every_response_with_unicode_intact_and_formulas_neutralised(
    sdk, app, site, wire, tmp_path
):
    survey = Rows(app, site).survey("nps")
    formula = '=HYPERLINK("https://evil.example","Klikkaa tästä")'
    comments = {
        "happy": "Hyvä ja nopea palvelu, kiitos! Äänestän ö:llä 🎉",
        "attack": formula,
        "plain": None,
    }
    made = {
        name: Rows(app, site).response(
            survey, score, user_id=f"u-{name}", comment=comment, context={"tiimi": "Myynti ä"}
        )
        for (name, comment), score in zip(comments.items(), (10, 0, 7), strict=True)
    }
    path = tmp_path / "responses.csv"

    written = sdk.responses.export_csv(path, survey=survey)

    data = path.read_bytes()
    assert written == len(data)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM, for Excel
    (request, answer) = wire.exchanges[-1]
    assert request.url.path == "/v1/responses.csv"
    assert answer.headers["Content-Type"].startswith("text/csv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    by_id = {row[header.index("id")]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_id) == set(made.values())
    happy, attack, plain = (by_id[made[name]] for name in ("happy", "attack", "plain"))
    assert happy["comment"] == "Hyvä ja nopea palvelu, kiitos! Äänestän ö:llä 🎉"
    assert attack["comment"] == "'" + formula  # inert in a spreadsheet, otherwise unchanged
    assert plain["comment"] == ""
    assert (happy["score"], attack["score"], plain["score"]) == ("10", "0", "7")
    assert json.loads(happy["context"]) == {"tiimi": "Myynti ä"}


# -- metrics ---------------------------------------------------------------------------------


def test_metrics_equal_the_collectors_scoring_of_the_stored_scores(sdk, app, site):
    rows = Rows(app, site)
    survey, elsewhere = rows.survey("nps"), rows.survey("nps")
    scores = [10, 10, 10, 9, 9, 8, 7, 7, 6, 5, 3, 0, 10, 9, 2]
    rows.responses(survey, [{"score": s, "user_id": f"u{i}"} for i, s in enumerate(scores)])
    rows.responses(elsewhere, [{"score": 0}, {"score": 1}])  # another survey's, not counted

    metrics = sdk.metrics.get(survey=survey)

    expected = summarize("nps", Counter(scores)).to_dict()
    got = {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in ((name, getattr(metrics, name)) for name in expected)
    }
    assert got == expected
    assert (metrics.survey, metrics.kind, metrics.n, metrics.low_n) == (survey, "nps", 15, True)
    assert metrics.answered == len(scores)


# -- users -----------------------------------------------------------------------------------


def test_eligibility_names_every_rule_and_the_one_that_holds_a_user_back(sdk):
    survey = nps_survey(sdk)

    before = sdk.users.eligibility("u42", survey=survey.id, origin="api")
    sdk.prompts.create(user_id="u42", survey=survey.id)
    after = sdk.users.eligibility("u42", survey=survey.id, origin="api")

    assert (before.eligible, before.reason) == (True, None)
    assert before.rules and all(rule.passed or rule.skipped for rule in before.rules)
    assert (after.eligible, after.reason) == (False, "already_pending")
    failed = [rule.name for rule in after.rules if not rule.passed and not rule.skipped]
    assert failed == ["already_pending"]
    assert [r.name for r in after.rules] == [r.name for r in before.rules]


def test_a_user_is_exported_then_erased_and_nothing_of_them_is_left(sdk, app, site):
    asked = sdk.prompts.create(user_id="u42", survey=nps_survey(sdk).id, traits={"plan": "pro"})
    rows = Rows(app, site)
    answered_survey = rows.survey("csat")
    response_id = rows.response(answered_survey, 4, user_id="u42", comment="Ok")
    sdk.responses.update(response_id, status="closed")
    kept = rows.response(answered_survey, 5, user_id="u7")

    held = sdk.users.export("u42")

    assert held.user_id == "u42"
    assert held.user.traits == {"plan": "pro"}
    assert {p.id for p in held.prompts} >= {asked.id}
    assert len(held.prompts) == 2
    assert [r.id for r in held.responses] == [response_id]

    erased = sdk.users.delete("u42")

    assert erased.user_id == "u42"
    assert erased.deleted == {"prompts": 2, "responses": 1, "users": 1}
    with pytest.raises(fiilis.NotFoundError):
        sdk.users.export("u42")
    assert count(app, Response, user_id="u42") == 0
    assert count(app, Prompt, user_id="u42") == 0
    assert count(app, User, user_id="u42") == 0
    assert count(app, FollowupChange, response_id=response_id) == 0
    assert sdk.responses.get(kept).user_id == "u7"  # other users' answers stay


# -- site ------------------------------------------------------------------------------------


def test_the_site_settings_are_read_and_changed(sdk, site):
    before = sdk.site.get()
    assert (before.id, before.public_key) == (site.site_id, site.public_key)
    assert before.allowed_origins == [ORIGIN]
    assert site.secret_key not in json.dumps(before.raw)

    changed = sdk.site.update(
        allowed_origins=[ORIGIN, "https://www.example.com"],
        cooldown_days=14,
        default_locale="fi",
        theme={"accent": "#0055ff"},
        segments=("plan", "country"),
    )

    assert changed.allowed_origins == [ORIGIN, "https://www.example.com"]
    assert changed.segments == ["country", "plan"]
    assert (changed.cooldown_days, changed.default_locale) == (14, "fi")
    assert changed.theme["accent"] == "#0055ff"
    assert sdk.site.get().to_dict() == changed.to_dict()


# -- retries ---------------------------------------------------------------------------------


def test_a_prompt_retried_after_two_broken_connections_is_stored_once_under_one_key(
    sdk, app, site, wire, waits
):
    survey = nps_survey(sdk)
    failures = [2]

    def refuse_twice(request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path == "/v1/prompts" and failures[0]:
            failures[0] -= 1
            raise httpx.ConnectError("connection refused", request=request)

    wire.intercept = refuse_twice

    prompt = sdk.prompts.create(user_id="u42", survey=survey.id)

    assert prompt.status == "pending"
    attempts = wire.calls("POST", "/v1/prompts")
    assert len(attempts) == 3
    (key,) = {request.headers["Idempotency-Key"] for request in attempts}  # one for all three
    assert key
    assert len(waits) == 2
    assert count(app, Prompt, site_id=site.site_id) == 1
    assert sdk.prompts.get(prompt.id).user_id == "u42"


def test_a_retry_after_a_repeated_post_gets_the_stored_prompt_not_a_second_one(
    sdk, app, site, wire
):
    """The answer is lost on the way back: the retry must not ask the user twice."""
    survey = nps_survey(sdk)
    lost = [1]

    def lose_first_answer(request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path == "/v1/prompts" and lost[0]:
            lost[0] -= 1
            wire.collector.handle_request(request).read()  # the collector did store it
            raise httpx.ReadError("connection reset", request=request)

    wire.intercept = lose_first_answer

    prompt = sdk.prompts.create(user_id="u42", survey=survey.id)

    assert prompt.status == "pending"
    assert wire.last_response().headers.get("Idempotent-Replayed") == "true"
    assert count(app, Prompt, site_id=site.site_id) == 1


def test_a_429_is_retried_after_exactly_the_seconds_in_its_retry_after(sdk, app, wire, waits):
    app.config["RATELIMIT_MANAGEMENT"] = "2/minute"
    sdk.site.get()
    sdk.site.get()

    with pytest.raises(fiilis.RateLimitError):
        sdk.site.get()

    limited = [answer for _, answer in wire.exchanges if answer.status_code == 429]
    assert len(limited) == 3  # the call and its two retries
    advised = [float(answer.headers["Retry-After"]) for answer in limited]
    assert all(seconds > 0 for seconds in advised)
    assert waits == advised[:2]


@pytest.mark.parametrize(
    ("call", "status"),
    [
        (lambda sdk: sdk.surveys.get("srv_missing"), 404),
        (lambda sdk: sdk.prompts.create(user_id="u1", survey="srv_missing"), 404),
        (lambda sdk: sdk.surveys.create(kind="nps", question={"en": "?"}, sample_rate=2), 422),
        (lambda sdk: sdk.with_options(api_key="sk_not_a_key").site.get(), 401),
    ],
    ids=["get-404", "post-404", "post-422", "401"],
)
def test_a_4xx_other_than_429_is_raised_at_once_without_a_retry(sdk, wire, waits, call, status):
    with pytest.raises(fiilis.APIError) as raised:
        call(sdk)

    assert raised.value.status == status
    assert len(wire.exchanges) == 1
    assert waits == []


def test_max_retries_zero_means_exactly_one_call(sdk, wire):
    once = sdk.with_options(max_retries=0)
    waits = record_sleeps(once)

    def unavailable(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"error": {"code": "unavailable", "message": "down"}})

    wire.intercept = unavailable
    with pytest.raises(fiilis.ServerError):
        once.site.get()
    assert len(wire.exchanges) == 1

    def refuse(request: httpx.Request) -> None:
        raise httpx.ConnectError("connection refused", request=request)

    wire.intercept = refuse
    with pytest.raises(fiilis.APIConnectionError):
        once.surveys.create(kind="nps", question={"en": "?"})
    assert len(wire.exchanges) == 2
    assert waits == []


# -- pagination ------------------------------------------------------------------------------


def test_250_responses_in_pages_of_100_are_each_listed_exactly_once(sdk, app, site, wire):
    rows = Rows(app, site)
    survey = rows.survey("nps")
    start = datetime(2025, 3, 1, 12, tzinfo=UTC)
    # Ten answers share each second, so pages must break inside runs of equal timestamps.
    made = rows.responses(
        survey,
        [{"score": i % 11, "at": start + timedelta(seconds=i // 10)} for i in range(250)],
    )

    listed = [r.id for r in sdk.responses.list(survey=survey, limit=100)]

    assert len(listed) == 250
    assert Counter(listed) == Counter(made)
    assert len(wire.calls("GET", "/v1/responses")) == 3
    pages = list(sdk.responses.list(survey=survey, limit=100).pages())
    assert [len(page.data) for page in pages] == [100, 100, 50]
    assert [page.has_more for page in pages] == [True, True, False]


# -- every error class, with the collector's request id --------------------------------------


def test_a_wrong_secret_key_raises_authentication_error(sdk, wire):
    stranger = sdk.with_options(api_key="sk_live_not_a_real_key_0123456789")

    with pytest.raises(fiilis.AuthenticationError) as raised:
        stranger.surveys.list().first_page()

    error = raised.value
    assert (error.status, error.code) == (401, "invalid_api_key")
    assert_carries_request_id(error, wire.last_response())


def test_a_refusal_by_the_collector_raises_permission_denied_error(sdk, wire, site):
    # No management route answers 403; the browser API refuses a page on a foreign origin.
    refused = ask_in_browser(wire, site, "u1", origin="https://evil.example")
    assert refused.status_code == 403
    wire.intercept = instead_of("GET", "/v1/site", refused)

    with pytest.raises(fiilis.PermissionDeniedError) as raised:
        sdk.site.get()

    error = raised.value
    assert (error.status, error.code) == (403, "origin_not_allowed")
    assert "https://evil.example" in error.message
    assert_carries_request_id(error, refused)


def test_another_sites_survey_raises_not_found_error(sdk, other_sdk, wire):
    theirs = nps_survey(other_sdk)

    with pytest.raises(fiilis.NotFoundError) as raised:
        sdk.surveys.get(theirs.id)

    error = raised.value
    assert (error.status, error.code) == (404, "not_found")
    assert_carries_request_id(error, wire.last_response())
    assert other_sdk.surveys.get(theirs.id).id == theirs.id


def test_a_conflict_from_the_collector_raises_conflict_error(sdk, wire, site):
    # The management API has no conflict to give; the browser API answers a prompt answered
    # with another score by 409.
    nps_survey(sdk)
    prompt = ask_in_browser(wire, site, "u1").json()["prompt"]
    assert answer_in_browser(wire, prompt, 9).status_code == 201
    conflict = answer_in_browser(wire, prompt, 3)
    assert conflict.status_code == 409
    wire.intercept = instead_of("GET", "/v1/site", conflict)

    with pytest.raises(fiilis.ConflictError) as raised:
        sdk.site.get()

    error = raised.value
    assert (error.status, error.code, error.param) == (409, "already_answered", "score")
    assert_carries_request_id(error, conflict)


def test_an_invalid_survey_raises_validation_error_naming_the_field(sdk, wire):
    with pytest.raises(fiilis.ValidationError) as raised:
        sdk.surveys.create(
            kind="nps",
            question={"en": "How likely?"},
            targeting=[{"trait": "plan", "op": "like", "value": "pro"}],
        )

    error = raised.value
    assert (error.status, error.code, error.param) == (422, "validation_failed", "targeting.0.op")
    assert_carries_request_id(error, wire.last_response())


def test_the_management_rate_limit_raises_rate_limit_error_with_retry_after(sdk, app, wire):
    app.config["RATELIMIT_MANAGEMENT"] = "2/minute"
    once = sdk.with_options(max_retries=0)
    once.site.get()
    once.site.get()

    with pytest.raises(fiilis.RateLimitError) as raised:
        once.site.get()

    error, answer = raised.value, wire.last_response()
    assert (error.status, error.code) == (429, "rate_limited")
    assert error.retry_after == float(answer.headers["Retry-After"]) > 0
    assert error.request_id and error.request_id == answer.headers["X-Request-Id"]


def test_a_rate_limited_answer_names_the_same_request_id_in_its_body(sdk, app, wire):
    app.config["RATELIMIT_MANAGEMENT"] = "1/minute"
    once = sdk.with_options(max_retries=0)
    once.site.get()

    with pytest.raises(fiilis.RateLimitError) as raised:
        once.site.get()

    assert_carries_request_id(raised.value, wire.last_response())


def test_a_503_raises_server_error_after_the_retries(sdk, wire, waits):
    def unavailable(request: httpx.Request) -> httpx.Response:
        body = {
            "error": {
                "type": "api_error",
                "code": "unavailable",
                "message": "The collector is restarting.",
                "request_id": "req_0123456789abcdef",
            }
        }
        return httpx.Response(503, json=body, headers={"X-Request-Id": "req_0123456789abcdef"})

    wire.intercept = unavailable

    with pytest.raises(fiilis.ServerError) as raised:
        sdk.surveys.list().first_page()

    error = raised.value
    assert (error.status, error.code) == (503, "unavailable")
    assert error.request_id == "req_0123456789abcdef"
    assert len(wire.exchanges) == 3 and len(waits) == 2


def test_a_csv_export_can_go_into_an_open_text_file(sdk, app, site):
    survey = Rows(app, site).survey("csat")
    Rows(app, site).response(survey, 5, comment="Äärimmäisen hyvä")
    target = io.StringIO()

    sdk.responses.export_csv(target, survey=survey)

    header, row = list(csv.reader(io.StringIO(target.getvalue().lstrip("\ufeff"))))
    assert dict(zip(header, row, strict=True))["comment"] == "Äärimmäisen hyvä"


def test_a_surveys_follow_up_bands_are_set_changed_and_decide_new_answers(sdk, wire, site):
    survey = nps_survey(sdk, followup_bands=["mid", "low"])
    assert survey.followup_bands == ["low", "mid"]
    passive = browser_answer(wire, site, "u1", 8)
    promoter = browser_answer(wire, site, "u2", 10)
    assert sdk.responses.get(passive["id"]).followup_status == "open"
    assert sdk.responses.get(promoter["id"]).followup_status == "none"
    assert [r.id for r in sdk.responses.list(followup_status="none")] == [promoter["id"]]

    changed = sdk.surveys.update(survey.id, followup_bands="high")
    assert changed.followup_bands == sdk.surveys.get(survey.id).followup_bands == ["high"]
    assert sdk.responses.get(passive["id"]).followup_status == "open"  # stored ones keep theirs
    assert sdk.surveys.create(kind="csat", question="How was it?").followup_bands == ["low"]

    with pytest.raises(fiilis.ValidationError) as raised:
        sdk.surveys.update(survey.id, followup_bands=["low", "neutral"])
    assert (raised.value.status, raised.value.param) == (422, "followup_bands.1")
