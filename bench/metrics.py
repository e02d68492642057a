"""Metrics benchmark: ``GET /v1/metrics`` over 1 000 000 answers spread over 365 days.

Fills a fresh SQLite file and a fresh PostgreSQL database (created and dropped here, on the server of
``FIILIS_TEST_DATABASE_URL`` or the local default) with one NPS survey's answers and their prompts,
through the migrated schema with every index in place. Then times the API through the Flask test
client: a weekly series, ``group_by=event``, and two more shapes for information;
``group_by=trait:plan`` before and after ``plan`` is declared a segment (with the time the
declaration takes to count the past); and ``GET /v1/responses``'s first page against a page 90 %
deep (its own baseline, goal ≤ 15 ms). Each figure is the median of a few runs after one warm-up;
the baseline, timed in the same run, is a bare ``SELECT count(*)`` over the same answers.

    .venv/bin/python bench/metrics.py [--responses 1000000] [--runs 5] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from collector import create_app, migrate  # noqa: E402
from collector.services import segments, sites  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DAYS = 365
GOAL_MS = 300
PAGE_GOAL_MS = 15  # any page of /v1/responses, however deep
INBOX_GOAL_MS = 20  # the dashboard's Responses list, a page and its total
EVENTS = [
    "invoice.paid",
    "ticket.closed",
    "export.done",
    "report.viewed",
    "plan.upgraded",
    "search.done",
    "onboarding.finished",
    None,
]
PLANS = ["free", "pro", "team", "enterprise"]
# A realistic NPS mix: many 9–10s, a tail of detractors.
SCORES = [0, 1, 2, 3, 4, 5, 6, 6, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 10, 10]
NOW = datetime.now(UTC).replace(microsecond=0)


# --- the rows ----------------------------------------------------------------------------------


def answers(n: int, seed: int = 7):
    """``n`` answers in time order over the last :data:`DAYS` days, each with the prompts that led
    to it, plus prompts that were dismissed, ignored or never shown."""
    rnd = random.Random(seed)
    start = NOW - timedelta(days=DAYS)
    step = DAYS * 86400 / n
    for i in range(n):
        at = start + timedelta(seconds=i * step + rnd.random() * step)
        yield i, at, rnd.choice(SCORES), EVENTS[rnd.randrange(len(EVENTS))], PLANS[i % 4]


def prompt_status(i: int) -> str | None:
    """The extra prompt made beside answer ``i``, if any: a third more prompts than answers."""
    if i % 3:
        return None
    return ("dismissed", "shown", "pending", "pending")[i // 3 % 4]


PROMPT_COLUMNS = (
    "id, site_id, survey_id, user_id, origin, channel, status, event, context, traits, "
    "locale, url, created_at, expires_at, shown_at, answered_at, dismissed_at"
)
RESPONSE_COLUMNS = (
    "id, site_id, survey_id, prompt_id, user_id, score, comment, locale, url, event, "
    "context, traits, followup_status, followup_owner, followup_note, created_at, updated_at"
)


def rows(site_id: str, survey_id: str, n: int, stamp):
    """(prompts, response) per answer, as tuples in the column order above; ``stamp`` renders a
    time for the driver."""
    for i, at, score, event, plan in answers(n):
        pid, user, traits = f"prm_{i:016d}", f"u{i % 200_000}", json.dumps({"plan": plan})
        ts, expires = stamp(at), stamp(at + timedelta(days=1))
        made = [
            (pid, site_id, survey_id, user, "event", "widget", "answered", event, "{}", traits,
             "en", None, ts, expires, ts, ts, None)
        ]  # fmt: skip
        status = prompt_status(i)
        if status:
            shown = ts if status in ("shown", "dismissed") else None
            dismissed = ts if status == "dismissed" else None
            made.append(
                (pid + "x", site_id, survey_id, user, "event", "widget", status, event, "{}",
                 traits, "en", None, ts, expires, shown, None, dismissed)
            )  # fmt: skip
        # A third of the answers have a comment (the inbox lists those, low scores first).
        comment = f"Comment {i}" if i % 3 == 1 else None
        response = (
            str(uuid.UUID(int=i)), site_id, survey_id, pid, user, score, comment, "en", None,
            event, "{}", traits, "open", None, None, ts, ts,
        )  # fmt: skip
        yield made, response


def fill_sqlite(path: Path, site_id: str, survey_id: str, n: int) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    prompts, responses = [], []

    def flush():
        con.executemany(f"INSERT INTO prompts ({PROMPT_COLUMNS}) VALUES ({_marks(17)})", prompts)
        con.executemany(
            f"INSERT INTO responses ({RESPONSE_COLUMNS}) VALUES ({_marks(17)})", responses
        )
        prompts.clear()
        responses.clear()

    # How SQLAlchemy stores a DateTime in SQLite, so that comparisons with its parameters hold.
    for made, response in rows(site_id, survey_id, n, lambda t: t.strftime("%Y-%m-%d %H:%M:%S.%f")):
        prompts += made
        responses.append(response)
        if len(responses) >= 20_000:
            flush()
    flush()
    con.execute("COMMIT")
    con.close()


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def fill_postgres(url: str, site_id: str, survey_id: str, n: int) -> None:
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as con, con.cursor() as cur:
        # Prompts first (the answers refer to them), in one pass each.
        with cur.copy(f"COPY prompts ({PROMPT_COLUMNS}) FROM STDIN") as copy:
            for made, _ in rows(site_id, survey_id, n, lambda t: t):
                for prompt in made:
                    copy.write_row(prompt)
        with cur.copy(f"COPY responses ({RESPONSE_COLUMNS}) FROM STDIN") as copy:
            for _, response in rows(site_id, survey_id, n, lambda t: t):
                copy.write_row(response)
        con.commit()
    with psycopg.connect(dsn, autocommit=True) as con:
        # What autovacuum does to a table that stopped changing: visibility map and statistics.
        con.execute("VACUUM ANALYZE prompts")
        con.execute("VACUUM ANALYZE responses")


# --- the same rows made by the database (--fill sql), for ten million and more ---------------
#
# A multiplicative hash of the answer's number stands in for the random draws, so that an answer
# and its prompt agree without a second pass: the same scores, events and plans in about the same
# proportions, a time spread evenly over the year.

_H = "((i * 2654435761) % 4294967296)"
_PICK = {
    "score": f"(ARRAY[{', '.join(map(str, SCORES))}])[1 + ({_H} / 128) % {len(SCORES)}]",
    "event": "(ARRAY[" + ", ".join("NULL" if e is None else f"'{e}'" for e in EVENTS) + "])"
    f"[1 + ({_H} / 8192) % {len(EVENTS)}]",
    "plan": "(ARRAY[" + ", ".join(f"'{p}'" for p in PLANS) + "])[1 + i % 4]",
}


def fill_postgres_sql(url: str, site_id: str, survey_id: str, n: int) -> None:
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    start, step = (NOW - timedelta(days=DAYS)).timestamp(), DAYS * 86400 / n
    made = (
        f"SELECT i, to_timestamp({start} + (i + ({_H} / 8 % 1000) / 1000.0) * {step}) AS at,"
        f" {_PICK['score']} AS score, {_PICK['event']} AS event,"
        f" jsonb_build_object('plan', {_PICK['plan']}) AS traits"
        f" FROM generate_series(0, {n - 1}) AS i"
    )
    prompt = (
        "INSERT INTO prompts (id, site_id, survey_id, user_id, origin, channel, status, event,"
        " context, traits, locale, created_at, expires_at, shown_at, answered_at, dismissed_at)"
        " SELECT 'prm_' || lpad(i::text, 16, '0') || {suffix}, {site}, {survey},"
        " 'u' || (i % 200000), 'event', 'widget', {status}, event, '{{}}', traits, 'en', at,"
        " at + interval '1 day', {shown}, {answered}, {dismissed} FROM ({made}) x {where}"
    )
    extra = "(ARRAY['dismissed', 'shown', 'pending', 'pending'])[1 + i / 3 % 4]"
    with psycopg.connect(dsn) as con, con.cursor() as cur:
        # Our own ids, quoted as literals: the statements hold no parameter.
        ids = {"site": f"'{site_id}'", "survey": f"'{survey_id}'"}
        cur.execute(
            prompt.format(suffix="''", status="'answered'", shown="at", answered="at",
                          dismissed="NULL", made=made, where="", **ids),
        )  # fmt: skip
        cur.execute(
            prompt.format(
                suffix="'x'", status=extra, answered="NULL", made=made, where="WHERE i % 3 = 0",
                shown=f"CASE WHEN {extra} IN ('shown', 'dismissed') THEN at END",
                dismissed=f"CASE WHEN {extra} = 'dismissed' THEN at END", **ids,
            ),
        )  # fmt: skip
        cur.execute(
            f"INSERT INTO responses ({RESPONSE_COLUMNS})"
            " SELECT '00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'), {site},"
            " {survey}, 'prm_' || lpad(i::text, 16, '0'), 'u' || (i % 200000), score,"
            " CASE WHEN i % 3 = 1 THEN 'Comment ' || i END, 'en', NULL, event, '{{}}', traits,"
            f" 'open', NULL, NULL, at, at FROM ({made}) x".format(**ids)
        )
        con.commit()
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("VACUUM ANALYZE prompts")
        con.execute("VACUUM ANALYZE responses")
        con.execute("VACUUM ANALYZE score_counts")
        con.execute("VACUUM ANALYZE event_counts")


# --- tags and reasons, given by the database ----------------------------------------------------
#
# By the second of the answer's time (0-59): 40 % of the answers tagged (a tenth of all with two
# tags), 60 % with a reason (a tenth with two).


def label(url: str, survey_id: str) -> None:
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    sec = (
        "extract(second FROM created_at)::int"
        if postgres
        else ("CAST(strftime('%S', created_at) AS INTEGER)")
    )
    pick = (
        "(ARRAY[{}])[1 + {} % {}]" if postgres else "json_extract('[{}]', '$[' || ({} % {}) || ']')"
    )

    def choose(values, key):
        quoted = ", ".join(f"'{v}'" if postgres else f'"{v}"' for v in values)
        return pick.format(quoted, key, len(values))

    statements = [
        ("response_tags", "tag", choose(["billing", "ux", "speed"], sec), f"{sec} % 5 < 2"),
        ("response_tags", "tag", "'onboarding'", f"{sec} % 10 = 0"),
        ("response_reasons", "reason", choose(["price", "support", "speed", "docs", "bugs"],
         f"({sec} / 2)"), f"{sec} % 10 < 6"),
        ("response_reasons", "reason", "'other'", f"{sec} % 10 = 1"),
    ]  # fmt: skip
    with engine.begin() as conn:
        for table, column, value, where in statements:
            conn.execute(
                text(
                    f"INSERT INTO {table} (response_id, {column}, site_id, survey_id)"
                    f" SELECT id, {value}, site_id, survey_id FROM responses"
                    f" WHERE survey_id = :s AND {where}"
                ),
                {"s": survey_id},
            )
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE response_tags"))
            conn.execute(text("VACUUM ANALYZE response_reasons"))
    engine.dispose()


# --- the measurements --------------------------------------------------------------------------


def setup(url: str) -> tuple:
    migrate.upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "ENV": "production",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        from collector import db
        from collector.models import Survey

        made = sites.create(db.session(), name="Bench")
        survey = Survey(
            id="srv_bench",
            site_id=made.site.id,
            kind="nps",
            name="Bench NPS",
            question={"en": "How likely are you to recommend us?"},
            followup=None,
            trigger_events=[],
            targeting=[],
            created_at=NOW - timedelta(days=DAYS + 1),
        )
        db.session().add(survey)
        db.session().commit()
        return app, made.site.id, survey.id, made.secret_key


def median_ms(call, runs: int) -> float:
    call()  # warm-up: caches, the first connection, the OpenAPI-free code paths
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def measure(label: str, app, survey_id: str, secret: str, n: int, runs: int) -> list[tuple]:
    client = app.test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    period = {
        "survey": survey_id,
        "since": (NOW - timedelta(days=DAYS)).isoformat(),
        "until": (NOW + timedelta(seconds=1)).isoformat(),
    }
    shapes = [
        ("weekly series", {"interval": "week"}, True),
        ("group_by=event", {"group_by": "event"}, True),
        ("daily series, Europe/Helsinki", {"interval": "day", "tz": "Europe/Helsinki"}, True),
        ("whole period, no series", {}, True),
        ("group_by=tag", {"group_by": "tag"}, True),
        ("group_by=reason", {"group_by": "reason"}, True),
        ("  before: trait:plan, not a segment", {"group_by": "trait:plan"}, False),
    ]
    # The same calls counted from the answers, as before the counts kept ahead.
    recounted = [(f"  before: {name}, recounted", params, False) for name, params, _ in shapes[:6]]
    # After the plan trait is declared a segment (its past counted, timed for information).
    segment_shapes = [
        ("group_by=trait:plan (a segment)", {"group_by": "trait:plan"}, True),
        ("trait:plan, Helsinki midnights", {"group_by": "trait:plan", "tz": "Europe/Helsinki",
         "since": (NOW - timedelta(days=DAYS)).date().isoformat(),
         "until": NOW.date().isoformat()}, True),
    ]  # fmt: skip
    engine = app.extensions["fiilis.engine"]

    def baseline():
        with engine.connect() as conn:
            got = conn.execute(
                text("SELECT count(*) FROM responses WHERE survey_id = :s"), {"s": survey_id}
            ).scalar()
        assert got == n, got

    base = median_ms(baseline, runs)
    out = [(label, "baseline: SELECT count(*)", base, None, None)]
    bodies = {}
    # The funnel's settled days, as the worker's hourly job fills them (once, then a day a day).
    from collector.services import rollups

    for job, name in ((rollups.fill_funnel_days, "funnel's"), (rollups.fill_label_days, "labels'")):
        t0 = time.perf_counter()
        with app.app_context():
            job()
        ms = (time.perf_counter() - t0) * 1000
        out.append((label, f"  filling the {name} days (the job)", ms, ms / base, False))

    def timed(shapes):
        for name, params, in_goal in shapes:
            body = {}

            def call(params=params, body=body):
                resp = client.get("/v1/metrics", query_string=period | params, headers=auth)
                assert resp.status_code == 200, resp.get_data(as_text=True)
                body.update(resp.get_json())

            ms = median_ms(call, runs if in_goal else max(1, runs // 2))
            assert body["n"] == n or "since" in params, body["n"]
            bodies[name] = body
            out.append((label, name, ms, ms / base, in_goal))

    timed(shapes)
    kept = rollups.whole_hours, rollups.whole_days
    rollups.whole_hours = rollups.whole_days = lambda *args: None
    try:
        timed(recounted)
    finally:
        rollups.whole_hours, rollups.whole_days = kept
    for (name, _, _), (again, _, _) in zip(shapes, recounted, strict=False):
        assert bodies[name] == bodies[again], name  # the counts equal a recount, to the last digit
    t0 = time.perf_counter()
    resp = client.patch("/v1/site", json={"segments": ["plan"]}, headers=auth)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    ms = (time.perf_counter() - t0) * 1000
    out.append((label, "  declaring plan (its first step)", ms, ms / base, False))
    # The rest of the past, a step per transaction, as the worker's count_past job counts it.
    t0 = time.perf_counter()
    with app.app_context():
        segments.resume_counting()
    ms = (time.perf_counter() - t0) * 1000
    out.append((label, "  counting the rest (the job)", ms, ms / base, False))
    timed(segment_shapes)
    # The same figures as the recount, to the last digit.
    assert (
        bodies["group_by=trait:plan (a segment)"] == bodies["  before: trait:plan, not a segment"]
    )
    return (
        out
        + pages(label, app, client, auth, survey_id, n, runs)
        + inbox_pages(label, app, survey_id, runs)
    )


def pages(label: str, app, client, auth: dict, survey_id: str, n: int, runs: int) -> list[tuple]:
    """``GET /v1/responses``: the first page (the baseline) against a page 90 % deep."""
    from sqlalchemy import select

    from collector import pagination
    from collector.models import Response

    with app.app_context():
        from collector import db

        deep = (
            db.session()
            .execute(
                select(Response.created_at, Response.id)
                .where(Response.survey_id == survey_id)
                .order_by(Response.created_at.desc(), Response.id.desc())
                .offset(int(n * 0.9))
                .limit(1)
            )
            .one()
        )
    cursor = pagination.encode(deep.created_at, deep.id)
    out = []
    first_ms = None
    row_value = pagination.page
    for name, params, paging in (
        ("responses: first page", {}, row_value),
        ("responses: page 90 % deep", {"cursor": cursor}, row_value),
        ("  before: deep page, OR of two terms", {"cursor": cursor}, _or_page),
    ):

        def call(params=params):
            q = {"survey": survey_id, "limit": 20, **params}
            resp = client.get("/v1/responses", query_string=q, headers=auth)
            assert resp.status_code == 200, resp.get_data(as_text=True)
            assert len(resp.get_json()["data"]) == 20

        pagination.page = paging
        try:
            ms = median_ms(call, runs)
        finally:
            pagination.page = row_value
        first_ms = first_ms or ms
        out.append((label, name, ms, ms / first_ms, "pages" if paging is row_value else False))
    return out


def inbox_pages(label: str, app, survey_id: str, runs: int) -> list[tuple]:
    """The dashboard's Responses list (a page of 25 and the total), as its handler reads them,
    against the newest page of the site's answers (the baseline): goal ≤ 20 ms."""
    from collector.dashboard import inbox
    from collector.models import Response, Site, Survey

    shapes = [
        ("inbox: low first, with comments", {"has_comment": True}, None, "low_first"),
        ("inbox: newest, any comment", {}, None, "newest"),
        ("inbox: low band, with comments", {"has_comment": True}, "low", "low_first"),
        ("inbox: open follow-ups, comments", {"has_comment": True, "followup_status": "open"},
         None, "low_first"),
        ("inbox: with comments, 30 days", {"has_comment": True,
         "since": NOW - timedelta(days=30)}, None, "newest"),
    ]  # fmt: skip
    out = []
    with app.app_context():
        from sqlalchemy import select

        from collector import db

        session = db.session()
        survey = session.get(Survey, survey_id)
        site = session.get(Site, survey.site_id)
        newest = (
            select(Response.id)
            .where(Response.site_id == site.id)
            .order_by(Response.created_at.desc(), Response.id.desc())
            .limit(26)
        )
        base = median_ms(lambda: session.execute(newest).all(), runs)
        out.append((label, "baseline: newest 25 answers", base, None, None))
        for name, filters, band, order in shapes:

            def call(filters=filters, band=band, order=order):
                phases = inbox.plan([survey], filters, band=band, order=order)
                found = inbox.page(session, site, phases, limit=25, cursor=None)
                assert len(found.items) == 25, len(found.items)
                assert inbox.total(session, site, phases) > 0

            ms = median_ms(call, runs)
            out.append((label, name, ms, ms / base, "inbox"))
    return out


