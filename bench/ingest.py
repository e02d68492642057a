"""Ingest benchmark: event + answer pairs through the browser API, against a bare endpoint.

gunicorn with the shipped ``gunicorn.conf.py`` (threaded workers, one per core) serves, in turn, a
bare Flask app that parses the same JSON and answers, then the collector on SQLite and on
PostgreSQL. Debian's ``wrk`` (installed with apt-get if missing) drives the widget's pair with
``bench/ingest.lua``: a ``track`` event that opens a prompt, then the answer to it, each pair a new
user. Each target is first loaded for ``--warmup`` seconds (its data: users, prompts, answers),
PostgreSQL is then analysed as autovacuum would, and the next ``--duration`` seconds are measured:
requests/s, p50 and p99, and the workers' CPU per request (``/proc/<pid>/stat``), with the ratio
collector / bare. Then the same paced at half the collector's maximum rate.

    .venv/bin/python bench/ingest.py [--duration 10] [--connections 8] [--before COMMIT]
        [--rounds 1] [--skip-postgres] [--breakdown] [--generator python --pairs 2000]

``--before COMMIT`` also serves the collector as it was at COMMIT (from a copy of that tree), on
databases of its own, next to the current code: before/after in one run. ``--generator python``
is the old load generator (one Python process, threads): it caps what it can measure on a small
machine (docs/benchmarks.md, "Ingest").
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
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
LUA = Path(__file__).with_name("ingest.lua")
TICK = os.sysconf("SC_CLK_TCK")


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
    """The floor: Flask parsing the same JSON bodies and answering, nothing else."""
    from flask import Flask, request

    app = Flask("bare")

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/v1/widget/events")
    def events():
        body = json.loads(request.get_data())
        return {"prompt": {"id": "prm_x", "token": body["site_key"]}}, 200

    @app.post("/v1/widget/responses")
    def responses():
        json.loads(request.get_data())
        return {"id": "r"}, 201

    return app


# --- load generators ----------------------------------------------------------------------------


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("  (wrk is missing: installing Debian's package)", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True)
    return shutil.which("wrk") or "/usr/bin/wrk"


def run_wrk(port: int, key: str, seconds: float, connections: int, pause_ms: float = 0) -> dict:
    """``wrk`` with bench/ingest.lua for ``seconds``; ``pause_ms`` between a connection's requests."""
    script = LUA
    if pause_ms:
        # wrk paces only when the script defines delay() when it is loaded: a copy that does.
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text(LUA.read_text() + f"\nfunction delay() return {pause_ms:.2f} end\n")
    cmd = [wrk_binary(), "-t", str(connections), "-c", str(connections), "-d", f"{round(seconds)}s"]
    cmd += ["--timeout", "10s", "-s", str(script), f"http://127.0.0.1:{port}", "--", key, ORIGIN]
    spent = _children_cpu()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    spent = _children_cpu() - spent
    out = proc.stdout
    if proc.returncode:
        raise RuntimeError(f"wrk failed: {proc.stderr or out}")
    got = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    requests = got["requests"]
    return {
        "requests": requests,
        "errors": got["bad_status"] + got["socket_errors"] + got["misses"],
        "rps": requests / (got["duration_us"] / 1e6),
        "p50_ms": got["p50_us"] / 1000,
        "p99_ms": got["p99_us"] / 1000,
        "generator_ms": 1000 * spent / max(requests, 1),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def drive(port: int, site_key: str, pairs: int, concurrency: int, rate: float | None) -> dict:
    """The Python generator: ``pairs`` pairs from ``concurrency`` threads; ``rate`` pairs/s."""
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


def run_python(port, site_key, pairs, concurrency, rate=None) -> dict:
    cmd = [sys.executable, __file__, "--drive", str(port), site_key, str(pairs), str(concurrency)]
    if rate:
        cmd.append(str(rate))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def load(port: int, key: str, args, *, warmup: bool = False, rate: float | None = None) -> dict:
    """One run of the chosen generator; ``rate`` in requests/s paces it."""
    if args.generator == "python":
        pairs = min(200, args.pairs) if warmup else args.pairs
        return run_python(port, key, pairs, args.connections, rate / 2 if rate else None)
    seconds = args.warmup if warmup else args.duration
    pause = 1000 * args.connections / rate if rate else 0
    return run_wrk(port, key, seconds, args.connections, pause)


# --- the server and its workers' CPU ------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(factory: str, env: dict, tree: Path = ROOT) -> tuple[subprocess.Popen, int]:
    """gunicorn with the shipped gunicorn.conf.py, serving ``factory`` of the code in ``tree``."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    environ = {**os.environ, **env, "FIILIS_BIND": f"127.0.0.1:{port}", "PYTHONPATH": str(tree)}
    config = ["-c", str(ROOT / "gunicorn.conf.py"), "--log-level", "warning", "--chdir", str(tree)]
    proc = subprocess.Popen(
        [str(gunicorn), *config, f"bench.ingest:{factory}"],
        env=environ,
        stdout=subprocess.DEVNULL,  # the access log is written, as in production, and dropped
    )
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{factory} did not start")


def stop(proc: subprocess.Popen) -> None:
    """gunicorn's graceful stop, then a kill if it takes longer than a loaded machine should."""
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def workers_cpu(master: int) -> float:
    """Seconds of CPU (user + system) the gunicorn master's children have used so far: the live
    workers' own, plus what the master has reaped (a worker recycled by ``max_requests`` takes its
    CPU with it otherwise, and the difference over a run could even come out negative)."""
    ticks = 0
    for pid in _children(master):
        ticks += sum(_stat(pid)[11:13])  # utime, stime
    return (ticks + sum(_stat(master)[13:15])) / TICK  # cutime, cstime: the reaped workers


def _stat(pid: int) -> list[int]:
    """The numeric fields of ``/proc/<pid>/stat`` after the command (index 11 is field 14, utime);
    zeros for a process that has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return [0] * 20
    return [int(f) if f.lstrip("-").isdigit() else 0 for f in fields[:20]]


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def measure(label: str, factory: str, env: dict, key: str, args, *, tree=ROOT, analyse=None):
    """Load for the warm-up, analyse, then measure; prints one line and returns the figures."""
    proc, port = serve(factory, env, tree)
    try:
        load(port, key, args, warmup=True)
        if analyse:
            analyse()
        before = workers_cpu(proc.pid)
        result = load(port, key, args)
        cpu = workers_cpu(proc.pid) - before
        result["cpu_ms"] = 1000 * cpu / max(result["requests"], 1)
        half = None
        if args.half_rate and factory == "bench_app()":
            half = load(port, key, args, rate=result["rps"] / 2)
    finally:
        stop(proc)
    print(
        f"  {label:<30} {result['rps']:7.0f} req/s  p50 {result['p50_ms']:6.1f} ms  "
        f"p99 {result['p99_ms']:6.1f} ms  CPU {result['cpu_ms']:5.2f} ms/req  "
        f"errors {result['errors']}" + _generator(result),
        flush=True,
    )
    if half:
        print(
            f"  {'  at half that rate':<30} {half['rps']:7.0f} req/s  p50 {half['p50_ms']:6.1f} ms"
            f"  p99 {half['p99_ms']:6.1f} ms",
            flush=True,
        )
    return result


def _generator(result: dict) -> str:
    return f"  (wrk {result['generator_ms']:.2f} ms/req)" if "generator_ms" in result else ""


# --- the databases ------------------------------------------------------------------------------


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


class Databases:
    """Fresh SQLite files and PostgreSQL databases, dropped at the end."""

    def __init__(self, postgres: bool):
        from sqlalchemy.engine import make_url

        self.tmp = Path(tempfile.mkdtemp())
        self.admin = make_url(os.environ.get("FIILIS_TEST_DATABASE_URL", PG_DEFAULT))
        self.postgres = postgres
        self.made: list[str] = []

    def new(self, kind: str) -> str:
        from sqlalchemy import create_engine, text

        name = f"fiilis_bench_{uuid.uuid4().hex[:8]}"
        if kind == "SQLite":
            return f"sqlite:///{self.tmp / name}.db"
        with create_engine(self.admin, isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        self.made.append(name)
        return self.admin.set(database=name).render_as_string(False)

    def drop(self) -> None:
        from sqlalchemy import create_engine, text

        if self.made:
            with create_engine(self.admin, isolation_level="AUTOCOMMIT").connect() as c:
                for name in self.made:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(self.tmp, ignore_errors=True)


def analyser(url: str):
    """PostgreSQL's ANALYZE of what the warm-up loaded (autovacuum does it on a live database);
    SQLite is left as a deployment leaves it."""
    if not url.startswith("postgresql"):
        return None

    def analyse():
        from sqlalchemy import create_engine, text

        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text("ANALYZE"))
        engine.dispose()

    return analyse


def old_tree(commit: str, tmp: Path) -> Path:
    """The repository at ``commit``, extracted into ``tmp`` (its code is served from there)."""
    tree = tmp / f"tree-{commit[:10]}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", choices=("wrk", "python"), default="wrk")
    parser.add_argument("--duration", type=float, default=10, help="seconds measured (wrk)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load first (wrk)")
    parser.add_argument("--connections", type=int, default=8, help="connections / threads")
    parser.add_argument("--pairs", type=int, default=2000, help="pairs per run (python)")
    parser.add_argument("--before", metavar="COMMIT", help="also the collector as at COMMIT")
    parser.add_argument("--rounds", type=int, default=1, help="all of it again, in turns")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--no-half-rate", dest="half_rate", action="store_false")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also serve the collector with its storage calls skipped: the framework's share",
    )
    args = parser.parse_args()
    generator = f"wrk, {args.duration:g} s" if args.generator == "wrk" else f"{args.pairs} pairs"
    print(
        f"Ingest: event + answer pairs ({generator}, {args.connections} connections), "
        f"gunicorn -c gunicorn.conf.py, {os.cpu_count()} cores shared with the load generator"
    )
    base = {"FIILIS_SECRET_KEY": "bench-" * 6, "FIILIS_ENV": "production"}
    dbs = Databases(postgres=not args.skip_postgres)
    trees = [("", ROOT)]
    if args.before:
        trees.insert(0, (f" at {args.before[:10]}", old_tree(args.before, dbs.tmp)))
    ratios: dict[str, list[float]] = {}
    try:
        for round_ in range(args.rounds):
            if args.rounds > 1:
                print(f" round {round_ + 1} of {args.rounds}", flush=True)
            bare = measure("bare Flask endpoint", "bare_app()", base, "pk_bare", args)
            for kind in ("SQLite", "PostgreSQL")[: 1 if args.skip_postgres else 2]:
                for suffix, tree in trees:
                    url = dbs.new(kind)
                    key = prepare(url)
                    env = {**base, "FIILIS_DATABASE_URL": url}
                    label = f"collector on {kind}{suffix}"
                    got = measure(
                        label, "bench_app()", env, key, args, tree=tree, analyse=analyser(url)
                    )
                    ratio = got["rps"] / bare["rps"]
                    ratios.setdefault(label, []).append(ratio)
                    print(f"  {'':<30} × bare {ratio:.2f}", flush=True)
                if args.breakdown and kind == "SQLite":
                    free = measure(
                        "collector, storage skipped", "storage_free_app()", env, key, args
                    )
                    print(f"  {'':<30} × bare {free['rps'] / bare['rps']:.2f}", flush=True)
        if args.rounds > 1:
            print(" median × bare over the rounds (each against its round's bare endpoint)")
            for label, got in ratios.items():
                spread = ", ".join(f"{r:.2f}" for r in got)
                print(f"  {label:<30} {statistics.median(got):.2f}   ({spread})")
    finally:
        dbs.drop()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--drive":
        port, key, pairs, conc = int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        rate = float(sys.argv[6]) if len(sys.argv) > 6 else None
        print(json.dumps(drive(port, key, pairs, conc, rate)))
    else:
        main()
