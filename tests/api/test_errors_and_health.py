"""The one error shape for every failure, request ids, health and readiness."""

from tests.api.test_surveys import assert_error


def test_unknown_route_answers_the_error_shape(client):
    assert_error(client.get("/v1/nope"), 404, "not_found")


def test_wrong_method_answers_the_error_shape_with_allow(client, site):
    resp = client.put("/v1/site", headers=site.auth, json={})
    assert_error(resp, 405, "method_not_allowed")
    assert "PATCH" in resp.headers["Allow"]


def test_every_answer_carries_a_request_id(client, site):
    ids = {
        client.get(p, headers=site.auth).headers["X-Request-Id"]
        for p in ("/healthz", "/v1/site", "/nope")
    }
    assert len(ids) == 3


def test_a_sane_incoming_request_id_is_kept(client):
    resp = client.get("/v1/nope", headers={"X-Request-Id": "trace-1234abcd"})
    assert resp.headers["X-Request-Id"] == "trace-1234abcd"
    assert resp.get_json()["error"]["request_id"] == "trace-1234abcd"
    resp = client.get("/healthz", headers={"X-Request-Id": "<script>"})
    assert resp.headers["X-Request-Id"].startswith("req_")


def test_an_unexpected_failure_is_a_500_in_the_error_shape(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    resp = client.get("/boom")
    err = assert_error(resp, 500, "internal_error")
    assert "secret internals" not in err["message"]


def test_healthz_and_readyz_answer(client, backend):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready"
    assert body["database"] == backend


def test_readyz_fails_when_the_database_is_gone(app_config):
    from collector import create_app

    app = create_app({**app_config, "DATABASE_URL": "sqlite:////nonexistent/dir/x.db"})
    assert_error(app.test_client().get("/readyz"), 503, "database_unavailable")
