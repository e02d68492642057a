"""Helpers for the prompt engine's API tests: surveys, widget calls from an allowed page, a clock."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from collector import clock, db
from collector.domain import keys
from collector.models import Prompt, Response

ORIGIN = "https://app.example.com"
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
QUESTIONS = {
    "csat": {"en": "How satisfied are you with paying invoices?", "fi": "Kuinka tyytyväinen?"},
    "ces": {"en": "Acme made it easy to close my ticket."},
    "nps": {"en": "How likely are you to recommend Acme to a friend?"},
}


def make_survey(client, site, kind: str = "csat", **fields) -> dict:
    body = {"kind": kind, "question": QUESTIONS[kind], "trigger_events": ["invoice.paid"], **fields}
    resp = client.post("/v1/surveys", json=body, headers=site.auth)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def call(client, path: str, body: dict, *, origin: str | None = ORIGIN, method: str = "POST"):
    """A widget call as the browser makes it: JSON sent as text/plain, with its Origin."""
    headers = {"Origin": origin} if origin else {}
    return client.open(
        path, method=method, data=json.dumps(body), content_type="text/plain", headers=headers
    )


def visitor(site, user_id: str | None = "u1", **extra) -> dict:
    """Who is on the page; a user id comes signed, as a customer's server renders it."""
    body = {"site_key": site.public_key, "anonymous_id": "anon-0000-1111"}
    if user_id is not None:
        body["user_id"] = user_id
        body["user_hash"] = keys.user_hash(site.identity_secret, user_id)
    return {**body, **extra}


def track(client, site, event: str = "invoice.paid", user_id: str | None = "u1", **extra):
    return call(client, "/v1/widget/events", {**visitor(site, user_id), "event": event, **extra})


def ask(client, site, event: str = "invoice.paid", user_id: str | None = "u1", **extra) -> dict:
    """The prompt an event gets; fails when there is none."""
    resp = track(client, site, event, user_id, **extra)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["prompt"] is not None, body
    return body["prompt"]


def reason(client, site, event: str = "invoice.paid", user_id: str | None = "u1", **extra):
    resp = track(client, site, event, user_id, **extra)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["prompt"] is None, body
    return body["reason"]


def answer(client, prompt: dict, score: int, response_id: str | None = None, **extra):
    body = {
        "token": prompt["token"],
        "response_id": response_id or str(uuid.uuid4()),
        "score": score,
        **extra,
    }
    return call(client, "/v1/widget/responses", body)


def mark(client, prompt: dict, outcome: str):
    resp = call(client, f"/v1/widget/prompts/{prompt['id']}/{outcome}", {"token": prompt["token"]})
    assert resp.status_code == 204, resp.get_json()
    return resp


def count(app, model=Response) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def rows(app, model=Response) -> list:
    with app.app_context():
        return list(db.session().scalars(select(model)))


def count_prompts(app) -> int:
    return count(app, Prompt)


def assert_error(resp, status: int, code: str | None = None, param: str | None = None) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:500])
    err = resp.get_json()["error"]
    assert set(err) >= {"type", "code", "message", "request_id"}
    if code:
        assert err["code"] == code, err
    if param:
        assert err["param"] == param, err
    return err


class Clock:
    """The collector's "now", moved by the test (``clock.now += DAY``)."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def frozen_clock(app) -> Clock:
    """Run the collector on a :class:`Clock` the test moves."""
    fake = Clock(datetime.now(UTC).replace(microsecond=0))
    clock.use(app, fake)
    return fake
