"""Ingest benchmark: event + response pairs through the browser API, against a bare endpoint.

Serves, with gunicorn (2 sync workers), a bare Flask app that parses the same JSON and answers
(the floor), then the collector on SQLite and on PostgreSQL, and drives each with ``wrk`` and
``bench/ingest.lua`` (installed with apt when missing): a C load generator that leaves the two
cores to the server far more than a Python client would. For each target it reports requests/s,
p50 and p99, and the workers' CPU per request (user + system time of the gunicorn workers from
``/proc``, over the requests served), then p99 again paced at half the maximum rate.

``--before REV`` serves the collector as it was at ``REV`` too (a temporary ``git worktree``),
in turns with the current code, so that before and after are measured in one run on the same
machine. ``--plain-core`` adds the current code with every prepared statement run through
SQLAlchemy's ``Connection.execute`` instead (``collector.prepared`` against plain Core).

    .venv/bin/python bench/ingest.py [--seconds 10] [--connections 8] [--rounds 2]
        [--before e57ee66] [--plain-core] [--skip-postgres] [--breakdown] [--python-driver]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
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

    from collector.domain.widget import StoredAnswer
    from collector.services import answers, visits

    def event(work, tokens, site, visit, now):
        token = tokens.sign("prm_bench", site.id, now + timedelta(hours=1))
        return {"id": "prm_bench", "token": token}, None

    def answer(work, claims, data, now):
        return StoredAnswer(
            id=data["response_id"],
            prompt_id=claims.prompt_id,
            score=data["score"],
            created_at=now,
            updated_at=now,
        ), True

    visits.event, answers.answer = event, answer
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


def plain_core_app():
    """The collector with each prepared statement run through ``Connection.execute`` (SQLAlchemy
    compiles it once per dialect in its own cache): ``collector.prepared`` against plain Core."""
    from collector import prepared

    def rows(self, conn, params):
        return list(conn.execute(self.statement, dict(params)))

    def run(self, conn, params):
        return conn.execute(self.statement, dict(params)).rowcount

    prepared.Prepared.rows, prepared.Prepared.run = rows, run
    return bench_app()


# --- the load generator: wrk with bench/ingest.lua ----------------------------------------------


LUA = Path(__file__).with_name("ingest.lua")


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        print("  (installing wrk with apt-get)")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
        found = shutil.which("wrk")
    return found


def run_wrk(port: int, key: str, seconds: float, connections: int, delay_ms: float = 0) -> dict:
    env = {
        **os.environ,
        "FIILIS_SITE_KEY": key,
        "FIILIS_ORIGIN": ORIGIN,
        "FIILIS_DELAY_MS": str(delay_ms),
    }
    cmd = [wrk_binary(), "-t1", f"-c{connections}", f"-d{round(seconds)}s", "-s", str(LUA)]
    out = subprocess.run(
        [*cmd, f"http://127.0.0.1:{port}"], env=env, check=True, capture_output=True, text=True
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def worker_cpu_seconds(master: int) -> float:
    """User + system CPU time of the gunicorn master's children (its workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / tick


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


def serve(factory: str, env: dict, root: Path = ROOT) -> tuple[subprocess.Popen, int]:
    """gunicorn serving ``bench.ingest:<factory>`` from the checkout at ``root``."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [
            *(str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"),
            *("--chdir", str(root), f"bench.ingest:{factory}"),
        ],
        env={**os.environ, **env, "PYTHONPATH": str(root)},
    )
    for _ in range(200):
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


def measure(factory: str, env: dict, key: str, args, root: Path = ROOT) -> dict:
    """The maximum rate (and the workers' CPU per request), then p99 paced at half of it."""
    proc, port = serve(factory, env, root)
    try:
        if args.python_driver:
            run_driver(port, key, 200, args.connections)  # warm-up
            got = run_driver(port, key, args.pairs, args.connections)
            half = run_driver(port, key, args.pairs, args.connections, got["rps"] / 4)
            return {**got, "cpu_ms": None, "half_p99_ms": half["p99_ms"], "half_rps": half["rps"]}
        run_wrk(port, key, 2, args.connections)  # warm-up: imports, caches, plans
        cpu = worker_cpu_seconds(proc.pid)
        got = run_wrk(port, key, args.seconds, args.connections)
        got["cpu_ms"] = 1000 * (worker_cpu_seconds(proc.pid) - cpu) / got["requests"]
        # Each connection waits between its requests so that all of them make half the rate.
        pause = max(0.0, args.connections * 1000 / (got["rps"] / 2) - got["p50_ms"])
        half = run_wrk(port, key, args.seconds, args.connections, pause)
        return {**got, "half_p99_ms": half["p99_ms"], "half_rps": half["rps"]}
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """gunicorn's graceful stop, then a kill: a loaded machine may take a while to finish."""
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def checkout(rev: str):
    """The code at ``rev`` in a temporary worktree, with this benchmark's own files in it."""
    where = Path(tempfile.mkdtemp(prefix="fiilis-bench-")) / "code"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(where), rev], check=True
    )
    try:
        for name in ("ingest.py", "ingest.lua"):
            shutil.copy(Path(__file__).with_name(name), where / "bench" / name)
        yield where
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)])


