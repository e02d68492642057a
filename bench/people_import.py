"""People import benchmark: ``fiilis people import`` of a CSV of N people, twice.

Writes a CSV (user_id, email, name, locale and two trait columns), makes a fresh SQLite file or
PostgreSQL database (``pplbench``, dropped and made again here), runs the real CLI in a child
process twice (the second run finds everyone already as in the file) and prints seconds, rows
per second and the children's peak resident memory (``ru_maxrss``; compare two N to see that it
does not grow with the file).

    .venv/bin/python bench/people_import.py 100000 sqlite|pg
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from collector import create_app, db, migrate  # noqa: E402
from collector.services import sites  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-" * 8


def main(rows: int, which: str) -> None:
    folder = Path(tempfile.mkdtemp())
    csv = folder / "people.csv"
    with csv.open("w") as f:
        f.write("user_id,email,name,locale,plan,seats\n")
        for i in range(rows):
            locale = "fi" if i % 3 else "sv"
            plan = "pro" if i % 2 else "free"
            f.write(f"u{i},person{i}@example.com,Person {i},{locale},{plan},{i % 50}\n")
    if which == "sqlite":
        url = f"sqlite:///{folder / 'fiilis.db'}"
    else:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS pplbench"))
            conn.execute(text("CREATE DATABASE pplbench"))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/pplbench"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    with app.app_context():
        made = sites.create(db.session(), name="Bench", origins=["https://app.example.com"])
        key = made.to_dict()["public_key"]
    env = {**os.environ, "FIILIS_DATABASE_URL": url, "FIILIS_SECRET_KEY": SECRET}
    command = [sys.executable, "-c", "from collector.cli import main; main()"]
    for run in ("first", "again"):
        start = time.perf_counter()
        done = subprocess.run(
            [*command, "people", "import", str(csv), "--site", key],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        summary = " | ".join(done.stdout.split("\n")[:3])
        print(
            f"{which} {run}: {rows} in {seconds:.1f} s, {rows / seconds:.0f}/s, "
            f"peak {peak:.0f} MiB ({summary})"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
