"""Webhook benchmark: deliveries per second through ``fiilis worker``, and what the outbox costs
the answer path.

1. **Deliveries**: N answers are stored (each writes its outbox event) with one webhook subscribed;
   then ``fiilis worker`` (a separate process, 4 threads) is started and the time until a receiver
   on localhost (another process) has every delivery is measured: dispatch, signing, the POST and
   the bookkeeping of each. Once with the SQLite queue, once with the Redis queue.
2. **Outbox cost**: the widget's answer call (``POST /v1/widget/responses``) in-process through
   the WSGI app, answers alternating one by one between the outbox write with what it puts on
   the queue after the commit (one drain per ``OUTBOX_DISPATCH_WINDOW``, as in production), and
   neither (``outbox.record`` a no-op: the code as it was before the outbox). The prompts are
   made beforehand, so only the answer is timed. ``--repeat`` runs it several times, the queues
   in turn, and prints each cost with their median and range.

    .venv/bin/python bench/webhooks.py [--deliveries 500] [--answers 100] [--rounds 4] [--repeat 5]
"""

from __future__ import annotations

import argparse
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
REDIS_URL = os.environ.get("FIILIS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

RECEIVER = r"""
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
count = 0
lock = threading.Lock()
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            count += 1
        self.send_response(204); self.end_headers()
    def do_GET(self):
        body = str(count).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
server = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def make_config(tmp: Path, queue_url: str | None) -> dict:
    config = {
        "ENV": "production",
        "SECRET_KEY": "bench-secret-key-for-the-web-and-worker-0123456789",
        "DATABASE_URL": f"sqlite:///{tmp / 'fiilis.db'}",
        "RATELIMIT_ENABLED": False,
        "ALLOW_PRIVATE_WEBHOOKS": True,
    }
    if queue_url:
        config["QUEUE_URL"] = queue_url
    return config


def setup(config: dict):
    from collector import create_app, db, migrate
    from collector.services import sites, surveys

    migrate.upgrade(config["DATABASE_URL"])
    app = create_app(config)
    with app.app_context():
        made = sites.create(db.session(), name="Bench", origins=[ORIGIN])
        site = made.site
        surveys.create(
            db.session(),
            site,
            {
                "kind": "csat",
                "question": {"en": "How was it?"},
                "trigger_events": ["bench.done"],
                "recontact_days": 0,
            },
        )
        sites.update(db.session(), site, {"cooldown_days": 0})
        keys = made.to_dict()
    return app, keys


def prompts_for(client, keys: dict, n: int) -> list[str]:
    tokens = []
    for i in range(n):
        resp = client.post(
            "/v1/widget/events",
            data=json.dumps(
                {
                    "site_key": keys["public_key"],
                    "anonymous_id": f"anon-{uuid.uuid4()}",
                    "event": "bench.done",
                }
            ),
            content_type="text/plain",
            headers={"Origin": ORIGIN},
        )
        prompt = resp.get_json()["prompt"]
        assert prompt is not None, (i, resp.get_json())
        tokens.append(prompt["token"])
    return tokens


def answer(client, token: str, score: int = 2):
    return client.post(
        "/v1/widget/responses",
        data=json.dumps({"token": token, "response_id": str(uuid.uuid4()), "score": score}),
        content_type="text/plain",
        headers={"Origin": ORIGIN},
    )


# -- 1. deliveries per second ------------------------------------------------------------------


def deliveries(queue_url: str | None, n: int) -> dict:
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    port = int(receiver.stdout.readline())
    with tempfile.TemporaryDirectory() as tmp:
        config = make_config(Path(tmp), queue_url)
        config["QUEUE_NAME"] = f"bench-{uuid.uuid4().hex[:8]}"
        app, keys = setup(config)
        client = app.test_client()
        auth = {"Authorization": f"Bearer {keys['secret_key']}"}
        made = client.post(
            "/v1/webhooks",
            json={"url": f"http://127.0.0.1:{port}/hook", "events": ["response.created"]},
            headers=auth,
        )
        assert made.status_code == 201, made.get_json()
        for token in prompts_for(client, keys, n):
            assert answer(client, token).status_code == 201
        env = {
            **os.environ,
            "FIILIS_ENV": "production",
            "FIILIS_SECRET_KEY": config["SECRET_KEY"],
            "FIILIS_DATABASE_URL": config["DATABASE_URL"],  # the SQLite queue sits beside it
            "FIILIS_ALLOW_PRIVATE_WEBHOOKS": "1",
        }
        if queue_url:
            env["FIILIS_QUEUE_URL"] = queue_url
        env_name = config["QUEUE_NAME"]
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, env_name],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        up = threading.Event()

        def read_log():  # timing starts when the consumer runs, not while Python imports
            for line in worker.stderr:
                if "consumer started" in line:
                    up.set()

        threading.Thread(target=read_log, daemon=True).start()
        if not up.wait(300):
            raise RuntimeError("the worker did not start")
        started = time.perf_counter()
        try:
            while _count(port) < n:
                if time.perf_counter() - started > 600:
                    raise RuntimeError(f"only {_count(port)} of {n} deliveries after 600 s")
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            receiver.terminate()
            app.extensions["fiilis.engine"].dispose()
            if queue_url:
                from collector import jobs

                jobs.queue(app).huey.storage.flush_all()
    return {"deliveries": n, "seconds": elapsed, "per_second": n / elapsed}


# `fiilis worker` with the bench's queue name (a test-only setting): the same consumer otherwise.
WORKER = r"""
import logging, sys
logging.basicConfig(level=logging.INFO)
from collector import create_app, jobs
app = create_app({"QUEUE_NAME": sys.argv[1], "RATELIMIT_ENABLED": False})
with app.app_context():
    jobs.queue(app).huey.create_consumer(workers=4, worker_type="thread", periodic=False).run()
"""


def _count(port: int) -> int:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/")
    return int(conn.getresponse().read())


# -- 2. the answer path with and without the outbox --------------------------------------------


def outbox_cost(queue_url: str | None, answers: int, rounds: int) -> dict:
    """Answers alternate one by one between the two modes, so that the machine's other load
    falls on both alike; each mode's rate is 1 / its median answer time, and its throughput the
    answers over the time they took."""
    from collector import outbox
    from collector.services import answers as answering

    real = outbox.record
    skip = lambda *a, **k: None  # noqa: E731 - the answer path as it was before the outbox
    times: dict[str, list[float]] = {"with outbox": [], "without": []}
    # CPU time of the answering thread: what an answer costs the server, whatever else the
    # machine runs (wall time on a shared machine also measures waiting for a core).
    cpu: dict[str, list[float]] = {"with outbox": [], "without": []}
    with tempfile.TemporaryDirectory() as tmp:
        config = make_config(Path(tmp), queue_url)
        config["QUEUE_NAME"] = f"bench-{uuid.uuid4().hex[:8]}"
        app, keys = setup(config)
        client = app.test_client()
        for _ in range(20):  # warm up: plans prepared, caches filled
            answer(client, prompts_for(client, keys, 1)[0])
        for _ in range(rounds):
            for n, token in enumerate(prompts_for(client, keys, 2 * answers)):
                mode = "with outbox" if n % 2 == 0 else "without"
                answering.outbox.record = real if mode == "with outbox" else skip
                try:
                    started, started_cpu = time.perf_counter(), time.thread_time()
                    assert answer(client, token).status_code == 201
                    times[mode].append(time.perf_counter() - started)
                    cpu[mode].append(time.thread_time() - started_cpu)
                finally:
                    answering.outbox.record = real
        if queue_url:
            from collector import jobs

            jobs.queue(app).huey.storage.flush_all()
        app.extensions["fiilis.engine"].dispose()
    rate = {m: 1 / statistics.median(t) for m, t in times.items()}
    cpu_ms = {m: statistics.median(t) * 1000 for m, t in cpu.items()}
    throughput = {m: len(t) / sum(t) for m, t in times.items()}
    return {
        "with": rate["with outbox"],
        "without": rate["without"],
        "cost": 1 - rate["with outbox"] / rate["without"],
        "throughput_cost": 1 - throughput["with outbox"] / throughput["without"],
        "cpu_with_ms": cpu_ms["with outbox"],
        "cpu_without_ms": cpu_ms["without"],
        "cpu_cost": cpu_ms["with outbox"] / cpu_ms["without"] - 1,
        "n": len(times["without"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--answers", type=int, default=100, help="per mode and round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="outbox cost runs per queue")
    parser.add_argument("--skip-redis", action="store_true")
    parser.add_argument("--skip-deliveries", action="store_true")
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    queues = [("SQLite queue", None)] + ([] if args.skip_redis else [("Redis queue", REDIS_URL)])
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}")
    for name, url in [] if args.skip_deliveries else queues:
        d = deliveries(url, args.deliveries)
        print(
            f"deliveries, {name}: {d['deliveries']} in {d['seconds']:.1f} s = "
            f"{d['per_second']:.0f}/s"
        )
    costs: dict[str, list[float]] = {name: [] for name, _ in queues}
    cpu_costs: dict[str, list[float]] = {name: [] for name, _ in queues}
    for _ in range(args.repeat):
        for name, url in queues:  # the queues in turn, so that the machine's load falls on both
            c = outbox_cost(url, args.answers, args.rounds)
            costs[name].append(c["cost"])
            cpu_costs[name].append(c["cpu_cost"])
            print(
                f"answer path, SQLite database, {name}: {c['with']:.0f}/s with the outbox, "
                f"{c['without']:.0f}/s without (1 / median answer time, {c['n']} answers each); "
                f"cost {c['cost'] * 100:.1f} % (by total time {c['throughput_cost'] * 100:.1f} %); "
                f"CPU per answer {c['cpu_with_ms']:.3f} / {c['cpu_without_ms']:.3f} ms "
                f"(median): cost {c['cpu_cost'] * 100:.1f} %",
                flush=True,
            )
    for name, runs in costs.items():
        on_cpu = cpu_costs[name]
        print(
            f"outbox cost, {name}: median {statistics.median(runs) * 100:.1f} % over "
            f"{len(runs)} runs (from {min(runs) * 100:.1f} to {max(runs) * 100:.1f} %); "
            f"in CPU time median {statistics.median(on_cpu) * 100:.1f} % "
            f"(from {min(on_cpu) * 100:.1f} to {max(on_cpu) * 100:.1f} %); budget 10 %"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
