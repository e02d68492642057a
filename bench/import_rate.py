"""Import benchmark: ``fiilis import delighted`` over 1 000 000 Delighted survey responses.

Writes a JSON-lines file of Delighted ``survey_response`` objects (person expanded, properties,
every tenth with a tag, every twentieth with a note; 50 000 people, so most rows match a person
already stored), then runs the real CLI in a child process into a fresh SQLite file and a fresh
PostgreSQL database (created and dropped here). Reports rows per second and the child's peak
resident memory (``ru_maxrss``). Baselines, taken in the same run on the same database:

- **memory**: the same import of a file a tenth as long runs first; the ratio of the two peaks
  shows whether memory grows with the file (1.0: it does not);
- **rate**: a bare load of the same tenth's rows (the same prompts, responses, people, tags and
  notes, in transactions of 1000, by the driver's own ``executemany`` with values made ready
  in advance), i.e. what the database costs with no reading, checking or matching at all. The
  import's rate over it says how much the importer adds to the database's own work.

    .venv/bin/python bench/import_rate.py [--rows 1000000] [--skip-postgres] [--skip-sqlite]
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
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from collector import create_app, db, migrate  # noqa: E402
from collector.domain import keys  # noqa: E402
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


def bare_load(url: str, survey_id: str, path: Path) -> float:
    """Seconds to store the file's rows with the driver's executemany and nothing else."""
    engine = create_engine(url)
    with engine.connect() as conn:
        site_id = conn.execute(text("SELECT site_id FROM surveys")).scalar()
    engine.dispose()
    sqlite = url.startswith("sqlite")
    if sqlite:
        import sqlite3

        raw = sqlite3.connect(make_url(url).database, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA foreign_keys=ON")
        mark, begin = "?", lambda: raw.execute("BEGIN IMMEDIATE")

        def stamp(seconds):
            return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

        as_json = json.dumps
    else:
        import psycopg
        from psycopg.types.json import Jsonb

        raw = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
        mark, begin = "%s", lambda: None

        def stamp(seconds):
            return datetime.fromtimestamp(seconds, UTC)

        as_json = Jsonb

    def sql(table: str, columns: str) -> str:
        n = columns.count(",") + 1
        return f"INSERT INTO {table} ({columns}) VALUES ({', '.join([mark] * n)})"

    prompts_sql = sql(
        "prompts",
        "id, site_id, survey_id, user_id, origin, channel, status, event, context, traits, "
        "locale, url, created_at, expires_at, shown_at, answered_at, dismissed_at",
    )
    responses_sql = sql(
        "responses",
        "id, site_id, survey_id, prompt_id, user_id, score, comment, locale, url, event, "
        "context, traits, followup_status, followup_owner, followup_note, source, external_id, "
        "source_ref, created_at, updated_at",
    )
    users_sql = sql("users", "site_id, user_id, email, traits, created_at, last_seen_at")
    tags_sql = sql("response_tags", "response_id, tag, site_id, survey_id")
    notes_sql = sql("followup_changes", "response_id, status, owner, note, actor, created_at")
    now = stamp(time.time())
    people: set[str] = set()

    def store(batch):
        prompts, responses, users, tags, notes = [], [], [], [], []
        for obj in batch:
            who, at = obj["person"]["email"], stamp(obj["created_at"])
            traits = as_json({**obj["person_properties"], "name": obj["person"]["name"]})
            # Random ids as the importer makes them: ordered ones would flatter the database.
            prompt_id, response_id = keys.new_id("prm"), keys.new_id("rsp")
            prompts.append(
                (
                    *(prompt_id, site_id, survey_id, who, "import", "import", "answered", None),
                    *(as_json({}), traits, None, None, at, at, at, at, None),
                )
            )
            note = obj["notes"][0]["text"] if obj["notes"] else None
            responses.append(
                (
                    *(response_id, site_id, survey_id, prompt_id, who, obj["score"]),
                    *(obj["comment"] or None, None, None, None, as_json({}), traits, "open"),
                    *(None, note, "delighted", obj["id"], obj["permalink"], at, now),
                )
            )
            if who not in people:
                people.add(who)
                users.append((site_id, who, who, traits, now, at))
            tags.extend((response_id, tag, site_id, survey_id) for tag in obj["tags"])
            notes.extend(
                (response_id, "open", None, x["text"], x["user_email"], stamp(x["created_at"]))
                for x in obj["notes"]
            )
        begin()
        cursor = raw.cursor()
        for statement, rows in (
            (users_sql, users),
            (prompts_sql, prompts),
            (responses_sql, responses),
            (tags_sql, tags),
            (notes_sql, notes),
        ):
            if rows:
                cursor.executemany(statement, rows)
        raw.commit() if not sqlite else raw.execute("COMMIT")

    started = time.perf_counter()
    with path.open() as lines:
        batch = []
        for line in lines:
            batch.append(json.loads(line))
            if len(batch) == 1000:
                store(batch)
                batch = []
        if batch:
            store(batch)
    seconds = time.perf_counter() - started
    raw.close()
    return seconds


def measure(label: str, url_for, one: Path, small: Path, large: Path, rows: int) -> dict:
    results = {}
    url, drop = url_for()
    try:
        startup, _, _ = run_import(url, prepare(url), one)
    finally:
        drop()
    results["startup_seconds"] = round(startup, 1)
    print(f"{label:10} {'start-up':8} {1:>9} row   {startup:7.1f} s", flush=True)
    url, drop = url_for()
    try:
        seconds = bare_load(url, prepare(url), small)
    finally:
        drop()
    tenth = rows // 10
    results["bare_executemany"] = {
        "rows": tenth,
        "seconds": round(seconds, 1),
        "rows_per_s": round(tenth / seconds),
    }
    print(
        f"{label:10} {'bare':8} {tenth:>9} rows  {seconds:7.1f} s  {tenth / seconds:8.0f} rows/s"
        "  (driver executemany, nothing else)",
        flush=True,
    )
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
            # without the command's start-up (loading the collector), measured alone above
            "rows_per_s_net": round(n / max(seconds - startup, 0.1)),
            "peak_rss_mib": round(rss_kib / 1024, 1),
        }
        print(
            f"{label:10} {name:8} {n:>9} rows  {seconds:7.1f} s  {n / seconds:8.0f} rows/s  "
            f"({results[name]['rows_per_s_net']} net of start-up)  "
            f"peak RSS {rss_kib / 1024:6.1f} MiB",
            flush=True,
        )
    results["rss_ratio_full_to_tenth"] = round(
        results["full"]["peak_rss_mib"] / results["baseline"]["peak_rss_mib"], 2
    )
    results["rate_ratio_import_to_bare"] = round(
        results["baseline"]["rows_per_s_net"] / results["bare_executemany"]["rows_per_s"], 2
    )
    results["rate_ratio_full_to_tenth"] = round(
        results["full"]["rows_per_s"] / results["baseline"]["rows_per_s"], 2
    )
    print(
        f"{label:10} peak RSS full/tenth {results['rss_ratio_full_to_tenth']}, "
        f"rate import/bare {results['rate_ratio_import_to_bare']}, "
        f"rate full/tenth {results['rate_ratio_full_to_tenth']}",
        flush=True,
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
        one, small, large = tmp / "one.jsonl", tmp / "small.jsonl", tmp / "large.jsonl"
        write_file(one, 1)
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
            out["sqlite"] = measure("sqlite", sqlite_url, one, small, large, args.rows)
        if not args.skip_postgres:
            out["postgresql"] = measure(
                "postgresql", postgres_database, one, small, large, args.rows
            )
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
