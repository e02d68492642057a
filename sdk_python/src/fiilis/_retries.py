"""When to try a request again, and how long to wait first. Pure functions: no I/O, no sleeping."""

from __future__ import annotations

import email.utils
import math
import random as _random
from collections.abc import Callable
from datetime import datetime, timezone

import httpx

BASE_DELAY = 0.5  # seconds before the first retry, at most (full jitter)
MAX_DELAY = 8.0  # the backoff never waits longer than this
MAX_RETRY_AFTER = 60.0  # a server's Retry-After is honoured up to this


def retryable_status(status: int, *, idempotent: bool = True) -> bool:
    """429 and 5xx are worth another try; any other 4xx will fail the same way again.

    A call the server does not deduplicate (``idempotent=False``) is retried only on the answers
    that say it was not carried out, 429 and 503: a 500, 502 or 504 may come after it was.
    """
    if not idempotent:
        return status in (429, 503)
    return status == 429 or 500 <= status <= 599


def retryable_exception(exc: BaseException, *, idempotent: bool = True) -> bool:
    """Timeouts and broken connections are transient; a malformed URL or protocol is not.

    A call the server does not deduplicate (``idempotent=False``) is retried only when it surely
    never arrived: the connection was not made. After a read timeout it may have been carried out.
    """
    if not idempotent:
        return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date. None if absent
    or unreadable; never negative."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def backoff(retries_done: int, *, random: Callable[[], float] = _random.random) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(MAX_DELAY, BASE_DELAY·2^n))."""
    return random() * min(MAX_DELAY, BASE_DELAY * 2.0 ** min(retries_done, 32))


def retry_delay(
    *,
    retries_done: int,
    max_retries: int,
    retryable: bool,
    retry_after: float | None = None,
    random: Callable[[], float] = _random.random,
) -> float | None:
    """Seconds to wait before the next attempt, or None when the failure is final."""
    if not retryable or retries_done >= max_retries:
        return None
    if retry_after is not None:
        return min(retry_after, MAX_RETRY_AFTER)
    return backoff(retries_done, random=random)
