"""Hostile input against every browser and management endpoint, on both databases.

Each probe (a lone surrogate, a NUL byte, 1 000-deep nesting, a 500 KB chunked body) gets the
documented 4xx in the one error shape and stores nothing; afterwards an ordinary visit still
works and ``GET /v1/responses.csv`` streams every row.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from collector.models import Prompt, Response, Survey, User
from tests.api.prompting import ORIGIN, answer, ask, assert_error, make_survey, visitor

SURROGATE, NUL = "\ud800", "\x00"
DEEP = "[" * 1000 + "]" * 1000


@pytest.fixture
def world(app, client, site):
    """A site with a survey, an open prompt, an answered one and its response: real ids for paths."""
    survey = make_survey(client, site, "csat")
    answered = ask(client, site, user_id="u1")
    response_id = str(uuid.uuid4())
    assert answer(client, answered, 4, response_id).status_code == 201
    open_prompt = ask(client, site, user_id="u2")
    link = client.post(
        "/v1/prompts",
        json={"user_id": "u3", "survey": survey["id"], "channel": "link"},
        headers=site.auth,
    ).get_json()
    return {
        "survey": survey["id"],
        "prompt": open_prompt,
        "answered": answered,
        "response": response_id,
        "link_token": link["url"].rsplit("/", 1)[1],
    }


def body_endpoints(site, w) -> list[tuple]:
    """(method, path, a valid body, the path of one of its strings) of every endpoint with a body."""
    token = {"token": w["prompt"]["token"]}
    answered = {"token": w["answered"]["token"]}
    return [
        ("POST", "/v1/widget/session", {**visitor(site), "traits": {"plan": "pro"}}, "traits.plan"),
        (
            "POST",
            "/v1/widget/events",
            {**visitor(site), "event": "invoice.paid", "props": {"k": "v"}},
            "props.k",
        ),
        ("POST", f"/v1/widget/prompts/{w['prompt']['id']}/shown", token, "token"),
        ("POST", f"/v1/widget/prompts/{w['prompt']['id']}/dismissed", token, "token"),
        (
            "POST",
            "/v1/widget/responses",
            {**token, "response_id": str(uuid.uuid4()), "score": 3, "comment": "ok"},
            "comment",
        ),
        (
            "PATCH",
            f"/v1/widget/responses/{w['response']}",
            {**answered, "comment": "ok"},
            "comment",
        ),
        ("POST", "/v1/surveys", {"kind": "nps", "question": {"en": "Q?"}}, "question.en"),
        ("PATCH", f"/v1/surveys/{w['survey']}", {"name": "Renamed"}, "name"),
        ("PATCH", "/v1/site", {"name": "Acme"}, "name"),
        (
            "POST",
            "/v1/prompts",
            {"user_id": "u9", "survey": w["survey"], "context": {"ticket": "T-1"}},
            "context.ticket",
        ),
        ("PATCH", f"/v1/responses/{w['response']}", {"followup_note": "called"}, "followup_note"),
    ]


def query_endpoints(w) -> list[tuple]:
    """(method, path, a valid query, the parameter of it to probe)."""
    return [
        ("GET", "/v1/surveys", {"include_archived": "true"}, "include_archived"),
        ("GET", "/v1/responses", {"user_id": "u1"}, "user_id"),
        ("GET", "/v1/responses.csv", {"user_id": "u1"}, "user_id"),
        ("GET", "/v1/metrics", {"survey": w["survey"]}, "survey"),
        ("GET", "/v1/eligibility", {"user_id": "u1", "survey": w["survey"]}, "user_id"),
        ("GET", f"/r/{w['link_token']}", {"lang": "fi"}, "lang"),
    ]


def path_endpoints(w) -> list[tuple]:
    """(method, path with ``{}`` where an id goes, the real id) of every endpoint with an id."""
    return [
        ("GET", "/v1/surveys/{}", w["survey"]),
        ("PATCH", "/v1/surveys/{}", w["survey"]),
        ("DELETE", "/v1/surveys/{}", w["survey"]),
        ("GET", "/v1/prompts/{}", w["prompt"]["id"]),
        ("GET", "/v1/responses/{}", w["response"]),
        ("PATCH", "/v1/responses/{}", w["response"]),
        ("GET", "/v1/users/{}", "u1"),
        ("DELETE", "/v1/users/{}", "u1"),
        ("POST", "/v1/widget/prompts/{}/shown", w["prompt"]["id"]),
        ("POST", "/v1/widget/prompts/{}/dismissed", w["prompt"]["id"]),
        ("PATCH", "/v1/widget/responses/{}", w["response"]),
        ("GET", "/r/{}", w["link_token"]),
        ("POST", "/r/{}", w["link_token"]),
    ]


#: Streams its own body, up to its own limit (32 MiB): tested below (and people's import in
#: tests/api/test_people_api.py).
IMPORT = "/v1/responses/import"
STREAMED = (IMPORT, "/v1/people/import")


def every_operation(app) -> list[tuple[str, str]]:
    """Every (method, rule) of the browser and management APIs, for the chunked-body probe."""
    ops = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/v1/", "/r/")) and rule.rule not in (
            "/v1/openapi.json",
            *STREAMED,
        ):
            ops += [(m, rule.rule) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return ops


def send(client, site, method, path, *, data=None, headers=(), **kwargs):
    browser = path.startswith(("/v1/widget/", "/r/"))
    headers = {**({"Origin": ORIGIN} if browser else site.auth), **dict(headers)}
    if data is not None:
        kwargs.update(data=data, content_type="text/plain" if browser else "application/json")
    return client.open(path, method=method, headers=headers, **kwargs)


def put(body: dict, dotted: str, value: str) -> dict:
    """``body`` with the string at ``dotted`` (``traits.plan``) changed to ``value``."""
    body = json.loads(json.dumps(body))
    *parents, last = dotted.split(".")
    node = body
    for key in parents:
        node = node[key]
    node[last] = node[last] + value
    return body


def stored(app) -> dict:
    with app.extensions["fiilis.sessionmaker"]() as db:
        return {
            m.__tablename__: db.scalar(select(func.count()).select_from(m))
            for m in (Survey, Prompt, Response, User)
        }


def csv_rows(client, site) -> list[dict]:
    resp = client.get("/v1/responses.csv", headers=site.auth)
    assert resp.status_code == 200
    text = resp.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def an_ordinary_visit_still_works(app, client, site) -> None:
    before = len(csv_rows(client, site))
    prompt = ask(client, site, user_id=f"fresh-{uuid.uuid4().hex[:6]}")
    assert answer(client, prompt, 5).status_code == 201
    rows = csv_rows(client, site)
    assert len(rows) == before + 1 == stored(app)["responses"]


@pytest.mark.parametrize("probe", [SURROGATE, NUL], ids=["lone_surrogate", "nul"])
def test_text_that_cannot_be_stored_is_refused_in_every_body_naming_the_field(
    app, client, site, world, probe
):
    before = stored(app)
    for method, path, body, field in body_endpoints(site, world):
        resp = send(client, site, method, path, data=json.dumps(put(body, field, probe)))
        assert_error(resp, 422, "validation_failed", param=field)
        # The same body without the probe is fine (it is the probe that was refused).
        assert "cannot be stored" in resp.get_json()["error"]["message"]
    assert stored(app) == before
    an_ordinary_visit_still_works(app, client, site)


def test_a_bad_key_is_named_without_the_bad_text(client, site, world):
    body = {**visitor(site), "traits": {f"pl{SURROGATE}an": "pro"}}
    resp = send(client, site, "POST", "/v1/widget/session", data=json.dumps(body))
    assert_error(resp, 422, param="traits.pl\ufffdan")


def test_a_nul_in_any_query_string_is_refused_naming_the_parameter(app, client, site, world):
    before = stored(app)
    for method, path, query, name in query_endpoints(world):
        fine = send(client, site, method, path, query_string=query)
        assert fine.status_code == 200, (path, fine.get_data(as_text=True)[:300])
        resp = send(client, site, method, path, query_string={**query, name: query[name] + NUL})
        assert_error(resp, 422, "validation_failed", param=name)
    resp = send(client, site, "GET", "/v1/responses", query_string={"cursor": "abc" + NUL})
    assert_error(resp, 422, param="cursor")
    assert stored(app) == before
    an_ordinary_visit_still_works(app, client, site)


def test_a_nul_in_a_path_id_is_404(app, client, site, world):
    before = stored(app)
    for method, template, real in path_endpoints(world):
        resp = send(client, site, method, template.format(quote(real + NUL, safe="")), data="{}")
        assert_error(resp, 404, "not_found")
    assert stored(app) == before
    an_ordinary_visit_still_works(app, client, site)


def test_a_nul_in_a_form_field_is_refused(app, client, site, world):
    resp = client.post(f"/r/{world['link_token']}", data={"comment": "fine" + NUL})
    assert_error(resp, 422, param="comment")


def test_deep_nesting_is_400_in_the_error_shape_on_every_body(app, client, site, world):
    before = stored(app)
    for method, path, body, _field in body_endpoints(site, world):
        text = json.dumps(body)[:-1] + f', "deep": {DEEP}}}'
        resp = send(client, site, method, path, data=text)
        assert_error(resp, 400, "invalid_json")
        assert "levels deep" in resp.get_json()["error"]["message"]
    assert stored(app) == before
    an_ordinary_visit_still_works(app, client, site)


def test_deep_nesting_inside_a_string_is_just_text(client, site, world):
    body = {**visitor(site), "traits": {"note": "[{" * 100}}
    assert (
        send(client, site, "POST", "/v1/widget/session", data=json.dumps(body)).status_code == 200
    )


def test_a_chunked_body_over_64_kib_is_413_on_every_operation(app, client, site, world):
    before = stored(app)
    big = json.dumps({**visitor(site), "traits": {"x": "y" * 500_000}}).encode()
    ops = every_operation(app)
    assert len(ops) >= 20
    for method, rule in ops:
        path = rule.replace("<path:user_id>", "u1")
        for arg in ("survey_id", "prompt_id", "response_id", "token"):
            path = path.replace(f"<{arg}>", "x")
        resp = send(
            client,
            site,
            method,
            path,
            input_stream=io.BytesIO(big),
            headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
            environ_overrides={"wsgi.input_terminated": True},
        )
        assert_error(resp, 413, "body_too_large")
    assert stored(app) == before
    an_ordinary_visit_still_works(app, client, site)


def test_a_chunked_body_within_the_limit_is_read_whole(client, site, world):
    body = (json.dumps(visitor(site)) + " " * 60_000).encode()
    resp = client.post(
        "/v1/widget/session",
        input_stream=io.BytesIO(body),
        headers={"Origin": ORIGIN, "Transfer-Encoding": "chunked", "Content-Type": "text/plain"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert resp.status_code == 200, resp.get_json()


def test_numbers_json_does_not_have_are_refused(client, site, world):
    for number in ("NaN", "Infinity", "1e999"):
        text = json.dumps(visitor(site))[:-1] + f', "traits": {{"x": {number}}}}}'
        resp = send(client, site, "POST", "/v1/widget/session", data=text)
        assert_error(resp, 400, "invalid_json")


def test_an_import_refuses_each_hostile_item_by_its_line_and_imports_the_rest(
    app, client, site, world
):
    def item(n, **extra):
        return {
            "external_id": f"ext-{n}",
            "survey": world["survey"],
            "user_id": f"imported-{n}",
            "score": 4,
            "created_at": "2025-03-01T12:00:00+00:00",
            **extra,
        }

    body = "\n".join(
        [
            json.dumps(item(1)),
            json.dumps(item(2, comment="bad" + NUL)),
            json.dumps(item(3, traits={"plan": SURROGATE})),
            json.dumps(item(4))[:-1] + f', "deep": {DEEP}}}',
            json.dumps(item(5)),
        ]
    )
    before = stored(app)["responses"]
    resp = client.post(IMPORT, data=body, content_type="application/x-ndjson", headers=site.auth)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    report = resp.get_json()
    assert report["imported"] == 2
    errors = {e["line"]: e for e in report["errors"]}
    assert set(errors) == {2, 3, 4}
    assert (errors[2]["param"], errors[3]["param"]) == ("comment", "traits.plan")
    assert "levels deep" in errors[4]["message"]
    assert stored(app)["responses"] == before + 2
    an_ordinary_visit_still_works(app, client, site)
