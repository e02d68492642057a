"""Rate limits: per client IP and site on the browser API, per secret key on the management API,
shared by every instance that uses the same Redis."""

from __future__ import annotations

import os
import uuid

import pytest

from collector import create_app
from tests.api.prompting import ORIGIN, assert_error, call, visitor

REDIS_URL = os.environ.get("FIILIS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def session(client, site, **headers):
    return client.open(
        "/v1/widget/session",
        method="POST",
        json=visitor(site),
        headers={"Origin": ORIGIN, **headers},
    )


@pytest.fixture
def limited(app_config):
    def make(**config):
        return create_app({**app_config, "RATELIMIT_WIDGET": "3/minute", **config}).test_client()

    return make


def test_the_browser_api_answers_429_in_the_error_shape_with_retry_after(limited, site):
    client = limited()
    for _ in range(3):
        assert session(client, site).status_code == 200
    resp = session(client, site)
    err = assert_error(resp, 429, "rate_limited")
    assert err["type"] == "rate_limit_error"
    assert 0 < int(resp.headers["Retry-After"]) <= 60
    # The widget must be able to read the 429 and its Retry-After to back off.
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Retry-After" in resp.headers["Access-Control-Expose-Headers"]


def test_each_site_has_its_own_budget_per_client(limited, site, other_site):
    client = limited()
    for _ in range(3):
        session(client, site)
    assert session(client, site).status_code == 429
    other = client.open(
        "/v1/widget/session",
        method="POST",
        json=visitor(other_site),
        headers={"Origin": "https://other.example.org"},
    )
    assert other.status_code == 200


def test_made_up_site_keys_do_not_buy_a_client_fresh_budgets(limited, site):
    client = limited(RATELIMIT_WIDGET="100/minute", RATELIMIT_WIDGET_PER_IP="4/minute")
    for _ in range(4):
        forged = {**visitor(site), "site_key": f"pk_{uuid.uuid4().hex[:24]}"}
        resp = client.open(
            "/v1/widget/session", method="POST", json=forged, headers={"Origin": ORIGIN}
        )
        assert resp.status_code != 429
    assert_error(session(client, site), 429, "rate_limited")
    other_ip = session(client, site, **{"X-Forwarded-For": "203.0.113.9"})
    assert other_ip.status_code == 429  # no trusted proxy: the header does not change the IP


def test_responses_count_against_the_site_their_token_names(limited, site):
    client = limited(RATELIMIT_WIDGET="2/minute")
    body = {"token": "eyJwIjoicHJtX3giLCJzIjoic2l0ZV94IiwiZSI6MX0.x.y", "comment": "x"}
    for _ in range(2):
        assert call(client, "/v1/widget/responses/abc", body, method="PATCH").status_code != 429
    assert call(client, "/v1/widget/responses/abc", body, method="PATCH").status_code == 429
    assert session(client, site).status_code == 200  # the site key's own bucket


def test_client_ips_come_from_x_forwarded_for_only_behind_trusted_proxies(limited, site):
    direct = limited()
    for n in range(3):
        session(direct, site, **{"X-Forwarded-For": f"203.0.113.{n}"})
    # Without trusted proxies the header is anyone's to write: it changes nothing.
    assert session(direct, site, **{"X-Forwarded-For": "203.0.113.99"}).status_code == 429

    proxied = limited(TRUSTED_PROXIES=1)
    for _ in range(3):
        session(proxied, site, **{"X-Forwarded-For": "203.0.113.1"})
    assert session(proxied, site, **{"X-Forwarded-For": "203.0.113.1"}).status_code == 429
    assert session(proxied, site, **{"X-Forwarded-For": "203.0.113.2"}).status_code == 200
    # Only the hop our proxy added counts, not what the client put before it.
    spoofed = {"X-Forwarded-For": "198.51.100.7, 203.0.113.1"}
    assert session(proxied, site, **spoofed).status_code == 429


def test_preflights_are_not_counted(limited, site):
    client = limited(RATELIMIT_WIDGET="1/minute")
    for _ in range(5):
        preflight = client.options(
            "/v1/widget/responses/abc",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PATCH"},
        )
        assert preflight.status_code == 204
    assert session(client, site).status_code == 200


def test_the_management_api_is_limited_per_secret_key(app_config, site, other_site):
    client = create_app({**app_config, "RATELIMIT_MANAGEMENT": "2/minute"}).test_client()
    assert client.get("/v1/surveys", headers=site.auth).status_code == 200
    assert client.get("/v1/site", headers=site.auth).status_code == 200
    resp = client.get("/v1/surveys", headers=site.auth)
    assert_error(resp, 429, "rate_limited")
    assert "Retry-After" in resp.headers
    assert not [h for h, _ in resp.headers if h.lower().startswith("access-control-")]
    assert client.get("/v1/surveys", headers=other_site.auth).status_code == 200


def _redis_or_skip():
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as e:  # any failure means "no Redis here"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required under CI but does not answer at {REDIS_URL}: {e}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {e}")


def test_two_instances_sharing_redis_share_one_limit(app_config, site):
    _redis_or_skip()
    shared = {
        **app_config,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"fiilis-test-{uuid.uuid4().hex}",
        "RATELIMIT_WIDGET": "3/minute",
    }
    one = create_app(shared).test_client()
    two = create_app(shared).test_client()
    assert session(one, site).status_code == 200
    assert session(two, site).status_code == 200
    assert session(one, site).status_code == 200
    assert session(two, site).status_code == 429
    assert session(one, site).status_code == 429

    apart = create_app({**shared, "RATELIMIT_KEY_PREFIX": f"fiilis-test-{uuid.uuid4().hex}"})
    assert session(apart.test_client(), site).status_code == 200


def test_retry_after_is_sent_on_429_only(limited, site):
    client = limited(RATELIMIT_WIDGET="2/minute")
    ok = session(client, site)
    assert ok.status_code == 200
    assert "X-RateLimit-Remaining" in ok.headers
    assert "Retry-After" not in ok.headers
    refused = client.post("/v1/widget/session", json={}, headers={"Origin": ORIGIN})
    assert refused.status_code == 422
    assert "Retry-After" not in refused.headers
    assert "Retry-After" not in session(client, site).headers  # the last one within the limit
    resp = session(client, site)
    assert_error(resp, 429, "rate_limited")
    assert 0 < int(resp.headers["Retry-After"]) <= 60


def test_a_created_answer_carries_no_retry_after(app_config, site):
    client = create_app(app_config).test_client()
    resp = client.post(
        "/v1/surveys", json={"kind": "nps", "question": {"en": "Q?"}}, headers=site.auth
    )
    assert resp.status_code == 201
    assert "Retry-After" not in resp.headers


def test_made_up_secret_keys_from_one_address_meet_a_ceiling(app_config, site):
    client = create_app({**app_config, "RATELIMIT_AUTH_FAILURES": "3/minute"}).test_client()
    for _ in range(5):  # successes do not count
        assert client.get("/v1/site", headers=site.auth).status_code == 200
    for n in range(3):
        fake = {"Authorization": f"Bearer sk_made_up_{n}"}
        assert_error(client.get("/v1/site", headers=fake), 401, "invalid_api_key")
    resp = client.get("/v1/site", headers={"Authorization": "Bearer sk_made_up_4"})
    assert_error(resp, 429, "rate_limited")
    assert "Retry-After" in resp.headers
    assert_error(client.get("/v1/site"), 429)  # no key at all is a failure too
    # Another address is not affected.
    other = client.get("/v1/site", headers=site.auth, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_with_redis_unreachable_requests_are_served_limited_per_process_and_readyz_says_so(
    app_config, site, caplog
):
    # A closed port on this machine: connections are refused at once.
    down = {**app_config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}
    client = create_app({**down, "RATELIMIT_WIDGET": "3/minute"}).test_client()
    assert [session(client, site).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get("/v1/site", headers=site.auth).status_code == 200
    created = client.post(
        "/v1/surveys", json={"kind": "csat", "question": {"en": "Q?"}}, headers=site.auth
    )
    assert created.status_code == 201
    assert "unreachable" in caplog.text
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["status"] == "degraded"
    assert ready.get_json()["rate_limit_store"] == {
        "kind": "redis",
        "shared": True,
        "reachable": False,
    }


def test_readyz_reports_a_reachable_shared_store(app_config):
    _redis_or_skip()
    client = create_app({**app_config, "RATELIMIT_STORAGE_URI": REDIS_URL}).test_client()
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready"
    assert body["rate_limit_store"] == {"kind": "redis", "shared": True, "reachable": True}
    memory = create_app(app_config).test_client().get("/readyz").get_json()
    assert memory["rate_limit_store"] == {"kind": "memory", "shared": False, "reachable": True}
