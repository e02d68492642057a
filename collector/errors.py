"""One error shape for every failure: ``{"error": {type, code, message, param?, request_id}}``."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from collector.domain import problems

log = logging.getLogger(__name__)

# status → (type, code) for failures raised by Flask/Werkzeug itself
_HTTP = {
    400: ("invalid_request_error", "bad_request"),
    401: ("authentication_error", "unauthorized"),
    403: ("permission_error", "forbidden"),
    404: ("invalid_request_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    409: ("invalid_request_error", "conflict"),
    413: ("invalid_request_error", "body_too_large"),
    415: ("invalid_request_error", "unsupported_media_type"),
    422: ("invalid_request_error", "validation_failed"),
    429: ("rate_limit_error", "rate_limited"),
}


#: each kind of service problem → its status (its type is the status's in _HTTP, else api_error)
STATUS = {
    problems.NotFound: 404,
    problems.Invalid: 422,
    problems.Conflict: 409,
    problems.Forbidden: 403,
    problems.Unauthenticated: 401,
    problems.Gone: 410,
    problems.UpstreamFailed: 502,
}


class APIError(Exception):
    """An expected failure of the HTTP layer itself (a body, a header, a key), with its status;
    ``api/`` handlers raise it, ``errors`` renders it. Services raise ``problems`` instead."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        param: str | None = None,
        type: str | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.type = type or _HTTP.get(status, ("api_error", ""))[0]
        self.headers = headers or {}


def status_of(problem: problems.Problem) -> int:
    """The HTTP status of a service's problem (500 for a kind the table does not know)."""
    return next((STATUS[k] for k in type(problem).__mro__ if k in STATUS), 500)


def from_problem(problem: problems.Problem) -> APIError:
    return APIError(status_of(problem), problem.code, problem.message, param=problem.param)


def body(type: str, code: str, message: str, param: str | None = None) -> dict:
    err = {"type": type, "code": code, "message": message}
    if param is not None:
        err["param"] = param
    err["request_id"] = g.get("request_id")
    return {"error": err}


def render(e: APIError):
    resp = jsonify(body(e.type, e.code, e.message, e.param))
    resp.status_code = e.status
    resp.headers.update(e.headers)
    return resp


def first_field(messages, prefix: str = "") -> tuple[str, str]:
    """The dotted path and message of the first invalid field in marshmallow's nested messages."""
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        if key == "_schema":
            return first_field(value, prefix)
        path = f"{prefix}.{key}" if prefix else str(key)
        return first_field(value, path)
    if isinstance(messages, list) and messages:
        return first_field(messages[0], prefix)
    return prefix, str(messages)


def from_validation(e: ValidationError) -> APIError:
    param, message = first_field(e.normalized_messages())
    text = f"{param}: {message}" if param else message
    return APIError(422, "validation_failed", text, param=param or None)


def http_error(e: HTTPException):
    """Flask's own errors (404, 405, 413, …) in the one error shape."""
    type_, code = _HTTP.get(e.code or 500, ("api_error", "http_error"))
    message = e.description or e.name
    if e.code == 413:
        message = f"Request body is larger than {current_app.config['MAX_CONTENT_LENGTH']} bytes."
    resp = jsonify(body(type_, code, message))
    resp.status_code = e.code or 500
    if e.code == 405 and e.response is None:
        allowed = getattr(e, "valid_methods", None)
        if allowed:
            resp.headers["Allow"] = ", ".join(allowed)
    return resp


def init_app(app: Flask) -> None:
    app.register_error_handler(APIError, render)
    app.register_error_handler(problems.Problem, lambda e: render(from_problem(e)))
    app.register_error_handler(ValidationError, lambda e: render(from_validation(e)))

    app.register_error_handler(HTTPException, http_error)

    @app.errorhandler(DBAPIError)
    def _database_error(e: DBAPIError):
        if not e.connection_invalidated:
            return _unexpected(e)
        # The request's transaction was rolled back with the connection (db.retry_dropped_connections).
        log.warning("database connection dropped (request %s): %s", g.get("request_id"), e.orig)
        resp = jsonify(
            body(
                "api_error",
                "database_unavailable",
                "The connection to the database was lost before this request completed. Try again.",
            )
        )
        resp.status_code = 503  # the widget retries a 5xx with its own backoff
        return resp

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        log.exception("unhandled error (request %s)", g.get("request_id"))
        resp = jsonify(body("api_error", "internal_error", "Something went wrong on our side."))
        resp.status_code = 500
        return resp
