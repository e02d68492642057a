"""Widget latency: time from ``fiilis.track(...)`` to the card being visible, in Chromium.

A collector on SQLite and a host page on another origin, both on localhost; 50 triggers (each a
fresh user on a fresh page view, survey delay 0). The time is measured inside the page with
``performance.now()``: from the call to the first animation frame in which the card has a size.
The baseline, in the same run, is a bare ``fetch`` round trip to the collector's ``/healthz``.

    .venv/bin/python bench/widget_latency.py [--triggers 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", type=int, default=50)
    args = parser.parse_args()

    import logging

    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    from collector import create_app, db, migrate
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
        "/<name>", "page", lambda name: Response(pages[name], mimetype="text/html")
    )
    host = Server(host_app, "localhost")

    with app.app_context():
        made = sites.create(db.session(), name="Bench", origins=[host.url])
        spec = {"kind": "csat", "question": {"en": "How was it?"}, "trigger_events": ["bench.go"]}
        surveys.create(db.session(), made.site, SurveySchema().load(spec))
        site = type("Site", (), made.to_dict())

    times, baseline = [], []
    target = type("C", (), {"url": collector.url, "app": app})
    with sync_playwright() as pw:
        launch = {"args": CHROMIUM_ARGS}
        if chromium_path():
            launch["executable_path"] = chromium_path()
        browser = pw.chromium.launch(**launch)
        page = browser.new_page()
        page.emulate_media(reduced_motion="reduce")
        for i in range(args.triggers + 3):  # three warm-up rounds
            pages[f"p{i}"] = embed(target, site, user_id=f"bench-{i}")
            page.goto(f"{host.url}/p{i}")
            page.wait_for_function("window.fiilis && window.fiilis.version")
            page.wait_for_load_state("networkidle")
            elapsed = page.evaluate(MEASURE, "bench.go")
            base = page.evaluate(BASELINE, f"{collector.url}/healthz")
            if i >= 3:
                times.append(elapsed)
                baseline.append(base)
        browser.close()
    collector.stop()
    host.stop()

    print(f"Widget latency, track() → card visible, {args.triggers} triggers, delay 0, Chromium")
    print(f"  track → visible       p50 {pct(times, 0.5):6.1f} ms   p95 {pct(times, 0.95):6.1f} ms")
    print(
        f"  baseline fetch RTT    p50 {pct(baseline, 0.5):6.1f} ms   p95 {pct(baseline, 0.95):6.1f} ms"
    )
    print(
        f"  ratio (p50)           {statistics.median(times) / statistics.median(baseline):.1f} × a bare round trip"
    )


if __name__ == "__main__":
    main()
