"""Import benchmark: ``fiilis import delighted`` over 1 000 000 Delighted survey responses.

Writes a JSON-lines file of Delighted ``survey_response`` objects (person expanded, properties,
every tenth with a tag, every twentieth with a note; 50 000 people, so most rows match a person
already stored), then runs the real CLI in a child process into a fresh SQLite file and a fresh
PostgreSQL database (created and dropped here). Reports rows per second and the child's peak
resident memory (``ru_maxrss``). To show that memory does not grow with the file, the same import
of a file a tenth as long runs first: its peak is the baseline, taken in the same run.

    .venv/bin/python bench/import_rate.py [--rows 1000000] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from collector import create_app, db, migrate  # noqa: E402
from collector.services import sites, surveys  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PEOPLE = 50_000
START = 1_700_000_000  # 2023-11-14


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w") as out:
        for i in range(rows):
            person = i % PEOPLE
            at = START + i * 60
            obj = {
                "id": str(10_000_000 + i),
                "person": {
                    "id": str(person),
                    "email": f"person{person}@example.test",
                    "name": f"Person {person}",
                    "created_at": START,
                },
                "survey_type": "nps",
                "score": rng.choice((0, 3, 5, 6, 7, 8, 8, 9, 9, 10, 10)),
                "comment": rng.choice((None, "", "Nopea ja selkeä", "Invoices are confusing")),
                "permalink": f"https://delighted.example/r/{10_000_000 + i}",
                "created_at": at,
                "updated_at": at + 60,
                "person_properties": {
                    "Delighted Source": "Email",
                    "plan": rng.choice(("free", "pro")),
                },
                "notes": (
                    [
                        {
                            "id": str(i),
                            "text": "Called back",
                            "user_email": "cx@acme.test",
                            "created_at": at + 3600,
                        }
                    ]
                    if i % 20 == 0
                    else []
                ),
                "tags": ["billing"] if i % 10 == 0 else [],
                "additional_answers": [],
            }
            out.write(json.dumps(obj) + "\n")


def prepare(url: str) -> str:
    migrate.upgrade(url)
    app = create_app({"ENV": "production", "SECRET_KEY": "bench", "DATABASE_URL": url})
    with app.app_context():
        made = sites.create(db.session(), name="Bench", origins=[])
        survey = surveys.create(
            db.session(), made.site, {"kind": "nps", "question": {"en": "Recommend us?"}}
        )
        survey_id = survey.id
    app.extensions["fiilis.engine"].dispose()
    return survey_id


def run_import(url: str, survey_id: str, path: Path) -> tuple[float, int, str]:
    """Seconds, peak RSS of the child in KiB, and the summary it printed."""
    env = {**os.environ, "FIILIS_DATABASE_URL": url, "FIILIS_SECRET_KEY": "bench-" * 6}
    fiilis = Path(sys.executable).parent / "fiilis"
    command = [str(fiilis), "import", "delighted", str(path), "--survey", survey_id]
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out = proc.stdout.read().decode()
    proc.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed: {out}")
    return seconds, usage.ru_maxrss, out


def postgres_database():
    admin = make_url(os.environ.get("FIILIS_TEST_DATABASE_URL") or PG_DEFAULT)
    name = f"fiilis_bench_import_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return admin.set(database=name).render_as_string(hide_password=False), drop


def measure(label: str, url_for, small: Path, large: Path, rows: int) -> dict:
    results = {}
    for name, path, n in (("baseline", small, rows // 10), ("full", large, rows)):
        url, drop = url_for()
        try:
            survey_id = prepare(url)
            seconds, rss_kib, out = run_import(url, survey_id, path)
        finally:
            drop()
        assert f"{n} imported" in out, out
        results[name] = {
            "rows": n,
            "seconds": round(seconds, 1),
            "rows_per_s": round(n / seconds),
            "peak_rss_mib": round(rss_kib / 1024, 1),
        }
        print(
            f"{label:10} {name:8} {n:>9} rows  {seconds:7.1f} s  {n / seconds:8.0f} rows/s  "
            f"peak RSS {rss_kib / 1024:6.1f} MiB",
            flush=True,
        )
    results["rss_ratio_full_to_tenth"] = round(
        results["full"]["peak_rss_mib"] / results["baseline"]["peak_rss_mib"], 2
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fiilis-bench-import-") as tmp:
        tmp = Path(tmp)
        small, large = tmp / "small.jsonl", tmp / "large.jsonl"
        write_file(small, args.rows // 10)
        write_file(large, args.rows)
        print(
            f"files: {small.stat().st_size / 2**20:.0f} MiB and {large.stat().st_size / 2**20:.0f} MiB; "
            f"{os.cpu_count()} cores (shared)",
            flush=True,
        )
        out = {}
        counter = iter(range(1000))

        def sqlite_url():
            path = tmp / f"bench-{next(counter)}.db"
            return f"sqlite:///{path}", lambda: [
                p.unlink(missing_ok=True) for p in tmp.glob(f"{path.name}*")
            ]

        if not args.skip_sqlite:
            out["sqlite"] = measure("sqlite", sqlite_url, small, large, args.rows)
        if not args.skip_postgres:
            out["postgresql"] = measure("postgresql", postgres_database, small, large, args.rows)
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
