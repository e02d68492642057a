"""Reasons benchmark: ``group_by=reason`` and ``?reason=`` over answers that gave reasons.

The answers of ``bench/metrics.py`` (one NPS survey, spread over 365 days), of which 40 % gave no
reason, 30 % one and 30 % two of five choices: 0.9 reason rows per answer. Fills a fresh SQLite
file and a fresh PostgreSQL database, then times through the Flask test client ``GET /v1/metrics``
with ``group_by=reason`` over the whole year and over its last 30 days, and the first page of
``GET /v1/responses?reason=…``. Each figure is the median of a few runs after one warm-up; the
baseline, timed in the same run, is a bare ``SELECT count(*)`` over the reason rows.

    .venv/bin/python bench/reasons.py [--responses 1000000] [--runs 5] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.metrics import (  # noqa: E402
    DAYS,
    GOAL_MS,
    NOW,
    PG_DEFAULT,
    fill_postgres,
    fill_sqlite,
    median_ms,
    setup,
)

CHOICES = ["price", "speed", "support", "docs", "onboarding"]


def reason_rows(site_id: str, survey_id: str, n: int):
    """``(response_id, reason, site_id, survey_id)`` for the answers of ``bench/metrics.py``."""
    for i in range(n):
        given = i % 10
        if given < 4:
            continue
        rid = str(uuid.UUID(int=i))
        first = CHOICES[(i // 10) % 5]
        yield rid, first, site_id, survey_id
        if given >= 7:
            yield rid, CHOICES[(i // 10 + given - 6) % 5], site_id, survey_id


COLUMNS = "response_id, reason, site_id, survey_id"


def add_sqlite(path: Path, site_id: str, survey_id: str, n: int) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    con.executemany(
        f"INSERT INTO response_reasons ({COLUMNS}) VALUES (?, ?, ?, ?)",
        reason_rows(site_id, survey_id, n),
    )
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.close()


def add_postgres(url: str, site_id: str, survey_id: str, n: int) -> None:
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as con, con.cursor() as cur:
        with cur.copy(f"COPY response_reasons ({COLUMNS}) FROM STDIN") as copy:
            for row in reason_rows(site_id, survey_id, n):
                copy.write_row(row)
        con.commit()
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("VACUUM ANALYZE response_reasons")


def measure(label: str, app, survey_id: str, secret: str, n: int, runs: int) -> list[tuple]:
    client = app.test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    engine = app.extensions["fiilis.engine"]
    expected = sum(1 for _ in reason_rows("s", survey_id, n))

    def baseline():
        with engine.connect() as conn:
            got = conn.execute(
                text("SELECT count(*) FROM response_reasons WHERE survey_id = :s"),
                {"s": survey_id},
            ).scalar()
        assert got == expected, got

    base = median_ms(baseline, runs)
    out = [(label, "baseline: SELECT count(*)", base, None)]
    until = (NOW + timedelta(seconds=1)).isoformat()
    for name, days in [("group_by=reason, 365 days", DAYS), ("group_by=reason, 30 days", 30)]:
        since = (NOW - timedelta(days=days)).isoformat()
        params = {"survey": survey_id, "group_by": "reason", "since": since, "until": until}
        body = {}

        def call(params=params, body=body):
            resp = client.get("/v1/metrics", query_string=params, headers=auth)
            assert resp.status_code == 200, resp.get_data(as_text=True)
            body.update(resp.get_json())

        ms = median_ms(call, runs)
        assert len(body["groups"]) == len(CHOICES) + 1, body["groups"]
        out.append((label, name, ms, ms / base))

    def first_page():
        resp = client.get("/v1/responses", query_string={"reason": "price"}, headers=auth)
        assert resp.status_code == 200 and len(resp.get_json()["data"]) == 20
        assert all("price" in r["reasons"] for r in resp.get_json()["data"])

    ms = median_ms(first_page, runs)
    out.append((label, "/v1/responses?reason=price", ms, ms / base))
    return out


def run_sqlite(n: int, runs: int) -> list[tuple]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        app, site_id, survey_id, secret = setup(f"sqlite:///{path}")
        t0 = time.perf_counter()
        fill_sqlite(path, site_id, survey_id, n)
        add_sqlite(path, site_id, survey_id, n)
        print(f"SQLite: filled {n:,} answers in {time.perf_counter() - t0:.0f} s", flush=True)
        try:
            return measure("SQLite", app, survey_id, secret, n, runs)
        finally:
            app.extensions["fiilis.engine"].dispose()


def run_postgres(n: int, runs: int) -> list[tuple]:
    admin = make_url(os.environ.get("FIILIS_TEST_DATABASE_URL") or PG_DEFAULT)
    name = f"fiilis_bench_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        app, site_id, survey_id, secret = setup(url)
        t0 = time.perf_counter()
        fill_postgres(url, site_id, survey_id, n)
        add_postgres(url, site_id, survey_id, n)
        print(f"PostgreSQL: filled {n:,} answers in {time.perf_counter() - t0:.0f} s", flush=True)
        try:
            return measure("PostgreSQL", app, survey_id, secret, n, runs)
        finally:
            app.extensions["fiilis.engine"].dispose()
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (median)")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()

    rows = []
    if not args.skip_sqlite:
        rows += run_sqlite(args.responses, args.runs)
    if not args.skip_postgres:
        rows += run_postgres(args.responses, args.runs)

    print()
    print(f"Reasons over {args.responses:,} NPS answers in {DAYS} days, one survey")
    print(f"median of {args.runs} runs after a warm-up; goal ≤ {GOAL_MS} ms per call")
    print()
    print(f"{'database':<11} {'call':<32} {'ms':>8} {'× baseline':>11}  goal")
    for db_name, call, ms, ratio in rows:
        verdict = "" if ratio is None else ("ok" if ms <= GOAL_MS else "OVER")
        ratio_text = "" if ratio is None else f"{ratio:.1f}"
        print(f"{db_name:<11} {call:<32} {ms:>8.1f} {ratio_text:>11}  {verdict}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{os.cpu_count()} CPUs, load average {load:.1f} at the end")


if __name__ == "__main__":
    main()
