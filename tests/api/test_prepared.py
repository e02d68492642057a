"""Prepared statements (the browser API's hot path) behave as ``Connection.execute`` does: the same
types in and out, the same exceptions, inside the session's transaction. On both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from collector import db
from collector.models import Response, User
from collector.prepared import Prepared

_u = User.__table__.c
KEYS = ("site_id", "user_id", "traits", "created_at", "last_seen_at")
INSERT_USER = Prepared(insert(User.__table__), keys=KEYS)
USER = Prepared(
    select(_u.user_id, _u.traits, _u.last_seen_at, func.max(_u.created_at).label("first_seen"))
    .where(_u.site_id == bindparam("site_id"), _u.user_id == bindparam("user_id"))
    .group_by(_u.user_id, _u.traits, _u.last_seen_at)
)
TOUCH = Prepared(
    update(User.__table__)
    .where(_u.site_id == bindparam("site_id"), _u.user_id != "nobody")
    .values(last_seen_at=bindparam("now"))
)
SEEN = datetime(2026, 11, 23, 10, 30, 15, 123456, tzinfo=UTC)


def _user(site, user_id="u1", traits=None, seen=SEEN):
    return {
        "site_id": site.site_id,
        "user_id": user_id,
        "traits": {"plan": "pro", "seats": 3} if traits is None else traits,
        "created_at": seen,
        "last_seen_at": seen,
    }


def _stored(app, site, user_id="u1"):
    with app.app_context():
        return USER.first(db.session().connection(), {"site_id": site.site_id, "user_id": user_id})


def test_rows_come_back_with_aware_utc_times_and_json_as_given(app, site):
    with app.app_context():
        INSERT_USER.run(db.session().connection(), _user(site))
        db.session().commit()
    row = _stored(app, site)
    assert row.user_id == "u1"
    assert row.traits == {"plan": "pro", "seats": 3}
    assert row.last_seen_at == SEEN and row.last_seen_at.tzinfo is not None
    assert row.first_seen == SEEN  # a labelled aggregate keeps its column's type
    user_id, traits, *_ = row  # rows unpack like tuples
    assert (user_id, traits) == ("u1", {"plan": "pro", "seats": 3})


def test_a_time_in_another_zone_is_stored_as_the_same_instant(app, site):
    helsinki = SEEN.astimezone(timezone(timedelta(hours=2)))
    with app.app_context():
        INSERT_USER.run(db.session().connection(), _user(site, seen=helsinki))
        db.session().commit()
    assert _stored(app, site).last_seen_at == SEEN


def test_a_naive_time_is_refused_as_with_the_orm(app, site):
    with app.app_context(), pytest.raises(ValueError, match="naive datetime"):
        INSERT_USER.run(db.session().connection(), _user(site, seen=SEEN.replace(tzinfo=None)))


def test_a_broken_constraint_is_sqlalchemys_integrity_error_and_nothing_is_kept(app, site):
    with app.app_context():
        conn = db.session().connection()
        INSERT_USER.run(conn, _user(site, "u2"))
        with pytest.raises(IntegrityError):
            INSERT_USER.run(conn, _user(site, "u2", traits={}))  # (site_id, user_id) is unique
        db.session().rollback()
    assert _stored(app, site, "u2") is None


def test_a_write_belongs_to_the_sessions_transaction(app, site):
    with app.app_context():
        INSERT_USER.run(db.session().connection(), _user(site, "u3"))
        db.session().rollback()
        INSERT_USER.run(db.session().connection(), _user(site, "u4"))
        db.session().commit()
    assert _stored(app, site, "u3") is None
    assert _stored(app, site, "u4") is not None


def test_literal_values_in_the_statement_are_bound_and_rowcounts_returned(app, site, other_site):
    later = SEEN + timedelta(days=1)
    with app.app_context():
        conn = db.session().connection()
        for user_id in ("a", "b", "nobody"):
            INSERT_USER.run(conn, _user(site, user_id))
        INSERT_USER.run(conn, _user(other_site, "a"))
        assert TOUCH.run(conn, {"site_id": site.site_id, "now": later}) == 2
        db.session().commit()
    assert _stored(app, site, "a").last_seen_at == later
    assert _stored(app, site, "nobody").last_seen_at == SEEN
    assert _stored(app, other_site, "a").last_seen_at == SEEN


def test_a_missing_column_fails_loudly_instead_of_storing_a_default(app, site):
    row = _user(site)
    del row["traits"]
    with app.app_context(), pytest.raises(KeyError, match="traits"):
        INSERT_USER.run(db.session().connection(), row)


def test_expanding_in_parameters_are_refused(app):
    statement = Prepared(select(_u.id).where(_u.user_id.in_(["a", "b"])))
    with app.app_context(), pytest.raises(ValueError, match="expanding IN"):
        statement.rows(db.session().connection(), {})


def test_a_statement_that_needs_python_side_defaults_is_refused(app):
    touch = Prepared(update(Response.__table__).values(comment=bindparam("comment")))
    with app.app_context(), pytest.raises(ValueError, match="updated_at"):
        touch.run(db.session().connection(), {"comment": "x"})


def test_a_write_outside_a_transaction_is_refused(app, site):
    with (
        app.app_context(),
        db.engine().connect() as conn,
        pytest.raises(RuntimeError, match="transaction"),
    ):
        INSERT_USER.run(conn, _user(site, "u5"))
    assert _stored(app, site, "u5") is None