def _or_page(db, stmt, model, *, limit, cursor):
    """The cursor condition as it was written before: ``a < x OR (a = x AND b < y)``."""
    from sqlalchemy import and_, or_

    from collector import pagination

    created, id = pagination.decode(cursor)
    stmt = stmt.where(
        or_(model.created_at < created, and_(model.created_at == created, model.id < id))
    )
    stmt = stmt.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
    rows = list(db.scalars(stmt))
    return rows[:limit], len(rows) > limit


def run_sqlite(n: int, runs: int) -> list[tuple]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        app, site_id, survey_id, secret = setup(f"sqlite:///{path}")
        t0 = time.perf_counter()
        fill_sqlite(path, site_id, survey_id, n)
        label(f"sqlite:///{path}", survey_id)
        print(f"SQLite: filled {n:,} answers in {time.perf_counter() - t0:.0f} s", flush=True)
        try:
            return measure("SQLite", app, survey_id, secret, n, runs)
        finally:
            app.extensions["fiilis.engine"].dispose()


def run_postgres(n: int, runs: int, fill: str = "python") -> list[tuple]:
    admin = make_url(os.environ.get("FIILIS_TEST_DATABASE_URL") or PG_DEFAULT)
    name = f"fiilis_bench_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        app, site_id, survey_id, secret = setup(url)
        t0 = time.perf_counter()
        (fill_postgres_sql if fill == "sql" else fill_postgres)(url, site_id, survey_id, n)
        label(url, survey_id)
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
    parser.add_argument(
        "--fill",
        choices=["python", "sql"],
        default="python",
        help="sql: PostgreSQL makes its rows itself (ten million in minutes)",
    )
    args = parser.parse_args()

    rows = []
    if not args.skip_sqlite:
        rows += run_sqlite(args.responses, args.runs)
    if not args.skip_postgres:
        rows += run_postgres(args.responses, args.runs, args.fill)

    print()
    print(f"GET /v1/metrics over {args.responses:,} NPS answers in {DAYS} days, one survey")
    print(f"median of {args.runs} runs after a warm-up; goal ≤ {GOAL_MS} ms per call")
    print()
    print(f"{'database':<11} {'call':<36} {'ms':>8} {'× baseline':>11}  goal")
    for db_name, call, ms, ratio, in_goal in rows:
        if in_goal in ("pages", "inbox"):  # against their own baseline and goal
            goal = PAGE_GOAL_MS if in_goal == "pages" else INBOX_GOAL_MS
            verdict = "ok" if ms <= goal else "OVER"
        else:
            verdict = {None: "", False: "(info)"}.get(in_goal, "ok" if ms <= GOAL_MS else "OVER")
        ratio_text = "" if ratio is None else f"{ratio:.1f}"
        print(f"{db_name:<11} {call:<36} {ms:>8.1f} {ratio_text:>11}  {verdict}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{os.cpu_count()} CPUs, load average {load:.1f} at the end")


if __name__ == "__main__":
    main()
