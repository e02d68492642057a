"""End-to-end fixtures: a real collector and a cross-origin host page, driven in a real Chromium.

The collector listens on 127.0.0.1 and the host page on localhost (two origins, as in production).
The browser is found in this order: ``FIILIS_CHROMIUM``, ``/usr/bin/chromium``, Playwright's own.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from flask import Flask, Response
from werkzeug.serving import make_server

from collector import create_app, db, migrate
from collector.api.bundle import manifest
from collector.domain import keys
from collector.domain.snippet import script_tag
from collector.services import sites

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"


def chromium_path() -> str | None:
    for candidate in (os.environ.get("FIILIS_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium")  # None: Playwright's own browser, if installed


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    path = chromium_path()
    if path:
        args["executable_path"] = path
    return args


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A WSGI app served from a thread, for as long as the test session lasts."""

    def __init__(self, app, host: str, bind: str = "127.0.0.1"):
        self.port = free_port()
        self.server = make_server(bind, self.port, app, threaded=True)
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def collector(tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e") / "fiilis.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "e2e-secret",
            "DATABASE_URL": url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ENABLED": False,
        }
    )
    server = Server(app, "127.0.0.1")
    app.config["PUBLIC_URL"] = server.url
    yield SimpleNamespace(url=server.url, app=app)
    server.stop()


@dataclass
class HostSite:
    """The pages of a customer's app, served from another origin than the collector."""

    pages: dict = field(default_factory=dict)

    def add(self, path: str, html: str, headers: dict | None = None, delay: float = 0) -> str:
        """Serve ``html`` at ``path``, ``delay`` seconds late (a slow backend)."""
        self.pages[path] = (html, headers or {}, delay)
        return self.url + path


@pytest.fixture(scope="session")
def host():
    pages = HostSite()
    app = Flask("host")

    @app.get("/<path:path>")
    def page(path):
        html, headers, delay = pages.pages.get("/" + path, ("not found", {}, 0))
        time.sleep(delay)
        return Response(html, mimetype="text/html", headers=headers)

    server = Server(app, "localhost")
    pages.url = server.url
    yield pages
    server.stop()


@pytest.fixture
def site(collector, host):
    """A fresh site whose allowlist holds the host page's origin, with an API client."""
    with collector.app.app_context():
        made = sites.create(db.session(), name="Acme Billing", origins=[host.url])
        k = made.to_dict()
    api = httpx.Client(
        base_url=collector.url, headers={"Authorization": f"Bearer {k['secret_key']}"}, timeout=10
    )
    yield SimpleNamespace(**k, api=api)
    api.close()


def embed(collector, site, *, user_id=None, locale=None, body="", head="", signed=True, **attrs):
    """A host page with the widget's script tag (SRI included), like a customer would paste."""
    with collector.app.app_context():
        build = manifest()
    tag = script_tag(
        collector.url,
        public_key=site.public_key,
        file=build["file"],
        integrity=build["integrity"],
        user_id=user_id,
        user_hash=keys.user_hash(site.identity_secret, user_id) if user_id and signed else None,
        locale=locale,
    )
    extra = " ".join(f'{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    if extra:
        tag = tag.replace("<script ", f"<script {extra} ", 1)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Acme Billing</title>{head}</head><body>{body}{tag}</body></html>"
    )


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page")
        if page is not None:
            ARTIFACTS.mkdir(exist_ok=True)
            try:
                page.screenshot(path=str(ARTIFACTS / f"{item.name}.png"), full_page=True)
            except Exception as e:  # the page may be gone; the failure itself matters more
                print(f"no screenshot for {item.name}: {e}")


QUESTIONS = {
    "csat": {
        "en": "How satisfied are you with paying invoices?",
        "fi": "Kuinka tyytyväinen olet laskujen maksamiseen?",
        "sv": "Hur nöjd är du med att betala fakturor?",
    },
    "ces": {"en": "Acme made it easy to close my ticket."},
    "nps": {"en": "How likely are you to recommend Acme to a friend?"},
}


def make_survey(site, kind: str = "csat", **fields) -> dict:
    """A survey created over the management API, as a backend developer would."""
    body = {
        "kind": kind,
        "question": QUESTIONS[kind],
        "followup": {"en": "What is the main reason for your score?"},
        "trigger_events": [
            {"csat": "invoice.paid", "ces": "ticket.closed", "nps": "nps.ask"}[kind]
        ],
        **fields,
    }
    resp = site.api.post("/v1/surveys", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()


def responses(site, survey_id: str) -> list[dict]:
    resp = site.api.get("/v1/responses", params={"survey": survey_id, "limit": 100})
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]


BUTTONS = (
    "<main><h1>Invoices</h1>"
    '<button type="button" id="pay" data-fiilis-track="invoice.paid">Pay invoice</button> '
    '<button type="button" id="close" data-fiilis-track="ticket.closed">Close ticket</button> '
    '<button type="button" id="nps" data-fiilis-track="nps.ask">Ask NPS</button></main>'
)


@pytest.fixture
def open_host(page, collector, host, site):
    """Open a host page embedding the widget for ``user_id``; returns the page."""
    counter = iter(range(10_000))

    def open_(user_id="u42", *, body=BUTTONS, headers=None, **kw):
        path = f"/app-{site.public_key}-{next(counter)}"
        url = host.add(path, embed(collector, site, user_id=user_id, body=body, **kw), headers)
        page.goto(url)
        page.wait_for_function("window.fiilis && window.fiilis.version")
        return page

    return open_


def card(page):
    """The widget's card, found through its accessible radiogroup (Playwright pierces shadow DOM)."""
    return page.get_by_role("radiogroup")


SCREENSHOTS = Path(__file__).parent.parent / "docs" / "screenshots"


@pytest.fixture
def shoot():
    """Save a screenshot for the README when ``FIILIS_SCREENSHOTS=1`` (``make screenshots``)."""

    def save(page, name: str, locator=None, margin: int = 24, full_page: bool = False) -> None:
        if os.environ.get("FIILIS_SCREENSHOTS") != "1":
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        clip = None
        if locator is not None:
            box = locator.bounding_box()
            view = page.viewport_size
            x, y = max(0, box["x"] - margin), max(0, box["y"] - margin)
            clip = {
                "x": x,
                "y": y,
                "width": min(view["width"] - x, box["width"] + 2 * margin),
                "height": min(view["height"] - y, box["height"] + 2 * margin),
            }
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), clip=clip, full_page=full_page)

    return save