def _median(results: list[dict], key: str):
    values = [r[key] for r in results if r.get(key) is not None]
    return statistics.median(values) if values else None


def report(label: str, results: list[dict], bare_rps: float | None) -> dict:
    row = {name: _median(results, name) for name in results[0]}
    spread = [r["rps"] for r in results]
    cpu = f"{row['cpu_ms']:5.2f} ms" if row["cpu_ms"] is not None else "   –    "
    ratio = f"{row['rps'] / bare_rps:4.2f}" if bare_rps else "    "
    print(
        f"  {label:<34} {row['rps']:6.0f} req/s ({min(spread):.0f}–{max(spread):.0f})  "
        f"p50 {row['p50_ms']:5.1f}  p99 {row['p99_ms']:5.1f} ms  CPU/req {cpu}  × bare {ratio}  "
        f"half rate: p99 {row['half_p99_ms']:5.1f} ms at {row['half_rps']:.0f} req/s  "
        f"errors {sum(r['errors'] for r in results)}",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="each wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="turns of each code, for the spread")
    parser.add_argument("--before", metavar="REV", help="also serve the code at this revision")
    parser.add_argument("--plain-core", action="store_true", help="also without prepared.py")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also serve the collector with its storage calls skipped: the framework's share",
    )
    parser.add_argument("--python-driver", action="store_true", help="the old Python client")
    parser.add_argument("--pairs", type=int, default=2000, help="with --python-driver")
    args = parser.parse_args()
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    driver = "Python client" if args.python_driver else "wrk -t1"
    print(
        f"Ingest: event + response pairs, {driver}, {args.connections} connections, "
        f"{args.seconds:g} s a run, {args.rounds} round(s), gunicorn -w 2, {os.cpu_count()} cores"
    )
    base = {"FIILIS_SECRET_KEY": "bench-" * 6, "FIILIS_ENV": "production"}
    tmp = Path(tempfile.mkdtemp())
    bare = [measure("bare_app()", base, "pk_bare", args) for _ in range(args.rounds)]
    bare_rps = report("bare Flask endpoint", bare, None)["rps"]

    targets = [("SQLite", f"sqlite:///{tmp / 'bench.db'}")]
    admin = None
    if not args.skip_postgres:
        admin = make_url(os.environ.get("FIILIS_TEST_DATABASE_URL", PG_DEFAULT))
        pg_name = f"fiilis_bench_{uuid.uuid4().hex[:8]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text(f'CREATE DATABASE "{pg_name}"'))
        targets.append(("PostgreSQL", admin.set(database=pg_name).render_as_string(False)))
    with contextlib.ExitStack() as stack:
        codes = [("collector", ROOT, "bench_app()")]
        if args.before:
            old = stack.enter_context(checkout(args.before))
            codes.insert(0, (f"collector at {args.before}", old, "bench_app()"))
        if args.plain_core:
            codes.append(("collector, plain Core", ROOT, "plain_core_app()"))
        if args.breakdown:
            codes.append(("collector, storage skipped", ROOT, "storage_free_app()"))
        try:
            for label, url in targets:
                key = prepare(url)
                env = {**base, "FIILIS_DATABASE_URL": url}
                runs: dict[str, list[dict]] = {name: [] for name, _, _ in codes}
                for _ in range(args.rounds):  # in turns: the machine's drift hits each alike
                    for name, root, factory in codes:
                        runs[name].append(measure(factory, env, key, args, root))
                for name, _, _ in codes:
                    report(f"{name} on {label}", runs[name], bare_rps)
        finally:
            if admin is not None:
                with engine.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--drive":
        port, key, pairs, conc = int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        rate = float(sys.argv[6]) if len(sys.argv) > 6 else None
        print(json.dumps(drive(port, key, pairs, conc, rate)))
    else:
        main()
