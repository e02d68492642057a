"""Serving the widget bundle, and the script tag `fiilis snippet` prints."""

import base64
import hashlib
import hmac
import json
import re

from collector.api.bundle import WIDGET_DIR

MANIFEST = json.loads((WIDGET_DIR / "manifest.json").read_text())


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_stable_url_serves_the_bundle_with_a_short_cache_and_an_etag(client):
    resp = client.get("/widget/fiilis.js")
    assert resp.status_code == 200
    assert resp.mimetype == "text/javascript"
    assert "max-age=300" in resp.headers["Cache-Control"]
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    etag = resp.headers["ETag"]
    again = client.get("/widget/fiilis.js", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_hashed_url_is_immutable_and_matches_the_manifest_integrity(client):
    resp = client.get(f"/widget/{MANIFEST['file']}")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert sri(resp.data) == MANIFEST["integrity"]
    assert resp.data == client.get("/widget/fiilis.js").data


def test_an_earlier_release_keeps_being_served_for_tags_that_pin_it(client, tmp_path, monkeypatch):
    from collector.api import bundle

    old = b"/* an earlier widget build */"
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "fiilis.0123456789ab.js").write_bytes(old)
    for name in ("fiilis.js", "manifest.json", MANIFEST["file"]):
        (tmp_path / name).write_bytes((WIDGET_DIR / name).read_bytes())
    monkeypatch.setattr(bundle, "WIDGET_DIR", tmp_path)
    resp = client.get("/widget/fiilis.0123456789ab.js")
    assert resp.status_code == 200
    assert resp.data == old
    assert "immutable" in resp.headers["Cache-Control"]
    assert client.get(f"/widget/{MANIFEST['file']}").status_code == 200
    assert client.get("/widget/fiilis.releases%2Fx.js").status_code == 404


def test_an_unknown_build_hash_is_not_found(client):
    resp = client.get("/widget/fiilis.0123456789ab.js")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"


def test_snippet_prints_a_tag_whose_integrity_fits_the_served_bytes(runner, client, site):
    result = runner.invoke(
        args=["snippet", "--site", site.public_key, "--base-url", "https://fb.acme.test"]
    )
    assert result.exit_code == 0, result.output
    tag = result.output.strip()
    src = re.search(r'src="([^"]+)"', tag).group(1)
    integrity = re.search(r'integrity="([^"]+)"', tag).group(1)
    assert src == f"https://fb.acme.test/widget/{MANIFEST['file']}"
    assert 'crossorigin="anonymous"' in tag
    assert f'data-site-key="{site.public_key}"' in tag
    assert integrity == sri(client.get(src.removeprefix("https://fb.acme.test")).data)


def test_snippet_signs_the_user_id_when_asked(runner, site):
    result = runner.invoke(
        args=[
            "snippet",
            "--site",
            site.public_key,
            "--user-id",
            "u42",
            "--base-url",
            "https://fb.acme.test",
        ]
    )
    digest = hmac.new(site.identity_secret.encode(), b"u42", hashlib.sha256).hexdigest()
    assert f'data-user-hash="{digest}"' in result.output
    assert 'data-user-id="u42"' in result.output


def test_snippet_refuses_an_unknown_site(runner):
    result = runner.invoke(args=["snippet", "--site", "pk_nope"])
    assert result.exit_code != 0
    assert "no site has the public key pk_nope" in result.output.lower()
