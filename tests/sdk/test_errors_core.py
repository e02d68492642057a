"""Every error status becomes its own exception class, carrying what the collector said."""

from __future__ import annotations

import pickle

import fiilis
import httpx
import pytest

BASE = "https://collector.test"
KEY = "sk_test_errors_0123456789"


def answering(status: int, body=None, *, text: str | None = None, headers: dict | None = None):
    """A client whose collector always answers ``status`` with ``body`` (JSON) or ``text``."""

    def handler(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers=headers or {})
        return httpx.Response(status, json=body, headers=headers or {})

    client = fiilis.Fiilis(
        api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler), max_retries=0
    )
    return client


def error_body(code: str, message: str, *, param: str | None = None, request_id="req_abc123"):
    err = {"type": "invalid_request_error", "code": code, "message": message}
    if param:
        err["param"] = param
    err["request_id"] = request_id
    return {"error": err}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, fiilis.ValidationError),
        (401, fiilis.AuthenticationError),
        (403, fiilis.PermissionDeniedError),
        (404, fiilis.NotFoundError),
        (409, fiilis.ConflictError),
        (413, fiilis.ValidationError),
        (415, fiilis.ValidationError),
        (422, fiilis.ValidationError),
        (429, fiilis.RateLimitError),
        (500, fiilis.ServerError),
        (502, fiilis.ServerError),
        (503, fiilis.ServerError),
    ],
)
def test_each_status_raises_its_class_with_the_servers_details(status, cls):
    client = answering(
        status,
        error_body("some_code", "Something specific.", param="targeting.0.value"),
        headers={"X-Request-Id": "req_abc123"},
    )

    with pytest.raises(cls) as caught:
        client.surveys.get("srv_1")

    err = caught.value
    assert type(err) is cls
    assert isinstance(err, fiilis.APIError) and isinstance(err, fiilis.FiilisError)
    assert err.status == status
    assert err.code == "some_code"
    assert err.message == "Something specific."
    assert err.param == "targeting.0.value"
    assert err.request_id == "req_abc123"
    assert err.type == "invalid_request_error"


def test_an_unlisted_client_error_is_a_plain_api_error():
    client = answering(418, error_body("teapot", "I am a teapot."))

    with pytest.raises(fiilis.APIError) as caught:
        client.site.get()

    assert type(caught.value) is fiilis.APIError
    assert caught.value.status == 418


def test_str_shows_status_code_message_and_request_id():
    client = answering(404, error_body("not_found", "No such survey.", param="survey"))

    with pytest.raises(fiilis.NotFoundError) as caught:
        client.surveys.get("srv_missing")

    text = str(caught.value)
    assert text.startswith("404 not_found: No such survey.")
    assert "req_abc123" in text and "survey" in text


def test_a_body_that_is_not_the_error_shape_still_gives_the_request_id_from_the_header():
    client = answering(
        502, text="<html>Bad Gateway</html>", headers={"X-Request-Id": "req_from_header"}
    )

    with pytest.raises(fiilis.ServerError) as caught:
        client.site.get()

    err = caught.value
    assert err.request_id == "req_from_header"
    assert err.code is None
    assert "502" in err.message
    assert err.body == "<html>Bad Gateway</html>"


def test_an_empty_error_body_still_raises_the_right_class():
    client = answering(401, text="", headers={"X-Request-Id": "req_empty"})

    with pytest.raises(fiilis.AuthenticationError) as caught:
        client.site.get()

    assert caught.value.request_id == "req_empty"


def test_json_of_another_shape_falls_back_to_a_generic_message():
    client = answering(409, {"detail": "conflict"}, headers={"X-Request-Id": "req_x"})

    with pytest.raises(fiilis.ConflictError) as caught:
        client.site.get()

    assert caught.value.request_id == "req_x"
    assert caught.value.body == {"detail": "conflict"}


def test_the_body_request_id_wins_over_the_header():
    client = answering(
        404, error_body("not_found", "No.", request_id="req_body"), headers={"X-Request-Id": "h"}
    )

    with pytest.raises(fiilis.NotFoundError) as caught:
        client.site.get()

    assert caught.value.request_id == "req_body"


def test_rate_limit_error_has_retry_after_in_seconds():
    client = answering(429, error_body("rate_limited", "Slow down."), headers={"Retry-After": "12"})

    with pytest.raises(fiilis.RateLimitError) as caught:
        client.site.get()

    assert caught.value.retry_after == 12.0


def test_a_redirect_is_not_followed_and_points_at_base_url():
    client = answering(301, text="", headers={"Location": "https://collector.test/v1/site"})

    with pytest.raises(fiilis.APIError) as caught:
        client.site.get()

    assert caught.value.status == 301
    assert "https://collector.test/v1/site" in caught.value.message
    assert "base_url" in caught.value.message


def test_a_success_that_is_not_json_is_a_clear_error():
    client = answering(200, text="<html>a login page</html>", headers={"X-Request-Id": "r1"})

    with pytest.raises(fiilis.APIError) as caught:
        client.site.get()

    assert caught.value.code == "invalid_response"
    assert "base_url" in caught.value.message


def test_connection_refused_is_an_api_connection_error():
    def handler(request):
        raise httpx.ConnectError("connection refused")

    client = fiilis.Fiilis(
        api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler), max_retries=0
    )

    with pytest.raises(fiilis.APIConnectionError) as caught:
        client.site.get()

    assert not isinstance(caught.value, fiilis.APITimeoutError)
    assert BASE in str(caught.value)
    assert caught.value.method == "GET"


def test_timeout_error_is_a_connection_error():
    assert issubclass(fiilis.APITimeoutError, fiilis.APIConnectionError)
    assert issubclass(fiilis.APIConnectionError, fiilis.FiilisError)
    assert not issubclass(fiilis.APIConnectionError, fiilis.APIError)


@pytest.mark.parametrize(
    "cls",
    [
        fiilis.APIError,
        fiilis.AuthenticationError,
        fiilis.PermissionDeniedError,
        fiilis.NotFoundError,
        fiilis.ConflictError,
        fiilis.ValidationError,
        fiilis.RateLimitError,
        fiilis.ServerError,
    ],
)
def test_errors_survive_pickling_for_task_queues(cls):
    err = cls("Nope.", status=400, code="c", param="p", request_id="req_1")

    back = pickle.loads(pickle.dumps(err))

    assert type(back) is cls
    assert (back.status, back.code, back.param, back.request_id) == (400, "c", "p", "req_1")
    assert str(back) == str(err)
