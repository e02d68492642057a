"""Sites and surveys as the browser API reads them: cached per process, never stale in it.

A change made through this process (the management API, the dashboard) applies to the very next
widget call; another process (a second gunicorn worker) sees it within the cache's TTL.
"""

from __future__ import annotations

from collector import create_app, db
from collector.services import sites
from tests.api.prompting import ask, assert_error, call, make_survey, reason, track


def test_a_paused_survey_stops_asking_with_the_next_event(client, site):
    survey = make_survey(client, site)
    ask(client, site, user_id="first")  # the site and its surveys are now cached
    client.patch(f"/v1/surveys/{survey['id']}", json={"active": False}, headers=site.auth)
    assert reason(client, site, user_id="second") == "survey_inactive"


def test_a_new_survey_asks_with_the_next_event(client, site):
    assert reason(client, site, user_id="first") == "event_not_trigger"
    make_survey(client, site)
    assert ask(client, site, user_id="second")["kind"] == "csat"


def test_an_origin_taken_off_the_list_is_refused_with_the_next_call(client, site):
    make_survey(client, site)
    ask(client, site, user_id="first")
    client.patch(
        "/v1/site", json={"allowed_origins": ["https://new.example.com"]}, headers=site.auth
    )
    resp = track(client, site, user_id="second")
    assert_error(resp, 403, "origin_not_allowed")


def test_a_rotated_identity_secret_refuses_old_hashes_with_the_next_call(app, client, site):
    make_survey(client, site)
    ask(client, site, user_id="first")
    with app.app_context():  # as the dashboard's settings page does it
        stored = sites.by_public_key(db.session(), site.public_key)
        sites.rotate_identity_secret(db.session(), stored)
    # The page still signs user ids with the old secret.
    assert_error(track(client, site, user_id="second"), 403, "identity_mismatch")


def test_another_process_sees_a_change_within_the_ttl(app_config, client, site):
    """Two app instances on one database stand for two workers: the second one's cache holds
    the survey for at most the TTL after the first one paused it."""
    survey = make_survey(client, site)
    other = create_app(app_config)
    cache = other.extensions["fiilis.settings_cache"]
    now = [1000.0]
    cache._clock = lambda: now[0]
    try:
        other_client = other.test_client()
        ask(other_client, site, user_id="first")
        client.patch(f"/v1/surveys/{survey['id']}", json={"active": False}, headers=site.auth)
        now[0] += cache.ttl - 0.5
        ask(other_client, site, user_id="second")  # still the cached, active survey
        now[0] += 1
        assert reason(other_client, site, user_id="third") == "survey_inactive"
    finally:
        other.extensions["fiilis.engine"].dispose()


def test_made_up_site_keys_are_refused_without_filling_the_cache(app, client, site):
    cache = app.extensions["fiilis.settings_cache"]

    def send(key):
        body = {"site_key": key, "anonymous_id": "anon-0000-1111", "event": "invoice.paid"}
        return call(client, "/v1/widget/events", body)

    assert_error(send("pk_" + "x" * 60_000), 422, "validation_failed")
    for key in ("not-a-key", "pk_UPPERCASE000000000000000", site.public_key[:-1]):
        assert_error(send(key), 401, "invalid_site_key")
    assert len(cache) == 0
