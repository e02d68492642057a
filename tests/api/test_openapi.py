"""The OpenAPI document is valid and lists every route of the API."""

import re

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
    survey = spec["components"]["schemas"]["Survey"]
    assert {"kind", "question"} <= set(survey["required"])
    assert survey["properties"]["sample_rate"]["maximum"] == 1
    assert survey["properties"]["kind"]["enum"] == ["csat", "ces", "nps"]
