"""``/v1/site``: settings of the key's own site."""

from tests.api.test_surveys import assert_error


def test_site_shows_its_settings_but_never_its_secrets(client, site):
    body = client.get("/v1/site", headers=site.auth).get_json()
    assert body["id"] == site.site_id
    assert body["public_key"] == site.public_key
    assert body["allowed_origins"] == ["https://app.example.com"]
    assert body["cooldown_days"] == 7
    assert body["require_identity"] is False
    text = str(body)
    assert site.secret_key not in text
    assert site.identity_secret not in text
    assert body["secret_key_hint"].endswith(site.secret_key[-4:])


def test_site_settings_change_and_origins_are_normalised(client, site):
    resp = client.patch(
        "/v1/site",
        json={
            "allowed_origins": ["HTTPS://App.Example.com:443/", "http://localhost:5173"],
            "cooldown_days": 14,
            "require_identity": True,
            "default_locale": "fi",
            "theme": {"accent": "#0f766e"},
        },
        headers=site.auth,
    )
    assert resp.status_code == 200, resp.get_json()
    body = client.get("/v1/site", headers=site.auth).get_json()
    assert body["allowed_origins"] == ["https://app.example.com", "http://localhost:5173"]
    assert body["cooldown_days"] == 14
    assert body["require_identity"] is True
    assert body["default_locale"] == "fi"
    assert body["theme"]["accent"] == "#0f766e"
    client.patch("/v1/site", json={"theme": {"position": "bottom-left"}}, headers=site.auth)
    theme = client.get("/v1/site", headers=site.auth).get_json()["theme"]
    assert theme == {"accent": "#0f766e", "position": "bottom-left"}


def test_bad_site_settings_name_the_field_and_change_nothing(client, site):
    for change, param in [
        ({"allowed_origins": ["https://app.example.com/path"]}, "allowed_origins.0"),
        ({"allowed_origins": ["ftp://files.example.com"]}, "allowed_origins.0"),
        ({"cooldown_days": -1}, "cooldown_days"),
        ({"default_locale": "german"}, "default_locale"),
        ({"texts": {"pt-BR": {"send": "Enviar"}}}, "texts.pt-BR.close"),
        ({"texts": {"de": {"submit": "Los"}}}, "texts.de.submit"),
        ({"theme": {"accent": "red"}}, "theme.accent"),
        ({"public_key": "pk_mine"}, "public_key"),
    ]:
        resp = client.patch(
            "/v1/site",
            json={**change, "cooldown_days": 3} if "cooldown_days" not in change else change,
            headers=site.auth,
        )
        assert_error(resp, 422, "validation_failed", param)
    assert client.get("/v1/site", headers=site.auth).get_json()["cooldown_days"] == 7


def test_each_key_sees_only_its_own_site(client, site, other_site):
    assert client.get("/v1/site", headers=other_site.auth).get_json()["id"] == other_site.site_id


def test_an_internationalised_origin_is_stored_as_browsers_send_it_and_matches(app, client, site):
    from sqlalchemy import update

    from collector.models import Site
    from tests.api.prompting import call, visitor

    resp = client.patch(
        "/v1/site", json={"allowed_origins": ["https://Bücher.example:443/"]}, headers=site.auth
    )
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["allowed_origins"] == ["https://xn--bcher-kva.example"]
    punycode = "https://xn--bcher-kva.example"
    assert call(client, "/v1/widget/session", visitor(site), origin=punycode).status_code == 200
    # An origin an older version stored in Unicode matches too.
    with app.extensions["fiilis.sessionmaker"]() as db:
        db.execute(
            update(Site)
            .where(Site.id == site.site_id)
            .values(allowed_origins=["https://straße.example"])
        )
        db.commit()
    app.extensions["fiilis.settings_cache"].clear()  # as after a restart, or the cache's TTL
    resp = call(client, "/v1/widget/session", visitor(site), origin="https://xn--strae-oqa.example")
    assert resp.status_code == 200, resp.get_json()
    resp = call(client, "/v1/widget/session", visitor(site), origin="https://strasse.example")
    assert resp.status_code == 403
