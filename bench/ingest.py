"""Ingest benchmark: event + response pairs through the browser API, against a bare endpoint.

Serves the collector with gunicorn (2 workers) on SQLite and on PostgreSQL, and beside it a bare
Flask app that parses the same JSON and answers 201 under the same gunicorn settings. A load
generator in a separate process drives a fixed number of pairs and reports requests/s, p50 and p99
for each, the ratio collector / bare endpoint, then p99 again at half the collector's maximum rate.

    .venv/bin/python bench/ingest.py [--pairs 2000] [--concurrency 8] [--skip-postgres] [--breakdown]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ORIGIN = "http://bench.local"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# --- the two apps gunicorn serves ------------------------------------------------------------


def bench_app():
    """The collector as production runs it, limits off (the load comes from one IP)."""
    from collector import create_app

    return create_app({"RATELIMIT_ENABLED": False})


def storage_free_app():
    """The collector with its two storage calls skipped (``--breakdown``): origin gate, marshmallow,
    identity, token signing and checking, CORS and the JSON answers all run; no row is read or
    written past the cached site. What is left above this line is the database's share."""
    from datetime import timedelta

    from collector.services import answers, prompts

    def on_event(db, site, visit, now):
        token = prompts.tokens().sign("prm_bench", site.id, now + timedelta(hours=1))
        return {"id": "prm_bench", "token": token}, None

    def submit(db, data, now, claims=None):
        claims = claims or prompts.read_token(data["token"], now, allow_expired=True)
        response = {"id": data["response_id"], "prompt_id": claims.prompt_id}
        return {**response, "score": data["score"], "created_at": now, "updated_at": now}, True

    prompts.on_event, answers.submit = on_event, submit
    return bench_app()


def bare_app():
    """The floor: Flask parsing the same JSON bodies and answering 201, nothing else."""
    from flask import Flask, request

    app = Flask("bare")

    @app.post("/v1/widget/events")
    def events():
        body = json.loads(request.get_data())
        return {"prompt": {"id": "prm_x", "token": body["site_key"]}}, 200

    @app.post("/v1/widget/responses")
    def responses():
        json.loads(request.get_data())
        return {"id": "r"}, 201

    return app


# --- the load generator (runs in its own process) ----------------------------------------------


