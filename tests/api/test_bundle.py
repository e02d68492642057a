"""Serving the widget bundle, and the script tag `fiilis snippet` prints."""

import base64
import gzip
import hashlib
import hmac
import json
import re

import brotli
import pytest

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


# -- pre-compressed files --------------------------------------------------------------------------

DECODE = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda data: data}
FILES = [f"/widget/{MANIFEST['file']}", f"/widget/{MANIFEST['card']['file']}", "/widget/fiilis.js"]


@pytest.mark.parametrize("path", FILES)
@pytest.mark.parametrize(
    ("accept", "encoding"),
    [("gzip, deflate, br, zstd", "br"), ("gzip, deflate", "gzip"), ("identity", None), ("", None)],
)
def test_each_file_goes_compressed_as_the_browser_accepts_and_decodes_to_the_pinned_bytes(
    client, path, accept, encoding
):
    resp = client.get(path, headers={"Accept-Encoding": accept})
    assert resp.status_code == 200
    assert resp.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in resp.headers["Vary"]
    assert resp.mimetype == "text/javascript"
    assert int(resp.headers["Content-Length"]) == len(resp.data)
    code = DECODE[encoding](resp.data)
    name = path.removeprefix("/widget/")
    entry = MANIFEST["card"] if name.startswith("fiilis-card.") else MANIFEST
    assert sri(code) == entry["integrity"]
    if encoding:
        assert len(resp.data) < len(code) / 2, "compressed"


def test_the_snippets_integrity_fits_the_decoded_bytes_in_every_encoding(runner, client, site):
    result = runner.invoke(args=["snippet", "--site", site.public_key, "--base-url", "https://x.t"])
    src = re.search(r'src="https://x.t([^"]+)"', result.output).group(1)
    integrity = re.search(r'integrity="([^"]+)"', result.output).group(1)
    for encoding in ("br", "gzip", None):
        resp = client.get(src, headers={"Accept-Encoding": encoding or "identity"})
        assert sri(DECODE[encoding](resp.data)) == integrity, encoding


def test_an_encoding_the_browser_refuses_with_q0_is_not_sent(client):
    resp = client.get("/widget/fiilis.js", headers={"Accept-Encoding": "br;q=0, gzip"})
    assert resp.headers["Content-Encoding"] == "gzip"


def test_content_addressed_files_are_immutable_in_every_encoding(client):
    for path in FILES[:2]:
        for accept in ("br", "gzip", "identity"):
            resp = client.get(path, headers={"Accept-Encoding": accept})
            assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_each_encoding_has_its_own_etag_and_revalidates_to_304(client):
    etags = {}
    for accept in ("br", "gzip", "identity"):
        resp = client.get("/widget/fiilis.js", headers={"Accept-Encoding": accept})
        etags[accept] = resp.headers["ETag"]
        again = client.get(
            "/widget/fiilis.js",
            headers={"Accept-Encoding": accept, "If-None-Match": resp.headers["ETag"]},
        )
        assert again.status_code == 304
        assert again.data == b""
        assert "Accept-Encoding" in again.headers["Vary"]
    assert len(set(etags.values())) == 3, "a cache never serves one encoding's 304 for another"
    stale = client.get(
        "/widget/fiilis.js", headers={"Accept-Encoding": "identity", "If-None-Match": etags["br"]}
    )
    assert stale.status_code == 200
    assert stale.headers.get("Content-Encoding") is None


def test_an_unknown_card_hash_is_not_found(client):
    assert client.get("/widget/fiilis-card.0123456789ab.js").status_code == 404


def test_an_earlier_release_keeps_being_served_for_tags_that_pin_it(client, tmp_path, monkeypatch):
    from collector.api import bundle

    old = b"/* an earlier widget build */"
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "fiilis.0123456789ab.js").write_bytes(old)
    (tmp_path / "releases" / "fiilis.0123456789ab.js.gz").write_bytes(gzip.compress(old))
    for name in ("fiilis.js", "manifest.json", MANIFEST["file"]):
        (tmp_path / name).write_bytes((WIDGET_DIR / name).read_bytes())
    monkeypatch.setattr(bundle, "WIDGET_DIR", tmp_path)
    resp = client.get("/widget/fiilis.0123456789ab.js", headers={"Accept-Encoding": "identity"})
    assert resp.status_code == 200
    assert resp.data == old
    assert "immutable" in resp.headers["Cache-Control"]
    zipped = client.get("/widget/fiilis.0123456789ab.js", headers={"Accept-Encoding": "br, gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip", "the copy it has"
    assert gzip.decompress(zipped.data) == old
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
    served = client.get(src.removeprefix("https://fb.acme.test"), headers={"Accept-Encoding": ""})
    assert integrity == sri(served.data)


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
