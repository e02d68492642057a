"""Export benchmark: ``GET /v1/responses.csv`` of every answer, through gunicorn, against a baseline.

Fills a fresh SQLite file and a fresh PostgreSQL database with ``--responses`` answers (a third with
a comment; the metrics bench's rows), serves the collector with the shipped ``gunicorn.conf.py``
(its 30 s worker timeout far shorter than the export), downloads the whole file with httpx and checks
that every row arrived. Baselines, timed in the same run before and after the export (their mean is
the ratio's denominator): on PostgreSQL its own ``COPY`` of the same rows in the same order, on
SQLite a bare ``csv.writer`` loop over the same rows. Goals: ≥ 0.25 × ``COPY``, ≥ 0.5 × the loop.

    .venv/bin/python bench/export.py [--responses 1000000] [--skip-postgres] [--skip-sqlite]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import metrics  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

GOALS = {"SQLite": 0.5, "PostgreSQL": 0.25}
ORDERED = "FROM responses WHERE survey_id = 'srv_bench' ORDER BY created_at DESC, id DESC"
PLAIN_COLUMNS = (
    "id, created_at, survey_id, prompt_id, score, comment, user_id, event, url, locale, "
    "followup_status, followup_owner, followup_note, context, traits"
)


def serve(url: str) -> tuple[subprocess.Popen, str]:
    port = metrics_free_port()
    env = {
        **os.environ,
        "FIILIS_ENV": "production",
        "FIILIS_SECRET_KEY": "bench-secret-key-" * 2,
        "FIILIS_DATABASE_URL": url,
        "FIILIS_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "--log-level", "warning", "collector:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def metrics_free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def download(base: str, secret: str, n: int) -> tuple[float, int]:
    """Seconds for the whole export and its size on the wire (gzip, as a browser asks)."""
    t0 = time.perf_counter()
    rows, wire = 0, 0
    headers = {"Authorization": f"Bearer {secret}", "Accept-Encoding": "gzip"}
    with httpx.stream("GET", f"{base}/v1/responses.csv", headers=headers, timeout=3600) as resp:
        assert resp.status_code == 200, resp.read()[:300]
        tail = b""
        for chunk in resp.iter_bytes():
            rows += chunk.count(b"\r\n")
            tail = chunk[-2:] or tail
        wire = resp.num_bytes_downloaded
    seconds = time.perf_counter() - t0
    # Comments hold no line breaks here, so lines are rows: the header and every answer.
    assert rows == n + 1 and tail == b"\r\n", (rows, n)
    return seconds, wire


def sqlite_loop(path: Path) -> float:
    con = sqlite3.connect(path)
    t0 = time.perf_counter()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for i, row in enumerate(con.execute(f"SELECT {PLAIN_COLUMNS} {ORDERED}")):
        writer.writerow(row)
        if i % 1000 == 0:
            buffer.seek(0)
            buffer.truncate()
    con.close()
    return time.perf_counter() - t0


def postgres_copy(url: str) -> float:
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as con:
        t0 = time.perf_counter()
        with con.cursor().copy(f"COPY (SELECT * {ORDERED}) TO STDOUT WITH (FORMAT csv)") as copy:
            for _ in copy:
                pass
        return time.perf_counter() - t0


def measure(label: str, url: str, secret: str, n: int, baseline) -> tuple:
    before = baseline()
    proc, base = serve(url)
    try:
        seconds, wire = download(base, secret, n)
    finally:
        proc.terminate()
        proc.wait(30)
    after = baseline()
    base_s = (before + after) / 2
    return (label, n, seconds, base_s, base_s / seconds, wire)


def run_sqlite(n: int) -> tuple:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        app, site_id, survey_id, secret = metrics.setup(f"sqlite:///{path}")
        app.extensions["fiilis.engine"].dispose()
        metrics.fill_sqlite(path, site_id, survey_id, n)
        return measure("SQLite", f"sqlite:///{path}", secret, n, lambda: sqlite_loop(path))


def run_postgres(n: int) -> tuple:
    admin = make_url(os.environ.get("FIILIS_TEST_DATABASE_URL") or metrics.PG_DEFAULT)
    name = f"fiilis_bench_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        app, site_id, survey_id, secret = metrics.setup(url)
        app.extensions["fiilis.engine"].dispose()
        metrics.fill_postgres(url, site_id, survey_id, n)
        return measure("PostgreSQL", url, secret, n, lambda: postgres_copy(url))
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    results = []
    if not args.skip_sqlite:
        results.append(run_sqlite(args.responses))
    if not args.skip_postgres:
        results.append(run_postgres(args.responses))
    print(f"\nGET /v1/responses.csv of {args.responses:,} answers through gunicorn (gzip)")
    print(f"{'database':<11} {'export s':>9} {'rows/s':>9} {'baseline s':>11} {'ratio':>6}  goal")
    for label, n, seconds, base_s, ratio, wire in results:
        verdict = "ok" if ratio >= GOALS[label] else "UNDER"
        print(
            f"{label:<11} {seconds:>9.1f} {n / seconds:>9,.0f} {base_s:>11.1f} {ratio:>6.2f}  "
            f"≥ {GOALS[label]} {verdict}   ({wire / n:.0f} bytes per row on the wire)"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{os.cpu_count()} CPUs, load average {load:.1f} at the end; every row arrived")


if __name__ == "__main__":
    main()