def drive(port: int, site_key: str, pairs: int, concurrency: int, rate: float | None) -> dict:
    """``pairs`` event+response pairs from ``concurrency`` threads; ``rate`` pairs/s if paced."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_thread = pairs // concurrency
    interval = concurrency / rate if rate else 0.0

    def post(conn, path, body):
        data = json.dumps(body)
        t0 = time.perf_counter()
        conn.request("POST", path, data, {"Content-Type": "text/plain", "Origin": ORIGIN})
        resp = conn.getresponse()
        payload = resp.read()
        return resp.status, payload, time.perf_counter() - t0

    def worker(w: int):
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        next_at = time.perf_counter()
        for i in range(per_thread):
            if interval:
                next_at += interval
                delay = next_at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            user = f"u{w}-{i}-{uuid.uuid4().hex[:6]}"
            status, payload, dt = post(
                conn,
                "/v1/widget/events",
                {
                    "site_key": site_key,
                    "user_id": user,
                    "anonymous_id": str(uuid.uuid4()),
                    "event": "bench.event",
                    "url": f"{ORIGIN}/invoices",
                },
            )
            mine.append(dt)
            prompt = json.loads(payload).get("prompt") if status == 200 else None
            if not prompt:
                bad += 1
                continue
            status, _, dt = post(
                conn,
                "/v1/widget/responses",
                {"token": prompt["token"], "response_id": str(uuid.uuid4()), "score": 4},
            )
            mine.append(dt)
            bad += status not in (200, 201)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


def run_driver(port, site_key, pairs, concurrency, rate=None) -> dict:
    cmd = [sys.executable, __file__, "--drive", str(port), site_key, str(pairs), str(concurrency)]
    if rate:
        cmd.append(str(rate))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- orchestration --------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(factory: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            f"bench.ingest:{factory}",
        ],
        env={**os.environ, **env},
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{factory} did not start")


def prepare(url: str) -> str:
    """Migrate, then one site (origin allowed, no cooldown) and one always-asking survey."""
    from collector import create_app, db, migrate
    from collector.schemas import SurveySchema
    from collector.services import sites, surveys

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        made = sites.create(db.session(), name="Bench", origins=[ORIGIN])
        sites.update(db.session(), made.site, {"cooldown_days": 0})
        spec = {
            "kind": "csat",
            "question": {"en": "How was it?"},
            "trigger_events": ["bench.event"],
            "recontact_days": 0,
        }
        surveys.create(db.session(), made.site, SurveySchema().load(spec))
        key = made.site.public_key
    app.extensions["fiilis.engine"].dispose()
    return key


def measure(label: str, factory: str, env: dict, key: str, args) -> dict:
    proc, port = serve(factory, env)
    try:
        run_driver(port, key, min(200, args.pairs), args.concurrency)  # warm-up
        result = run_driver(port, key, args.pairs, args.concurrency)
    finally:
        proc.terminate()
        proc.wait(10)
    print(
        f"  {label:<28} {result['rps']:8.0f} req/s   p50 {result['p50_ms']:6.1f} ms   "
        f"p99 {result['p99_ms']:6.1f} ms   errors {result['errors']}"
    )
    return {**result, "port": port}


def at_half_rate(label, factory, env, key, args, max_rps) -> None:
    proc, port = serve(factory, env)
    try:
        pair_rate = max_rps / 2 / 2  # two requests per pair
        result = run_driver(port, key, args.pairs, args.concurrency, pair_rate)
    finally:
        proc.terminate()
        proc.wait(10)
    print(
        f"  {label:<28} {result['rps']:8.0f} req/s   p50 {result['p50_ms']:6.1f} ms   "
        f"p99 {result['p99_ms']:6.1f} ms   (paced at half the maximum)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also serve the collector with its storage calls skipped: the framework's share",
    )
    args = parser.parse_args()
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    print(
        f"Ingest: {args.pairs} event+response pairs, {args.concurrency} client threads, "
        f"gunicorn -w 2, {os.cpu_count()} cores"
    )
    base = {"FIILIS_SECRET_KEY": "bench-" * 6, "FIILIS_ENV": "production"}
    tmp = Path(tempfile.mkdtemp())
    bare = measure("bare Flask endpoint", "bare_app()", base, "pk_bare", args)

    targets = [("SQLite", f"sqlite:///{tmp / 'bench.db'}")]
    admin = None
    if not args.skip_postgres:
        admin = make_url(os.environ.get("FIILIS_TEST_DATABASE_URL", PG_DEFAULT))
        name = f"fiilis_bench_{uuid.uuid4().hex[:8]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        targets.append(("PostgreSQL", admin.set(database=name).render_as_string(False)))
    try:
        for label, url in targets:
            key = prepare(url)
            env = {**base, "FIILIS_DATABASE_URL": url}
            got = measure(f"collector on {label}", "bench_app()", env, key, args)
            print(f"  {'':<28} ratio collector / bare = {got['rps'] / bare['rps']:.2f}")
            if args.breakdown and label == "SQLite":
                free = measure("collector, storage skipped", "storage_free_app()", env, key, args)
                print(f"  {'':<28} ratio storage skipped / bare = {free['rps'] / bare['rps']:.2f}")
            at_half_rate(f"collector on {label}", "bench_app()", env, key, args, got["rps"])
    finally:
        if admin is not None:
            with engine.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--drive":
        port, key, pairs, conc = int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        rate = float(sys.argv[6]) if len(sys.argv) > 6 else None
        print(json.dumps(drive(port, key, pairs, conc, rate)))
    else:
        main()
