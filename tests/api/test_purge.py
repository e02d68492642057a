"""``fiilis purge``: each site's ``retention_days`` removes what is older, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from collector.models import FollowupChange, Prompt, Response, User
from tests.factories import Rows

NOW = datetime.now(UTC)
OLD, RECENT = NOW - timedelta(days=40), NOW - timedelta(days=10)


def ids(app, model, site_id=None) -> set:
    with app.extensions["fiilis.sessionmaker"]() as db:
        stmt = select(model)
        if site_id is not None:
            stmt = stmt.where(model.site_id == site_id)
        return {getattr(row, "user_id" if model is User else "id") for row in db.scalars(stmt)}


@pytest.fixture
def world(app, make_site):
    """A site keeping 30 days and one keeping everything, with old and recent rows in both."""
    kept = make_site(name="Keeps 30 days", retention_days=30)
    forever = make_site(name="Keeps everything")
    rows, other = Rows(app, kept), Rows(app, forever)
    survey, other_survey = rows.survey("nps"), other.survey("nps")
    rows.user("gone", last_seen_at=OLD)  # not seen since the cutoff and nothing left: erased
    rows.user("old-but-active", last_seen_at=OLD)  # answered recently: stays
    rows.user("recent", last_seen_at=RECENT)
    made = {
        "old_answer": rows.response(survey, 2, user_id="gone", at=OLD),
        "old_prompt": rows.prompt(survey, user_id="gone", status="dismissed", at=OLD),
        "recent_answer": rows.response(survey, 9, user_id="old-but-active", at=RECENT),
        "recent_prompt": rows.prompt(survey, user_id="recent", status="shown", at=RECENT),
        "other_old_answer": other.response(other_survey, 5, user_id="gone", at=OLD),
    }
    # Asked before the cutoff, answered after it: the prompt stays with its answer.
    early = rows.prompt(survey, user_id="recent", status="answered", at=OLD)
    with app.extensions["fiilis.sessionmaker"]() as db:
        db.add(
            Response(
                id="late-answer",
                site_id=kept.site_id,
                survey_id=survey,
                prompt_id=early,
                user_id="recent",
                score=7,
                created_at=RECENT,
                updated_at=RECENT,
            )
        )
        db.add(FollowupChange(response_id=made["old_answer"], status="closed", created_at=OLD))
        db.commit()
    made["early_prompt"] = early
    return kept, forever, made


def test_dry_run_counts_and_deletes_nothing(app, runner, world):
    before = {m: ids(app, m) for m in (Prompt, Response, User, FollowupChange)}
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would delete 1 responses, 2 prompts, 1 users" in result.output
    assert "Keeps everything" not in result.output  # no retention, not purged
    assert "(dry run)" in result.output
    assert {m: ids(app, m) for m in before} == before


def test_purge_deletes_what_is_older_than_the_sites_retention(app, runner, world):
    kept, forever, made = world
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 responses, 2 prompts, 1 users" in result.output
    assert "Total: deleted 1 responses, 2 prompts, 1 users." in result.output

    assert ids(app, Response, kept.site_id) == {made["recent_answer"], "late-answer"}
    prompts = ids(app, Prompt, kept.site_id)
    assert made["old_prompt"] not in prompts
    assert {made["recent_prompt"], made["early_prompt"]} <= prompts
    assert len(prompts) == 3  # and the recent answer's own prompt
    assert ids(app, User, kept.site_id) == {"old-but-active", "recent"}
    assert ids(app, FollowupChange) == set()
    assert ids(app, Response, forever.site_id) == {made["other_old_answer"]}

    again = runner.invoke(args=["purge"])
    assert "deleted 0 responses, 0 prompts, 0 users" in again.output


def test_purge_without_any_retention_says_so(runner):
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0
    assert "nothing to purge" in result.output


def test_the_worker_applies_retention_as_its_daily_job(app, world, worker):
    from collector.purge import purge_daily

    kept, forever, made = world
    worker.run(purge_daily)
    assert ids(app, Response, kept.site_id) == {made["recent_answer"], "late-answer"}
    assert ids(app, Response, forever.site_id) == {made["other_old_answer"]}


def test_the_daily_purge_is_a_periodic_job_of_the_worker(app):
    from collector import jobs

    huey = jobs.queue(app).huey
    due = {t.name for t in huey.read_periodic(datetime(2026, 12, 1, 2, 41))}
    assert "collector.purge.purge_daily" in due
    assert "collector.purge.purge_daily" not in {
        t.name for t in huey.read_periodic(datetime(2026, 12, 1, 2, 42))
    }


def test_purged_answers_leave_the_actions_that_linked_them(app, client, runner, world):
    kept, _, made = world
    body = {
        "title": "Call them",
        "due_on": "2026-12-20",
        "response_ids": [made["old_answer"], made["recent_answer"]],
    }
    created = client.post("/v1/actions", json=body, headers=kept.auth)
    assert created.status_code == 201, created.get_json()
    assert runner.invoke(args=["purge"]).exit_code == 0
    after = client.get(f"/v1/actions/{created.get_json()['id']}", headers=kept.auth).get_json()
    assert after["response_ids"] == [made["recent_answer"]]
