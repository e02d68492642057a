"""The exceptions the SDK raises, and the one function that turns an HTTP answer into one of them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "ConflictError",
    "FiilisError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "ValidationError",
]


class FiilisError(Exception):
    """Base class of everything the SDK raises (also used alone for configuration mistakes)."""


class APIError(FiilisError):
    """The collector answered, with an error.

    ``status`` is the HTTP status; ``code`` a stable machine-readable reason (``not_found``,
    ``validation_failed`` …); ``param`` the offending field, if any; ``request_id`` the id to quote
    when asking for help (from the error body, else the ``X-Request-Id`` header).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        type: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.param = param
        self.request_id = request_id
        self.type = type
        self.body = body
        self.headers = dict(headers or {})

    def __str__(self) -> str:
        head = f"{self.status} {self.code}" if self.code else str(self.status)
        extra = []
        if self.param:
            extra.append(f"param: {self.param}")
        if self.request_id:
            extra.append(f"request_id: {self.request_id}")
        tail = f" ({'; '.join(extra)})" if extra else ""
        return f"{head}: {self.message}{tail}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, param={self.param!r}, request_id={self.request_id!r})"
        )


class AuthenticationError(APIError):
    """401: no secret key, or not a valid one."""


class PermissionDeniedError(APIError):
    """403: the key is valid but may not do this."""


class NotFoundError(APIError):
    """404: no such object (objects of another site are not found either)."""


class ConflictError(APIError):
    """409: the request conflicts with the object's current state."""


class ValidationError(APIError):
    """400, 413, 415 or 422: the request itself is wrong; ``param`` names the field."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the server's advice in seconds, if it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the collector failed; the SDK has already retried it ``max_retries`` times."""


class APIConnectionError(FiilisError):
    """The collector could not be reached, or the connection broke before an answer came."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url


class APITimeoutError(APIConnectionError):
    """No answer within the client's ``timeout``."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: ValidationError,
    415: ValidationError,
    422: ValidationError,
    429: RateLimitError,
}


def error_class(status: int) -> type[APIError]:
    """The exception class for an HTTP status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else APIError


def api_error(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    retry_after: float | None = None,
) -> APIError:
    """Build the exception for an error answer.

    The body is expected as ``{"error": {type, code, message, param?, request_id}}``; anything else
    (a proxy's HTML page, an empty body) still gives an error of the right class, with the request id
    from the ``X-Request-Id`` header and a generic message.
    """
    body: Any = None
    if content:
        try:
            body = json.loads(content)
        except ValueError:
            body = content.decode("utf-8", "replace")
    detail = body.get("error") if isinstance(body, dict) else None
    if not isinstance(detail, dict):
        detail = {}
    message = detail.get("message")
    if not isinstance(message, str) or not message:
        message = f"The collector answered with HTTP {status} and no error details."
        if 300 <= status < 400:  # e.g. http:// redirected to https://: base_url is not right
            where = headers.get("location") or "elsewhere"
            message = f"The collector redirected to {where}; check base_url (https?)."
    fields: dict[str, Any] = {
        "status": status,
        "code": _text(detail.get("code")),
        "param": _text(detail.get("param")),
        "request_id": _text(detail.get("request_id")) or headers.get("x-request-id"),
        "type": _text(detail.get("type")),
        "body": body,
        "headers": headers,
    }
    cls = error_class(status)
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=retry_after, **fields)
    return cls(message, **fields)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
