"""``fiilis import delighted`` and ``fiilis import csv``: a team's history moves in.

The expected scores are computed here from the file itself (its scores and Unix times, bucketed
by ISO week), never from the database.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select

from collector.models import Response, User
from collector.services import importing
from tests.api.prompting import make_survey

#: Delighted's API objects (``survey_response`` with ``person`` expanded), as an export holds them.
SAMPLE = Path(__file__).parent.parent / "samples" / "delighted-responses.json"


def sample() -> list[dict]:
    return json.loads(SAMPLE.read_text())


def run(runner, *args):
    return runner.invoke(args=["import", *args], catch_exceptions=False)


def nps(scores: list[int]) -> float:
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    return round(100 * (promoters - detractors) / len(scores), 1)


def count(database_url, *what):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        out = conn.execute(select(*what)).scalar()
    engine.dispose()
    return out


def test_the_delighted_sample_gives_the_same_nps_per_week(runner, client, site):
    survey = make_survey(client, site, "nps")
    result = run(runner, "delighted", str(SAMPLE), "--survey", survey["id"])
    assert result.exit_code == 0, result.output
    answers = sample()
    assert f"{len(answers)} imported" in result.output

    weeks: dict[date, list[int]] = defaultdict(list)
    for a in answers:
        day = datetime.fromtimestamp(a["created_at"], UTC).date()
        weeks[day - timedelta(days=day.weekday())].append(a["score"])
    first, last = min(weeks), max(weeks) + timedelta(days=7)
    body = client.get(
        "/v1/metrics",
        query_string={
            "survey": survey["id"],
            "interval": "week",
            "since": first.isoformat(),
            "until": last.isoformat(),
        },
        headers=site.auth,
    ).get_json()
    assert body["n"] == len(answers)
    assert body["score"] == nps([a["score"] for a in answers])
    got = {date.fromisoformat(p["start"][:10]): p for p in body["series"] if p["n"]}
    assert set(got) == set(weeks)
    for week, scores in weeks.items():
        assert (got[week]["n"], got[week]["score"]) == (len(scores), nps(scores)), week


def test_the_sample_keeps_comments_notes_tags_traits_and_permalinks(runner, client, site, app):
    survey = make_survey(client, site, "nps")
    run(runner, "delighted", str(SAMPLE), "--survey", survey["id"])
    by_id = {a["id"]: a for a in sample()}
    listed = client.get("/v1/responses?limit=100", headers=site.auth).get_json()["data"]
    assert len(listed) == len(by_id)
    for r in listed:
        a = by_id[r["external_id"]]
        assert r["source"] == "delighted"
        assert r["source_ref"] == a["permalink"]
        assert r["user_id"] == a["person"]["email"]
        assert r["comment"] == (a["comment"] or None)
        assert r["tags"] == sorted(a["tags"])
        assert r["traits"]["plan"] == a["person_properties"]["plan"]
    noted = next(a for a in by_id.values() if a["notes"])
    response = next(r for r in listed if r["external_id"] == noted["id"])
    history = client.get(f"/v1/responses/{response['id']}", headers=site.auth).get_json()[
        "followup_history"
    ]
    note = noted["notes"][0]
    assert [(h["note"], h["actor"]) for h in history] == [(note["text"], note["user_email"])]
    assert datetime.fromisoformat(history[0]["created_at"]).timestamp() == note["created_at"]
    with app.extensions["fiilis.sessionmaker"]() as db:
        emails = set(db.scalars(select(User.email)))
    assert emails == {a["person"]["email"] for a in by_id.values()}


def test_importing_the_sample_twice_imports_nothing_new(runner, client, site):
    survey = make_survey(client, site, "nps")
    run(runner, "delighted", str(SAMPLE), "--survey", survey["id"])
    again = run(runner, "delighted", str(SAMPLE), "--survey", survey["id"])
    assert again.exit_code == 0, again.output
    assert "0 imported" in again.output
    assert f"{len(sample())} already there" in again.output
    body = client.get(f"/v1/metrics?survey={survey['id']}", headers=site.auth).get_json()
    assert body["n"] == len(sample())


def test_bad_rows_are_reported_with_line_and_field_and_the_rest_imported(
    runner, client, site, tmp_path
):
    survey = make_survey(client, site, "nps")
    good = sample()[:5]
    future = int((datetime.now(UTC) + timedelta(days=3)).timestamp())
    bad = [
        {k: v for k, v in good[0].items() if k != "score"} | {"id": "b1"},
        good[1] | {"id": "b2", "score": 11},
        good[2] | {"id": "b3", "created_at": future},
        good[3] | {"id": "b4", "survey_type": "smileys"},
    ]
    lines = [json.dumps(good[0]), *map(json.dumps, bad), "{broken", json.dumps(good[4])]
    path = tmp_path / "responses.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = run(runner, "delighted", str(path), "--survey", survey["id"])
    assert result.exit_code == 0, result.output
    assert "2 imported" in result.output
    assert "5 refused" in result.output
    for line, param in [
        (2, "score"),
        (3, "score"),
        (4, "created_at"),
        (5, "survey_type"),
        (6, None),
    ]:
        prefix = f"  line {line} [{param}]:" if param else f"  line {line}:"
        assert prefix in result.output, result.output


def test_a_delighted_row_holding_a_nul_byte_is_refused_alone(runner, client, site, tmp_path):
    # PostgreSQL cannot store a NUL in text: the row is refused, not the batch nor the import.
    survey = make_survey(client, site, "nps")
    good = sample()[:3]
    rows = [good[0], good[1] | {"comment": "Hyv\u00e4\u0000 palvelu"}, good[2]]
    path = tmp_path / "nul.jsonl"
    path.write_text("\n".join(map(json.dumps, rows)) + "\n")
    result = run(runner, "delighted", str(path), "--survey", survey["id"])
    assert result.exit_code == 0, result.output
    assert "2 imported" in result.output and "1 refused" in result.output
    assert "line 2 [comment]: comment: holds a NUL byte" in result.output


def test_delighted_answers_of_another_kind_are_refused_with_a_clear_message(
    runner, client, site, tmp_path
):
    ces = make_survey(client, site, "ces")
    path = tmp_path / "ces.json"
    path.write_text(json.dumps([a | {"survey_type": "ces", "score": 4} for a in sample()[:3]]))
    result = runner.invoke(args=["import", "delighted", str(path), "--survey", ces["id"]])
    assert result.exit_code != 0
    assert "Nothing imported" in result.output
    assert "CES 1–5" in result.output and "CES 1–7" in result.output
    nps_survey = make_survey(client, site, "nps")
    result = runner.invoke(args=["import", "delighted", str(path), "--survey", nps_survey["id"]])
    assert result.exit_code != 0
    assert "NPS" in result.output
    assert client.get("/v1/responses", headers=site.auth).get_json()["data"] == []


def test_a_user_id_property_names_the_person(runner, client, site, tmp_path):
    survey = make_survey(client, site, "nps")
    answers = [
        a | {"person_properties": {**a["person_properties"], "App ID": f"u{i}"}}
        for i, a in enumerate(sample()[:3])
    ]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(answers))
    result = run(
        runner, "delighted", str(path), "--survey", survey["id"], "--user-id-property", "App ID"
    )
    assert "3 imported" in result.output, result.output
    users = {
        r["user_id"] for r in client.get("/v1/responses", headers=site.auth).get_json()["data"]
    }
    assert users == {"u0", "u1", "u2"}


def test_an_import_killed_half_way_and_run_again_stores_every_row_once(
    runner, client, site, database_url, tmp_path
):
    survey = make_survey(client, site, "nps")
    base = sample()[0]
    total = 6000
    path = tmp_path / "big.jsonl"
    with path.open("w") as out:
        for i in range(total):
            row = base | {
                "id": str(100000 + i),
                "score": i % 11,
                "created_at": base["created_at"] + i,
            }
            row["person"] = base["person"] | {"email": f"p{i % 700}@example.test"}
            out.write(json.dumps(row) + "\n")
    env = {
        **os.environ,
        "FIILIS_DATABASE_URL": database_url,
        "FIILIS_SECRET_KEY": "test-secret-key-" * 2,  # 32 characters: production needs them
    }
    fiilis = Path(sys.executable).parent / "fiilis"
    command = [str(fiilis), "import", "delighted", str(path), "--survey", survey["id"]]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stored = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        stored = count(database_url, func.count(Response.id))
        if stored >= 1000:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < stored < total, "the import was not caught half-way"
    half = count(database_url, func.count(Response.id))
    assert half % importing.BATCH == 0  # whole batches, never half of one

    result = run(runner, "delighted", str(path), "--survey", survey["id"])
    assert result.exit_code == 0, result.output
    assert f"{total - half} imported" in result.output
    assert f"{half} already there" in result.output
    assert count(database_url, func.count(Response.id)) == total
    assert count(database_url, func.count(func.distinct(Response.external_id))) == total


def test_a_csv_from_another_tool_imports_with_its_columns_named(runner, client, site, tmp_path):
    survey = make_survey(client, site, "csat")
    path = tmp_path / "typeform.csv"
    path.write_text(
        "Submitted At;Email;Rating;Why;Plan\n"
        "03.02.2025 14:05;aino@example.test;5;Nopea;pro\n"
        '04.02.2025 09:00;matti@example.test;2;"Hidas; sekava";free\n'
        "05.02.2025 10:00;noor@example.test;;Ei arvosanaa;free\n"
        "06.02.2025 10:00;emma@example.test;9;Liian iso;free\n",
        encoding="utf-8-sig",
    )
    mapping = "score=Rating,created_at=Submitted At,email=Email,comment=Why,trait.plan=Plan"
    args = ["csv", str(path), "--survey", survey["id"], "--map", mapping, "--tz", "Europe/Helsinki"]
    dry = run(runner, *args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "2 would be imported" in dry.output
    assert "line 4 [score]" in dry.output and "line 5 [score]" in dry.output
    assert "%d.%m.%Y %H:%M" in dry.output
    assert client.get("/v1/responses", headers=site.auth).get_json()["data"] == []

    result = run(runner, *args)
    assert "2 imported" in result.output, result.output
    rows = client.get("/v1/responses", headers=site.auth).get_json()["data"]
    assert [(r["user_id"], r["score"], r["comment"], r["traits"]) for r in rows] == [
        ("matti@example.test", 2, "Hidas; sekava", {"plan": "free"}),
        ("aino@example.test", 5, "Nopea", {"plan": "pro"}),
    ]
    assert rows[1]["created_at"] == "2025-02-03T12:05:00+00:00"  # 14:05 in Helsinki
    assert "0 imported" in run(runner, *args).output  # rows without an id are known by content


def test_a_csv_map_naming_a_missing_column_is_refused(runner, client, site, tmp_path):
    survey = make_survey(client, site, "csat")
    path = tmp_path / "x.csv"
    path.write_text("Date,Score,Email\n2025-01-01,5,a@example.test\n")
    result = runner.invoke(
        args=[
            "import",
            "csv",
            str(path),
            "--survey",
            survey["id"],
            "--map",
            "score=Rating,created_at=Date,email=Email",
        ]
    )
    assert result.exit_code != 0
    assert "No column 'Rating'" in result.output
