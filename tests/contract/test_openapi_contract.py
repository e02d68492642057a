"""Every operation of ``/v1/openapi.json`` against the collector in-process, on SQLite and
PostgreSQL, with Schemathesis: no 5xx, every status documented, every response in its documented
content type and matching its schema, and schema-valid requests accepted.

Hypothesis draws :data:`EXAMPLES` cases per operation (derandomised: the same cases every run),
with the site's secret key and an allowed ``Origin``. Three things no JSON Schema can say are left
out of the generated requests rather than documented loosely: a ``cursor`` (only a page of this
API makes one), a JSON text in a query (``props`` of ``/eligibility``: its ``contentSchema``),
the pairs that must be ordered (``since`` before ``until``, ``min_score`` not above
``max_score``, a survey's ``starts_at`` before its ``ends_at``, a schedule's ``spread_days`` not
above ``every_days`` and its window's ``from`` before ``to``), and which host names resolve to
public addresses (the world's answer, a
documented 422: ``unsafe_url``, ``invalid_target``), and a lone UTF-16 surrogate (a JSON Schema
pattern cannot say "no surrogate": it is not a character; the door refuses one, tested in
tests/api/test_hostile_input.py). A drawn URL keeps its scheme, port, path and
query but goes to 127.0.0.1, which the collector takes with ``FIILIS_ALLOW_PRIVATE_WEBHOOKS=1``
(the documented development flag), so no test request leaves this machine. The refusals are
tested in tests/api. The ids of a stored survey, alert and webhook are the drawn path ids.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.prompting import ORIGIN

EXAMPLES = 25


def documented_refusal(response, case) -> bool:
    """Whether the answer is a refusal the operation's document names under its status, with
    its code and param (``x-refusals``: a rule of stored objects or of the world)."""
    named = case.operation.definition.raw["responses"].get(str(response.status_code), {})
    refusals = named.get("x-refusals", [])
    if not refusals:
        return False
    error = (response.json() or {}).get("error", {})
    return {"code": error.get("code"), "param": error.get("param")} in refusals


def positive_data_accepted(ctx, response, case):
    """``positive_data_acceptance``, except for a documented refusal."""
    if documented_refusal(response, case):
        return None
    return positive_data_acceptance(ctx, response, case)


def no_server_error(ctx, response, case):
    """``not_a_server_error``, except for a documented 502 (Slack refused a sample alert)."""
    if response.status_code == 502 and documented_refusal(response, case):
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_accepted,
]
#: Parameters that cannot be drawn from a schema (see the module docstring).
UNORDERED = (("since", "until"), ("min_score", "max_score"))
#: Body fields holding a URL the collector posts to (see the module docstring).
OUTBOUND_URLS = ("url", "target")


@pytest.fixture
def app_config(app_config):
    return {**app_config, "ALLOW_PRIVATE_WEBHOOKS": True}


def on_loopback(url):
    if not isinstance(url, str) or not url.startswith("https://"):
        return url
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"127.0.0.1{port}"))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value):
    if isinstance(value, str):
        return _SURROGATE.sub("?", value)
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


def drawable(case) -> None:
    if isinstance(case.body, dict | list):
        case.body = _without_surrogates(case.body)
    query = case.query or {}
    query.pop("cursor", None)
    query.pop("props", None)
    body = case.body if isinstance(case.body, dict) else {}
    _ordered_period(body)
    _ordered_schedule(body.get("schedule"))
    filters = body.get("filter")
    if "starts_at" in body and "ends_at" in body:
        body.pop("ends_at")
    for where in (query, filters if isinstance(filters, dict) else {}):
        for first, second in UNORDERED:
            if first in where and second in where:
                where.pop(second)
    for name in OUTBOUND_URLS:
        if name in body:
            body[name] = on_loopback(body[name])


def _ordered_schedule(schedule) -> None:
    # A survey's schedule: a spread within its turn, a window that opens before it closes.
    if not isinstance(schedule, dict):
        return
    every, spread = schedule.get("every_days"), schedule.get("spread_days")
    if isinstance(every, int) and isinstance(spread, int) and spread > every:
        schedule["spread_days"] = every
    window = schedule.get("send_window")
    times = isinstance(window, dict) and all(isinstance(window.get(k), str) for k in ("from", "to"))
    if times and window["from"] >= window["to"]:
        window["from"], window["to"] = sorted((window["from"], window["to"]))
        if window["from"] == window["to"]:
            window["from"], window["to"] = "00:00", "23:59"


def _ordered_period(body: dict) -> None:
    # A review's period is two dates in a body: the later one becomes ``until``, a day after.
    try:
        first, second = (date.fromisoformat(body[k]) for k in ("since", "until"))
    except (KeyError, TypeError, ValueError):
        return
    first, second = sorted((first, second))
    if first == second:
        if second == date.max:
            first -= timedelta(days=1)
        else:
            second += timedelta(days=1)
    body["since"], body["until"] = first.isoformat(), second.isoformat()


@pytest.fixture
def stored(app, site):
    """One survey, alert and webhook of the site: their ids are the drawn path ids (but for
    DELETE), so reading and changing them is checked, not only a 404."""
    client = app.test_client()

    def made(path, body):
        resp = client.post(path, json=body, headers=site.auth)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    return {
        "survey_id": made("/v1/surveys", {"kind": "nps", "question": {"en": "Recommend us?"}}),
        "alert_id": made("/v1/alerts", {"channel": "email", "target": "team@example.com"}),
        "webhook_id": made(
            "/v1/webhooks", {"url": "https://127.0.0.1/hooks", "events": ["response.created"]}
        ),
    }


def test_every_operation_keeps_the_contract(app, site, stored):
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    headers = {**site.auth, "Origin": ORIGIN}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    calls: dict[str, int] = {}

    for operation in operations:
        calls[operation.label] = 0

        pinned = {
            name: id
            for name, id in stored.items()
            if "{" + name + "}" in operation.path and operation.method.upper() != "DELETE"
        }

        @given(case=operation.as_strategy(path_parameters=pinned or None))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            drawable(case)
            calls[operation.label] += 1  # noqa: B023 (run is called in this iteration)
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # collected, then reported all at once
            failures[operation.label] = str(e)[:2000]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    # Every operation was really exercised (Hypothesis stops early only on a failure).
    assert all(n >= EXAMPLES // 2 for n in calls.values()), calls
