"""Every operation of ``/v1/openapi.json`` against the collector in-process, on SQLite and
PostgreSQL, with Schemathesis: no 5xx, every status documented, every response in its documented
content type and matching its schema, and schema-valid requests accepted.

Hypothesis draws :data:`EXAMPLES` cases per operation (derandomised: the same cases every run),
with the site's secret key and an allowed ``Origin``. Two things no JSON Schema can say are left
out of the generated requests rather than documented loosely: a ``cursor`` (only a page of this
API makes one) and the pairs that must be ordered (``since`` before ``until``, ``min_score`` not
above ``max_score``); their refusals are tested in tests/api.
"""

from __future__ import annotations

from datetime import date, timedelta

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
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
]
#: Parameters that cannot be drawn from a schema (see the module docstring).
UNORDERED = (("since", "until"), ("min_score", "max_score"))
#: Rules the document cannot state yet, with the checks they keep from passing.
KNOWN_GAPS = {
    # A target's rule (an https URL or e-mail addresses) depends on the (stored) channel.
    "POST /v1/alerts": [positive_data_acceptance],
    "PATCH /v1/alerts/{alert_id}": [positive_data_acceptance],
    # An endpoint URL's rule (https with a host, not a private address) and unique event names.
    "POST /v1/webhooks": [positive_data_acceptance],
    "PATCH /v1/webhooks/{webhook_id}": [positive_data_acceptance],
    # Which of the documented scales a survey may have depends on its kind (CSAT is never 0–10).
    "POST /v1/surveys": [positive_data_acceptance],
    "PATCH /v1/surveys/{survey_id}": [positive_data_acceptance],
}


def drawable(case) -> None:
    query = case.query or {}
    query.pop("cursor", None)
    if isinstance(case.body, dict):
        _ordered_period(case.body)
    filters = case.body.get("filter") if isinstance(case.body, dict) else None
    for where in (query, filters if isinstance(filters, dict) else {}):
        for first, second in UNORDERED:
            if first in where and second in where:
                where.pop(second)


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


def test_every_operation_keeps_the_contract(app, site):
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    headers = {**site.auth, "Origin": ORIGIN}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    calls: dict[str, int] = {}

    for operation in operations:
        calls[operation.label] = 0

        @given(case=operation.as_strategy())
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
            skipped = KNOWN_GAPS.get(operation.label, [])  # noqa: B023
            checks = [check for check in CHECKS if check not in skipped]
            case.call_and_validate(headers=headers, checks=checks)

        try:
            run()
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # collected, then reported all at once
            failures[operation.label] = str(e)[:2000]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    # Every operation was really exercised (Hypothesis stops early only on a failure).
    assert all(n >= EXAMPLES // 2 for n in calls.values()), calls
