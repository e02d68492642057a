"""Every operation of ``/v1/openapi.json`` against the collector in-process, on SQLite and
PostgreSQL, with Schemathesis: no 5xx, every status documented, every response matching its
schema. Hypothesis draws ``EXAMPLES`` cases per operation (derandomised: the same cases each run).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.prompting import ORIGIN

EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_every_operation_keeps_the_contract(app, site):
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    headers = {**site.auth, "Origin": ORIGIN}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers)

        try:
            run()
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # collected, then reported all at once
            failures[operation.label] = str(e)[:1500]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
