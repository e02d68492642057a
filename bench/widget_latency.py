"""Widget latency: time from ``fiilis.track(...)`` to the card being visible, in Chromium, and the
bytes each widget file costs on the wire.

A collector on SQLite and a host page on another origin, both on localhost; 50 triggers (each a
fresh user on a fresh page view, survey delay 0) for each of two tags, alternating in one run:
the single bundle of before the loader/card split (still served from ``releases/``) and today's
loader, which fetches the card file when the prompt arrives. Every page view is in a new browser
context, so the card file is never in the cache. The time is measured inside the page with
``performance.now()``: from the call to the first animation frame in which the card has a size.
The baseline, in the same run, is a bare ``fetch`` round trip to the collector's ``/healthz``.

    .venv/bin/python bench/widget_latency.py [--triggers 50]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The last build that was one file (loader and card together).
SINGLE_BUNDLE = "fiilis.54c830c09f39.js"

MEASURE = """async (event) => {
  const t0 = performance.now();
  window.fiilis.track(event);
  return await new Promise((resolve) => {
    const tick = () => {
      const host = [...document.body.children].find((el) => el.shadowRoot);
      const card = host && host.shadowRoot.querySelector('[role=region]');
      if (card && card.getBoundingClientRect().height > 0) resolve(performance.now() - t0);
      else requestAnimationFrame(tick);
    };
    tick();
  });
}"""

BASELINE = """async (url) => {
  const t0 = performance.now();
  await fetch(url, {mode: 'cors'}).catch(() => null);
  return performance.now() - t0;
}"""


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def wire_bytes(app) -> list[tuple[str, int, int, int]]:
    """(file, plain, gzip, brotli) as the collector sends each widget file."""
    from collector.api.bundle import manifest

    with app.app_context():
        build = manifest()
    client = app.test_client()
    rows = []
    for label, name in (
        ("loader", build["file"]),
        ("card", build["card"]["file"]),
        ("single bundle (before)", SINGLE_BUNDLE),
    ):
        sizes = [
            len(client.get(f"/widget/{name}", headers={"Accept-Encoding": accept}).data)
            for accept in ("identity", "gzip", "br")
        ]
        rows.append((label, *sizes))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", type=int, default=50)
    args = parser.parse_args()

    import logging

    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    from collector import create_app, db, migrate
    from collector.api.bundle import WIDGET_DIR
    from collector.schemas import SurveySchema
    from collector.services import sites, surveys
    from e2e.conftest import CHROMIUM_ARGS, Server, chromium_path, embed

    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    collector = Server(app, "127.0.0.1")

    from flask import Flask, Response

    pages: dict[str, str] = {}
    host_app = Flask("host")
    host_app.add_url_rule(
        "/<name>", "page", lambda name: Response(pages.get(name, ""), mimetype="text/html")
    )
    host = Server(host_app, "localhost")

    with app.app_context():
        made = sites.create(db.session(), name="Bench", origins=[host.url])
        spec = {"kind": "csat", "question": {"en": "How was it?"}, "trigger_events": ["bench.go"]}
        surveys.create(db.session(), made.site, SurveySchema().load(spec))
        site = type("Site", (), made.to_dict())

    single = (WIDGET_DIR / "releases" / SINGLE_BUNDLE).read_bytes()
    single_sri = "sha384-" + base64.b64encode(hashlib.sha384(single).digest()).decode()

    def page_html(variant: str, user: str) -> str:
        html = embed(target, site, user_id=user)
        if variant == "single bundle (before)":
            with app.app_context():
                from collector.api.bundle import manifest

                build = manifest()
            html = html.replace(build["file"], SINGLE_BUNDLE).replace(
                build["integrity"], single_sri
            )
        return html

    variants = ("single bundle (before)", "loader + card (now)")
    times: dict[str, list[float]] = {v: [] for v in variants}
    baseline: list[float] = []
    target = type("C", (), {"url": collector.url, "app": app})
    with sync_playwright() as pw:
        launch = {"args": CHROMIUM_ARGS}
        if chromium_path():
            launch["executable_path"] = chromium_path()
        browser = pw.chromium.launch(**launch)
        for i in range(args.triggers + 3):  # three warm-up rounds
            for variant in variants:
                context = browser.new_context(reduced_motion="reduce")  # an empty cache
                page = context.new_page()
                name = f"p{i}-{variants.index(variant)}"
                pages[name] = page_html(variant, f"bench-{name}")
                page.goto(f"{host.url}/{name}")
                page.wait_for_function("window.fiilis && window.fiilis.version")
                page.wait_for_load_state("networkidle")
                elapsed = page.evaluate(MEASURE, "bench.go")
                if i >= 3:
                    times[variant].append(elapsed)
                    if variant == variants[0]:
                        baseline.append(page.evaluate(BASELINE, f"{collector.url}/healthz"))
                context.close()
        browser.close()
    collector.stop()
    host.stop()

    print(
        f"Widget latency, track() → card visible, {args.triggers} triggers each, delay 0, "
        "Chromium, card file not cached"
    )
    for variant in variants:
        print(
            f"  {variant:24}  p50 {pct(times[variant], 0.5):6.1f} ms   "
            f"p95 {pct(times[variant], 0.95):6.1f} ms"
        )
    print(
        f"  {'baseline fetch RTT':24}  p50 {pct(baseline, 0.5):6.1f} ms   p95 {pct(baseline, 0.95):6.1f} ms"
    )
    before, now = (pct(times[v], 0.95) for v in variants)
    print(f"  p95 now − before          {now - before:+.1f} ms (goal: within 10 ms)")
    print(
        f"  ratio (p50, now)          "
        f"{statistics.median(times[variants[1]]) / statistics.median(baseline):.1f} × a bare round trip"
    )
    print("Widget bytes on the wire (as the collector sends them)")
    print(f"  {'file':24} {'plain':>7} {'gzip':>7} {'brotli':>7}")
    for label, plain, gz, br in wire_bytes(app):
        print(f"  {label:24} {plain:7d} {gz:7d} {br:7d}")


if __name__ == "__main__":
    main()
