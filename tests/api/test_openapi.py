"""The OpenAPI document is valid and lists every route of the API."""

import re

import pytest
from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_lists_every_route(app, client):
    spec = client.get("/v1/openapi.json").get_json()
    validate(spec)
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    expected = {
        (re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/v1/", "/r/")) and rule.rule != "/v1/openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert ("/v1/surveys/{survey_id}", "PATCH") in expected
    assert expected - documented == set()


def test_survey_schema_in_the_document_is_the_one_the_api_validates_with(client):
    spec = client.get("/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    survey = schemas["Survey"]
    assert survey["discriminator"]["propertyName"] == "kind"
    assert set(survey["discriminator"]["mapping"]) == {"csat", "ces", "nps"}
    kinds = {
        name: schemas[ref["$ref"].rsplit("/", 1)[1]]
        for name, ref in zip(("csat", "ces", "nps"), survey["oneOf"], strict=True)
    }
    for kind, variant in kinds.items():
        assert {"kind", "question"} <= set(variant["required"])
        assert variant["properties"]["kind"]["enum"] == [kind]
        assert variant["properties"]["sample_rate"]["maximum"] == 1
    scales = {k: v["properties"]["scale"]["enum"] for k, v in kinds.items()}
    assert scales == {
        "csat": [{"min": 1, "max": 5}, {"min": 1, "max": 7}],
        "ces": [{"min": 1, "max": 5}, {"min": 1, "max": 7}],
        "nps": [{"min": 0, "max": 10}],
    }


def test_an_alerts_target_is_documented_per_channel_and_refusals_by_code(client):
    spec = client.get("/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert schemas["Alert"]["discriminator"]["mapping"] == {
        "slack": "#/components/schemas/SlackAlert",
        "email": "#/components/schemas/EmailAlert",
    }
    slack, email = (schemas[n]["properties"]["target"] for n in ("SlackAlert", "EmailAlert"))
    assert slack["pattern"].startswith("^https://") and "@" in email["pattern"]
    assert schemas["Webhook"]["properties"]["events"]["uniqueItems"] is True
    refused = spec["paths"]["/v1/webhooks"]["post"]["responses"]["422"]["x-refusals"]
    assert refused == [{"code": "unsafe_url", "param": "url"}]


def test_a_survey_body_naming_a_kind_is_held_to_that_kinds_scales(client, site):
    nps = {"kind": "nps", "question": {"en": "Recommend us?"}, "scale": {"min": 1, "max": 5}}
    resp = client.post("/v1/surveys", json=nps, headers=site.auth)
    assert resp.status_code == 422 and resp.get_json()["error"]["param"] == "scale"
    resp = client.post("/v1/surveys", json={**nps, "kind": "csat"}, headers=site.auth)
    assert resp.status_code == 201 and resp.get_json()["scale"] == {"min": 1, "max": 5}


def test_an_answer_holds_only_what_its_document_states_and_a_listed_status():
    from types import SimpleNamespace

    from flask import Flask
    from marshmallow import Schema, fields

    from collector.openapi import doc

    class ThingSchema(Schema):
        id = fields.Str(required=True)

    app = Flask(__name__)
    thing = SimpleNamespace(id="thg_1", secret_key_hash="never sent")

    @app.get("/thing")
    @doc("Read a thing", response=ThingSchema(), also=(202,))
    def read():
        return thing

    @app.post("/thing")
    @doc("Make a thing", response=ThingSchema(), status=201)
    def make():
        return thing, 200  # not a status its document lists

    app.testing = True  # the programming error reaches the test, not a 500 page
    client = app.test_client()
    assert client.get("/thing").get_json() == {"id": "thg_1"}
    with pytest.raises(TypeError, match="answered 200, which it does not document"):
        client.post("/thing")
