"""The client itself: configuration, headers, options, lifecycle, logging, typed results, and the
requests each resource method sends (against ``httpx.MockTransport`` fakes; the same methods are
exercised against the real collector elsewhere)."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import importlib.metadata
import io
import json
import logging
from datetime import UTC, date, datetime, timedelta, timezone

import fiilis
import httpx
import pytest

BASE = "https://collector.test"
KEY = "sk_live_very_secret_0123456789abcdef"


class Recorder:
    """A fake collector that records requests and answers each with ``reply(request)``."""

    def __init__(self, reply=None):
        self.requests: list[httpx.Request] = []
        self.reply = reply or (lambda request: {"id": "obj_1"})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.reply(request)
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer, headers={"X-Request-Id": "req_rec"})

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, index: int = -1) -> dict:
        return json.loads(self.requests[index].content)


def make(reply=None, **options) -> tuple[fiilis.Fiilis, Recorder]:
    server = Recorder(reply)
    options.setdefault("api_key", KEY)
    options.setdefault("base_url", BASE)
    return fiilis.Fiilis(transport=httpx.MockTransport(server), **options), server


@pytest.fixture(autouse=True)
def _no_fiilis_env(monkeypatch):
    monkeypatch.delenv("FIILIS_API_KEY", raising=False)
    monkeypatch.delenv("FIILIS_BASE_URL", raising=False)


# --- configuration ----------------------------------------------------------------------------


def test_key_and_url_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("FIILIS_API_KEY", "sk_from_env")
    monkeypatch.setenv("FIILIS_BASE_URL", "https://env.example.com/")
    server = Recorder()

    client = fiilis.Fiilis(transport=httpx.MockTransport(server))
    client.site.get()

    assert client.base_url == "https://env.example.com"
    assert server.last.headers["authorization"] == "Bearer sk_from_env"
    assert str(server.last.url) == "https://env.example.com/v1/site"


def test_arguments_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("FIILIS_API_KEY", "sk_from_env")
    monkeypatch.setenv("FIILIS_BASE_URL", "https://env.example.com")

    client, server = make(api_key="sk_argument", base_url="https://arg.example.com")
    client.site.get()

    assert server.last.headers["authorization"] == "Bearer sk_argument"
    assert server.last.url.host == "arg.example.com"


def test_a_missing_key_is_a_clear_error_at_construction():
    with pytest.raises(fiilis.FiilisError, match="FIILIS_API_KEY"):
        fiilis.Fiilis(base_url=BASE)
    with pytest.raises(fiilis.FiilisError, match="FIILIS_API_KEY"):
        fiilis.AsyncFiilis(api_key="  ", base_url=BASE)


def test_the_public_key_is_refused_with_a_hint():
    with pytest.raises(fiilis.FiilisError, match="secret key"):
        fiilis.Fiilis(api_key="pk_public", base_url=BASE)


def test_a_missing_or_bad_base_url_is_a_clear_error():
    with pytest.raises(fiilis.FiilisError, match="FIILIS_BASE_URL"):
        fiilis.Fiilis(api_key=KEY)
    with pytest.raises(fiilis.FiilisError, match="http"):
        fiilis.Fiilis(api_key=KEY, base_url="collector.test")


def test_a_base_url_ending_in_v1_is_not_doubled():
    client, server = make(base_url="https://collector.test/v1/")
    client.site.get()
    assert server.last.url.path == "/v1/site"


def test_a_base_url_with_a_path_prefix_keeps_it():
    client, server = make(base_url="https://example.com/feedback")
    client.site.get()
    assert server.last.url.path == "/feedback/v1/site"


def test_defaults_are_ten_seconds_and_two_retries():
    client, server = make()
    client.site.get()

    assert client.max_retries == 2
    assert client.timeout == httpx.Timeout(10.0)
    assert server.last.extensions["timeout"] == httpx.Timeout(10.0).as_dict()


def test_options_are_keyword_only_and_checked():
    with pytest.raises(TypeError):
        fiilis.Fiilis(KEY, BASE)  # type: ignore[misc]
    with pytest.raises(ValueError):
        fiilis.Fiilis(api_key=KEY, base_url=BASE, max_retries=-1)
    with pytest.raises(ValueError):
        fiilis.Fiilis(api_key=KEY, base_url=BASE, timeout=0)


def test_repr_never_shows_the_key():
    client, _ = make()
    assert KEY not in repr(client)
    assert KEY not in repr(client._core.settings)
    assert "collector.test" in repr(client)


# --- headers ----------------------------------------------------------------------------------


def test_every_request_carries_the_key_user_agent_and_accept():
    client, server = make()
    client.surveys.get("srv_1")

    headers = server.last.headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["user-agent"] == f"fiilis-python/{fiilis.__version__}"
    assert headers["accept"] == "application/json"


def test_the_version_is_the_distributions():
    assert fiilis.__version__ == importlib.metadata.version("fiilis") == "0.1.0"


def test_json_bodies_accept_datetimes_and_decimals_in_context():
    client, server = make(lambda r: {"status": "pending", "id": "prm_1"})
    from decimal import Decimal

    client.prompts.create(
        user_id="u42",
        survey="srv_1",
        context={"at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), "amount": Decimal("9.5")},
    )

    assert server.body()["context"] == {"at": "2025-01-02T03:04:05+00:00", "amount": 9.5}
    assert server.last.headers["content-type"] == "application/json"


# --- with_options and lifecycle ---------------------------------------------------------------


def test_with_options_returns_a_new_client_and_leaves_the_original_alone():
    client, server = make()

    quick = client.with_options(timeout=2.5, max_retries=0)
    quick.site.get()
    client.site.get()

    assert quick is not client
    assert (quick.timeout, quick.max_retries) == (httpx.Timeout(2.5), 0)
    assert (client.timeout, client.max_retries) == (httpx.Timeout(10.0), 2)
    assert server.requests[0].extensions["timeout"]["read"] == 2.5
    assert server.requests[1].extensions["timeout"]["read"] == 10.0
    assert quick.site is not client.site and quick._core is not client._core


def test_with_options_can_switch_the_key_and_checks_its_values():
    client, server = make()

    client.with_options(api_key="sk_other_site").site.get()

    assert server.last.headers["authorization"] == "Bearer sk_other_site"
    with pytest.raises(ValueError):
        client.with_options(max_retries=-3)


def test_closing_a_derived_client_leaves_the_original_usable():
    client, server = make()

    with client.with_options(timeout=1) as derived:
        derived.site.get()
    client.site.get()

    assert len(server.requests) == 2


class ClosingTransport(httpx.MockTransport):
    def __init__(self):
        super().__init__(lambda request: httpx.Response(200, json={"id": "site_1"}))
        self.closed = False

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def test_the_context_manager_closes_the_connection_pool():
    transport = ClosingTransport()

    with fiilis.Fiilis(api_key=KEY, base_url=BASE, transport=transport) as client:
        client.site.get()
        assert not transport.closed

    assert transport.closed
    with pytest.raises(RuntimeError):
        client.site.get()


def test_the_async_context_manager_closes_the_connection_pool():
    transport = ClosingTransport()

    async def main():
        async with fiilis.AsyncFiilis(api_key=KEY, base_url=BASE, transport=transport) as client:
            site = await client.site.get()
            assert not transport.closed
            return site

    assert asyncio.run(main()).id == "site_1"
    assert transport.closed


def test_close_and_aclose_close_the_pool():
    sync_transport, async_transport = ClosingTransport(), ClosingTransport()

    fiilis.Fiilis(api_key=KEY, base_url=BASE, transport=sync_transport).close()
    asyncio.run(fiilis.AsyncFiilis(api_key=KEY, base_url=BASE, transport=async_transport).aclose())

    assert sync_transport.closed and async_transport.closed


# --- logging ----------------------------------------------------------------------------------


def test_debug_logs_say_what_happened_and_never_the_key(caplog):
    answers = [
        httpx.Response(503, json={"error": {"code": "down", "message": "x", "request_id": "r0"}}),
        httpx.Response(201, json={"id": "prm_1", "status": "pending"}, headers={"X-Request-Id": "req_9"}),
        httpx.Response(401, json={"error": {"code": "invalid_api_key", "message": f"bad {KEY[:3]}",
                                            "request_id": "req_401"}}),
    ]  # fmt: skip
    client, _ = make(lambda request: answers.pop(0))
    client._core._sleep = lambda seconds: None

    with caplog.at_level(logging.DEBUG, logger="fiilis"):
        client.prompts.create(user_id="u42", survey="srv_1")
        with pytest.raises(fiilis.AuthenticationError):
            client.site.get()

    text = caplog.text
    assert "POST /v1/prompts -> 201" in text and "req_9" in text
    assert "retrying POST /v1/prompts" in text
    assert "GET /v1/site -> 401" in text
    assert KEY not in text
    assert KEY[3:] not in text
    assert "Bearer" not in text and "authorization" not in text.lower()
    assert all(record.name == "fiilis" for record in caplog.records)


# --- user_hash --------------------------------------------------------------------------------


def test_user_hash_is_hex_hmac_sha256_of_the_user_id():
    secret, uid = "idsec_3kq9x", "u42"
    expected = hmac.new(secret.encode(), uid.encode(), hashlib.sha256).hexdigest()

    assert fiilis.user_hash(secret, uid) == expected
    assert fiilis.user_hash(secret.encode(), uid) == expected


def test_user_hash_takes_integer_ids_and_unicode():
    secret = "idsec"
    assert fiilis.user_hash(secret, 42) == fiilis.user_hash(secret, "42")
    expected = hmac.new(b"idsec", "käyttäjä".encode(), hashlib.sha256).hexdigest()
    assert fiilis.user_hash(secret, "käyttäjä") == expected


def test_user_hash_refuses_an_empty_secret():
    with pytest.raises(ValueError):
        fiilis.user_hash("", "u42")


# --- typed results ----------------------------------------------------------------------------

SURVEY = {
    "id": "srv_1",
    "kind": "nps",
    "name": "How likely",
    "question": {"en": "How likely…?", "fi": "Kuinka todennäköisesti…?"},
    "followup": None,
    "trigger_events": ["invoice.paid"],
    "delay_ms": 0,
    "sample_rate": 1,
    "targeting": [{"trait": "plan", "op": "in", "value": ["pro", "team"]}],
    "recontact_days": 90,
    "dismiss_snooze_days": 30,
    "max_responses": None,
    "priority": 0,
    "active": True,
    "created_at": "2025-03-01T10:00:00.123456Z",
    "updated_at": "2025-03-01T12:00:00+02:00",
    "a_field_from_a_newer_server": {"whatever": 1},
}


def test_results_are_typed_and_ignore_fields_they_do_not_know():
    client, _ = make(lambda r: SURVEY)

    survey = client.surveys.get("srv_1")

    assert isinstance(survey, fiilis.Survey)
    assert survey.kind == "nps" and survey.question["fi"].startswith("Kuinka")
    assert survey.sample_rate == 1.0 and isinstance(survey.sample_rate, float)
    assert survey.targeting == [fiilis.TargetingRule(trait="plan", op="in", value=["pro", "team"])]
    assert survey.created_at == datetime(2025, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert survey.updated_at.utcoffset() == timedelta(hours=2)
    assert survey.raw["a_field_from_a_newer_server"] == {"whatever": 1}
    assert "a_field_from_a_newer_server" not in survey.to_dict()


def test_results_are_frozen_and_to_dict_gives_plain_values():
    survey = fiilis.Survey._from_dict(SURVEY)

    with pytest.raises(dataclasses.FrozenInstanceError):
        survey.name = "changed"  # type: ignore[misc]
    as_dict = survey.to_dict()
    assert as_dict["targeting"] == [{"trait": "plan", "op": "in", "value": ["pro", "team"]}]
    assert as_dict["created_at"].tzinfo is not None
    assert "raw" not in as_dict


def test_missing_fields_take_defaults_instead_of_failing():
    survey = fiilis.Survey._from_dict({"id": "srv_2"})
    assert survey.kind is None and survey.trigger_events == [] and survey.targeting == []


@pytest.mark.parametrize(
    "text",
    ["2025-03-01T10:00:00Z", "2025-03-01T10:00:00+00:00", "2025-03-01T10:00:00.000Z",
     "2025-03-01T12:00:00.0000000+02:00", "2025-03-01T10:00:00.0z"],
)  # fmt: skip
def test_timestamps_parse_with_z_offsets_and_any_fraction(text):
    created = fiilis.Response._from_dict({"id": "r", "created_at": text}).created_at
    assert created == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def test_an_unreadable_timestamp_is_kept_rather_than_failing():
    assert (
        fiilis.Response._from_dict({"id": "r", "created_at": "tomorrow"}).created_at == "tomorrow"
    )


def test_metrics_series_and_groups_are_small_dataclasses():
    body = {
        "survey": "srv_1", "kind": "nps", "n": 120, "score": 31.5, "ci95": [18.2, 44.8],
        "mean": 8.1, "distribution": {str(i): 10 for i in range(11)}, "shown": 400,
        "answered": 120, "dismissed": 50, "response_rate": 0.3, "low_n": False,
        "promoters_pct": 50.0, "passives_pct": 31.5, "detractors_pct": 18.5,
        "series": [{"start": "2025-01-06T00:00:00+02:00", "n": 60, "score": 30, "ci95": [10, 50],
                    "mean": 8.0}],
        "groups": [{"key": "invoice.paid", "n": 120, "score": 31.5, "ci95": [18.2, 44.8],
                    "mean": 8.1}],
        "percentile_99": "new",
    }  # fmt: skip
    client, server = make(lambda r: body)

    m = client.metrics.get(
        survey="srv_1",
        since=date(2025, 1, 1),
        until=datetime(2025, 2, 1, 0, 0),
        interval="week",
        group_by="event",
        tz="Europe/Helsinki",
    )

    assert m.score == 31.5 and m.ci95 == (18.2, 44.8) and not m.low_n
    assert m.series[0] == fiilis.MetricsPoint(
        start=datetime(2025, 1, 6, tzinfo=timezone(timedelta(hours=2))),
        n=60,
        score=30.0,
        ci95=(10.0, 50.0),
        mean=8.0,
    )
    assert isinstance(m.groups[0], fiilis.MetricsGroup) and m.groups[0].key == "invoice.paid"
    assert m.promoters_pct == 50.0
    assert dict(server.last.url.params) == {
        "survey": "srv_1",
        "since": "2025-01-01",
        "until": "2025-02-01T00:00:00",  # naive: the collector reads it in tz
        "interval": "week",
        "group_by": "event",
        "tz": "Europe/Helsinki",
    }


# --- what each resource method sends ---------------------------------------------------------


def test_prompts_create_sends_the_designed_body_and_returns_a_pending_prompt():
    client, server = make(
        lambda r: httpx.Response(
            201,
            json={"id": "prm_1", "status": "pending", "expires_at": "2025-03-08T10:00:00Z"},
        )
    )

    prompt = client.prompts.create(
        user_id="u42",
        survey="srv_1",
        context={"ticket": "T-1"},
        traits={"plan": "pro"},
        force=True,
    )

    assert (server.last.method, server.last.url.path) == ("POST", "/v1/prompts")
    assert server.body() == {
        "user_id": "u42",
        "survey": "srv_1",
        "channel": "widget",
        "context": {"ticket": "T-1"},
        "traits": {"plan": "pro"},
        "force": True,
    }
    assert prompt.status == "pending" and not prompt.suppressed
    assert prompt.expires_at == datetime(2025, 3, 8, 10, tzinfo=UTC)


def test_a_link_prompt_has_its_url():
    client, server = make(
        lambda r: httpx.Response(
            201,
            json={"id": "prm_2", "status": "pending", "url": f"{BASE}/r/tok", "expires_at": None},
        )
    )

    prompt = client.prompts.create(user_id=7, survey="srv_1", channel="link", locale="fi")

    assert server.body() == {"user_id": "7", "survey": "srv_1", "channel": "link", "locale": "fi"}
    assert prompt.url == f"{BASE}/r/tok"


def test_a_suppressed_prompt_is_a_result_not_an_error():
    client, _ = make(lambda r: {"status": "suppressed", "reason": "answered_recently"})

    prompt = client.prompts.create(user_id="u42", survey="srv_1")

    assert prompt.suppressed and prompt.reason == "answered_recently" and prompt.id is None


def test_prompts_get_reads_one_prompt():
    client, server = make(lambda r: {"id": "prm_1", "status": "answered", "survey": "srv_1"})

    prompt = client.prompts.get("prm_1")

    assert server.last.url.path == "/v1/prompts/prm_1" and server.last.method == "GET"
    assert prompt.status == "answered" and prompt.survey == "srv_1"


def test_surveys_create_sends_only_what_was_given_and_a_plain_question_is_english():
    client, server = make(lambda r: httpx.Response(201, json=SURVEY))

    survey = client.surveys.create(
        kind="csat",
        question="How did we do?",
        trigger_events="ticket.closed",
        targeting=[fiilis.TargetingRule(trait="plan", op="eq", value="pro"), {"trait": "seats",
                   "op": "gte", "value": 5}],
        max_responses=None,
    )  # fmt: skip

    assert (server.last.method, server.last.url.path) == ("POST", "/v1/surveys")
    assert server.body() == {
        "kind": "csat",
        "question": {"en": "How did we do?"},
        "trigger_events": ["ticket.closed"],
        "targeting": [
            {"trait": "plan", "op": "eq", "value": "pro"},
            {"trait": "seats", "op": "gte", "value": 5},
        ],
        "max_responses": None,
    }
    assert "idempotency-key" in server.last.headers
    assert isinstance(survey, fiilis.Survey)


def test_surveys_update_patches_the_given_fields_and_none_clears():
    client, server = make(lambda r: SURVEY)

    client.surveys.update("srv_1", followup=None, sample_rate=0.25, question={"en": "Q", "fi": "K"})

    assert (server.last.method, server.last.url.path) == ("PATCH", "/v1/surveys/srv_1")
    assert server.body() == {
        "followup": None,
        "sample_rate": 0.25,
        "question": {"en": "Q", "fi": "K"},
    }
    with pytest.raises(ValueError):
        client.surveys.update("srv_1")


def test_surveys_archive_is_a_delete():
    client, server = make(lambda r: {**SURVEY, "active": False})

    survey = client.surveys.archive("srv_1")

    assert (server.last.method, server.last.url.path) == ("DELETE", "/v1/surveys/srv_1")
    assert survey.active is False


def test_responses_update_maps_the_short_names_to_the_followup_fields():
    client, server = make(
        lambda r: {"id": "rsp_1", "score": 2, "followup_status": "closed", "followup_owner": None}
    )

    response = client.responses.update("rsp_1", status="closed", owner=None, note="Called them.")

    assert (server.last.method, server.last.url.path) == ("PATCH", "/v1/responses/rsp_1")
    assert server.body() == {
        "followup_status": "closed",
        "followup_owner": None,
        "followup_note": "Called them.",
    }
    assert response.followup_status == "closed"
    with pytest.raises(ValueError):
        client.responses.update("rsp_1")


def test_responses_list_and_get_send_the_filters():
    client, server = make(
        lambda r: (
            {"data": [], "has_more": False, "next_cursor": None}
            if r.url.path == "/v1/responses"
            else {"id": "rsp_1", "score": 9, "url": "https://app.example.com/billing"}
        )
    )

    list(
        client.responses.list(
            survey="srv_1",
            user_id="u42",
            since="2025-01-01T00:00:00Z",
            until=datetime(2025, 2, 1, tzinfo=timezone(timedelta(hours=2))),
            min_score=0,
            max_score=6,
        )
    )
    one = client.responses.get("rsp_1")

    assert dict(server.requests[0].url.params) == {
        "survey": "srv_1",
        "user_id": "u42",
        "since": "2025-01-01T00:00:00Z",
        "until": "2025-02-01T00:00:00+02:00",
        "min_score": "0",
        "max_score": "6",
    }
    assert server.last.url.path == "/v1/responses/rsp_1"
    assert one.score == 9 and one.url == "https://app.example.com/billing"
    assert b"%2B02%3A00" in server.requests[0].url.query  # "+" must not arrive as a space


def test_responses_can_be_filtered_to_the_ones_to_follow_up():
    client, server = make(lambda r: {"data": [], "has_more": False, "next_cursor": None})

    list(client.responses.list(followup_status="open", has_comment=True, max_score=6))

    assert dict(server.last.url.params) == {
        "followup_status": "open",
        "has_comment": "true",
        "max_score": "6",
    }


def test_a_single_response_carries_its_followup_history():
    body = {
        "id": "rsp_1",
        "score": 2,
        "followup_status": "closed",
        "followup_history": [
            {"status": "in_progress", "owner": "maria", "note": None, "actor": "api",
             "created_at": "2025-03-01T10:00:00Z"},
        ],
    }  # fmt: skip
    client, _ = make(lambda r: body)

    history = client.responses.get("rsp_1").followup_history

    assert history == [
        fiilis.FollowupChange(
            status="in_progress",
            owner="maria",
            actor="api",
            created_at=datetime(2025, 3, 1, 10, tzinfo=UTC),
        )
    ]


@pytest.mark.parametrize(
    ("user_id", "raw_segment"),
    [("u42", b"u42"), ("a/b c@d.fi", b"a%2Fb%20c%40d.fi"), ("anon:1?x#y", b"anon%3A1%3Fx%23y")],
)
def test_user_ids_are_quoted_into_one_path_segment(user_id, raw_segment):
    client, server = make(lambda r: {"user_id": user_id, "eligible": True, "rules": []})

    client.users.export(user_id)
    client.users.delete(user_id)
    client.users.eligibility(user_id, survey="srv_1")

    paths = [r.url.raw_path for r in server.requests]
    assert paths[:2] == [b"/v1/users/" + raw_segment, b"/v1/users/" + raw_segment]
    # Eligibility takes the id in the query: below /v1/users/ the id is the whole rest of the path.
    asked = server.requests[2].url
    assert asked.path == "/v1/eligibility"
    assert dict(asked.params) == {"user_id": user_id, "survey": "srv_1"}
    assert [r.method for r in server.requests] == ["GET", "DELETE", "GET"]


def test_eligibility_lists_every_rule():
    body = {
        "user_id": "u42",
        "survey": "srv_1",
        "origin": "api",
        "event": None,
        "eligible": False,
        "reason": "answered_recently",
        "pending_prompt_id": None,
        "rules": [
            {"name": "survey_inactive", "passed": True, "skipped": False, "detail": "active"},
            {"name": "event_not_trigger", "passed": True, "skipped": True, "detail": "api"},
            {"name": "answered_recently", "passed": False, "skipped": False, "detail": "3 days"},
        ],
    }
    client, server = make(lambda r: body)

    e = client.users.eligibility("u42", survey="srv_1", origin="api")

    assert dict(server.last.url.params) == {"user_id": "u42", "survey": "srv_1", "origin": "api"}
    assert not e.eligible and e.reason == "answered_recently" and e.origin == "api"
    assert [(r.name, r.passed, r.skipped) for r in e.rules] == [
        ("survey_inactive", True, False),
        ("event_not_trigger", True, True),
        ("answered_recently", False, False),
    ]


def test_user_export_and_erasure_results():
    export = {
        "user_id": "u42",
        "user": {"traits": {"plan": "pro"}, "created_at": "2025-01-01T00:00:00Z",
                 "last_seen_at": "2025-02-01T00:00:00Z"},
        "prompts": [{"id": "prm_1", "survey": "srv_1", "status": "answered", "traits": {}}],
        "responses": [{"id": "rsp_1", "survey": "srv_1", "prompt": "prm_1", "score": 4}],
    }  # fmt: skip
    erased = {"user_id": "u42", "deleted": {"prompts": 2, "responses": 1, "users": 1}}
    client, _ = make(lambda r: export if r.method == "GET" else erased)

    held = client.users.export("u42")
    gone = client.users.delete("u42")

    assert held.user.traits == {"plan": "pro"}
    assert held.user.last_seen_at == datetime(2025, 2, 1, tzinfo=UTC)
    assert held.prompts[0].status == "answered" and held.prompts[0].survey == "srv_1"
    assert held.responses[0].score == 4 and held.responses[0].prompt == "prm_1"
    assert gone.user_id == "u42"
    assert gone.deleted == {"prompts": 2, "responses": 1, "users": 1}


def test_a_user_known_only_by_answers_exports_without_a_user_record():
    client, _ = make(lambda r: {"user_id": "u9", "user": None, "prompts": [], "responses": []})
    assert client.users.export("u9").user is None


def test_site_get_and_update():
    site = {"id": "site_1", "name": "Acme", "allowed_origins": ["https://app.example.com"],
            "cooldown_days": 7, "require_identity": False, "theme": {"accent": "#4f46e5"}}  # fmt: skip
    client, server = make(lambda r: site)

    assert client.site.get().cooldown_days == 7
    client.site.update(
        cooldown_days=14, allowed_origins=("https://a.example.com",), retention_days=None
    )

    assert (server.last.method, server.last.url.path) == ("PATCH", "/v1/site")
    assert server.body() == {
        "cooldown_days": 14,
        "allowed_origins": ["https://a.example.com"],
        "retention_days": None,
    }


def test_an_empty_id_fails_before_any_request():
    client, server = make()
    with pytest.raises(ValueError):
        client.surveys.get("")
    with pytest.raises(ValueError):
        client.users.delete("")
    assert server.requests == []


# --- CSV export -------------------------------------------------------------------------------

CSV_CHUNKS = [b"id,score,comment\r\n", b"rsp_1,9,great\r\n", "rsp_2,3,hyv\u00e4\r\n".encode()]


def csv_answer(chunks, observe=None):
    def stream():
        for i, chunk in enumerate(chunks):
            if observe:
                observe(i)
            yield chunk

    return lambda r: httpx.Response(200, content=stream(), headers={"Content-Type": "text/csv"})


def test_export_csv_writes_bytes_as_they_arrive():
    target = io.BytesIO()
    written_before_chunk = []
    client, server = make(
        csv_answer(CSV_CHUNKS, lambda i: written_before_chunk.append(target.tell()))
    )

    n = client.responses.export_csv(target, survey="srv_1", min_score=0)

    assert target.getvalue() == b"".join(CSV_CHUNKS)
    assert n == len(b"".join(CSV_CHUNKS))
    assert written_before_chunk == [0, len(CSV_CHUNKS[0]), len(CSV_CHUNKS[0] + CSV_CHUNKS[1])]
    assert server.last.url.path == "/v1/responses.csv"
    assert dict(server.last.url.params) == {"survey": "srv_1", "min_score": "0"}
    assert server.last.headers["accept"] == "text/csv"


def test_export_csv_to_a_path(tmp_path):
    client, _ = make(csv_answer(CSV_CHUNKS))
    path = tmp_path / "out.csv"

    client.responses.export_csv(path)
    client.responses.export_csv(str(path))  # overwrites, same content

    assert path.read_bytes() == b"".join(CSV_CHUNKS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_export_csv_to_a_text_file_decodes_utf8_across_chunks():
    data = "id,comment\r\nrsp_1,hyvä ääni\r\n".encode()
    split = data.index("ä".encode()) + 1  # cut inside a two-byte character
    client, _ = make(csv_answer([data[:split], data[split:]]))
    target = io.StringIO()

    client.responses.export_csv(target)

    assert target.getvalue() == data.decode()


def test_a_failed_export_leaves_no_file_behind(tmp_path):
    error = {"error": {"type": "authentication_error", "code": "invalid_api_key",
                       "message": "This secret key is not valid.", "request_id": "req_1"}}  # fmt: skip
    client, _ = make(lambda r: httpx.Response(401, json=error))
    path = tmp_path / "out.csv"

    with pytest.raises(fiilis.AuthenticationError) as caught:
        client.responses.export_csv(path)

    assert caught.value.request_id == "req_1"
    assert list(tmp_path.iterdir()) == []


def test_a_connection_lost_mid_export_removes_the_partial_file(tmp_path):
    def stream():
        yield b"id,score\r\n"
        raise httpx.ReadError("connection reset")

    client, _ = make(lambda r: httpx.Response(200, content=stream()))
    path = tmp_path / "out.csv"

    with pytest.raises(fiilis.APIConnectionError):
        client.responses.export_csv(path)

    assert list(tmp_path.iterdir()) == []


def test_async_export_csv_streams_too(tmp_path):
    async def stream():
        for chunk in CSV_CHUNKS:
            yield chunk

    def handler(request):
        return httpx.Response(200, content=stream())

    async def main():
        async with fiilis.AsyncFiilis(
            api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler)
        ) as client:
            return await client.responses.export_csv(tmp_path / "a.csv", survey="srv_1")

    n = asyncio.run(main())

    assert (tmp_path / "a.csv").read_bytes() == b"".join(CSV_CHUNKS)
    assert n == len(b"".join(CSV_CHUNKS))


# --- the async client has the same surface ----------------------------------------------------


def test_async_client_has_every_resource_method_of_the_sync_one():
    def methods(obj):
        return {n for n in dir(obj) if not n.startswith("_") and callable(getattr(obj, n))}

    sync = fiilis.Fiilis(api_key=KEY, base_url=BASE)
    async_ = fiilis.AsyncFiilis(api_key=KEY, base_url=BASE)
    for name in ("surveys", "prompts", "responses", "metrics", "users", "site"):
        assert methods(getattr(sync, name)) == methods(getattr(async_, name)), name
    sync.close()
    asyncio.run(async_.aclose())


def test_async_calls_send_the_same_requests():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        if request.url.path == "/v1/prompts":
            return httpx.Response(201, json={"id": "prm_1", "status": "pending"})
        return httpx.Response(200, json={"id": "rsp_1", "score": 5, "followup_status": "open"})

    async def main():
        async with fiilis.AsyncFiilis(
            api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler)
        ) as client:
            prompt = await client.prompts.create(user_id="u42", survey="srv_1", channel="link")
            response = await client.responses.update("rsp_1", status="open")
            return prompt, response

    prompt, response = asyncio.run(main())

    assert prompt.status == "pending" and response.followup_status == "open"
    assert json.loads(seen[0].content)["channel"] == "link"
    assert json.loads(seen[1].content) == {"followup_status": "open"}
    assert seen[1].headers["user-agent"].startswith("fiilis-python/")
