"""The ``fiilis`` command: migrations and site keys printed once."""

import json

from sqlalchemy import create_engine, text


def test_site_create_prints_keys_once_and_stores_only_the_secret_hash(runner, database_url):
    result = runner.invoke(
        args=["site", "create", "--name", "Acme", "--origin", "https://APP.example.com/", "--json"]
    )
    assert result.exit_code == 0, result.output
    keys = json.loads(result.output)
    assert set(keys) == {"site_id", "public_key", "secret_key", "identity_secret"}
    assert keys["public_key"].startswith("pk_") and keys["secret_key"].startswith("sk_")
    engine = create_engine(database_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM sites")).mappings().one()
    engine.dispose()
    assert keys["secret_key"] not in json.dumps({k: str(v) for k, v in row.items()})
    assert row["allowed_origins"] in (["https://app.example.com"], '["https://app.example.com"]')


def test_the_printed_secret_key_opens_the_api(runner, client):
    keys = json.loads(runner.invoke(args=["site", "create", "--name", "A", "--json"]).output)
    resp = client.get("/v1/site", headers={"Authorization": f"Bearer {keys['secret_key']}"})
    assert resp.status_code == 200
    assert resp.get_json()["public_key"] == keys["public_key"]


def test_site_create_refuses_a_bad_origin(runner):
    result = runner.invoke(args=["site", "create", "--name", "A", "--origin", "not a url"])
    assert result.exit_code != 0


def test_survey_create_from_the_command_line(runner, client):
    keys = json.loads(runner.invoke(args=["site", "create", "--name", "A", "--json"]).output)
    result = runner.invoke(
        args=[
            "survey",
            "create",
            "--site",
            keys["public_key"],
            "--kind",
            "nps",
            "--question",
            "How likely are you to recommend us?",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    sid = json.loads(result.output)["id"]
    resp = client.get(
        f"/v1/surveys/{sid}", headers={"Authorization": f"Bearer {keys['secret_key']}"}
    )
    assert resp.get_json()["kind"] == "nps"
