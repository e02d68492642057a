"""A service's problem reaches the API in the one error shape with the status of its kind, and the
code that decides things (services, jobs, the dashboard, the CLI) says no HTTP status itself."""

import inspect
import pathlib
import re

import pytest
from flask import Flask

from collector import errors
from collector.domain import problems

KINDS = [
    c
    for c in vars(problems).values()
    if inspect.isclass(c) and issubclass(c, problems.Problem) and c is not problems.Problem
]
SOURCE = pathlib.Path(errors.__file__).parent


def test_every_kind_of_problem_has_a_status():
    assert set(KINDS) == set(errors.STATUS)


@pytest.mark.parametrize(
    ("problem", "status", "type_"),
    [
        (problems.NotFound("survey", "id"), 404, "invalid_request_error"),
        (problems.Invalid("validation_failed", "hour: 0 to 23.", param="hour"), 422, None),
        (problems.Conflict("last_admin", "A site needs an admin.", param="role"), 409, None),
        (problems.Forbidden("identity_required", "Needs a user_hash."), 403, "permission_error"),
        (problems.Unauthenticated("invalid_token", "Not ours."), 401, "authentication_error"),
        (problems.Gone("prompt_expired", "This prompt has expired."), 410, "api_error"),
        (problems.UpstreamFailed("test_failed", "Slack: 403 invalid_token"), 502, "api_error"),
    ],
)
def test_a_problem_is_answered_as_the_same_api_error_would_be(problem, status, type_):
    app = Flask(__name__)
    errors.init_app(app)

    @app.get("/problem")
    def raising():
        raise problem

    @app.get("/api-error")
    def raising_api_error():
        raise errors.APIError(status, problem.code, problem.message, param=problem.param)

    client = app.test_client()
    answer, expected = client.get("/problem"), client.get("/api-error")
    assert (answer.status_code, answer.get_json()) == (expected.status_code, expected.get_json())
    assert answer.status_code == status
    err = answer.get_json()["error"]
    assert (err["code"], err["message"], err.get("param")) == (
        problem.code,
        problem.message,
        problem.param,
    )
    assert err["type"] == (type_ or "invalid_request_error")


def test_not_found_names_what_is_missing():
    problem = problems.NotFound("pending invitation", param="invite")
    assert (problem.code, problem.message, problem.param) == (
        "not_found",
        "No such pending invitation.",
        "invite",
    )
    assert str(problem) == problem.message


def test_no_http_error_is_raised_outside_the_api_and_errors():
    raised = re.compile(r"\bAPIError\b")
    outside = [
        str(path.relative_to(SOURCE.parent))
        for path in SOURCE.rglob("*.py")
        if SOURCE / "api" not in path.parents
        and path.name != "errors.py"
        and raised.search(path.read_text())
    ]
    assert outside == []
