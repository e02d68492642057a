"""People of a site (DESIGN §12): set one, read one, list them, import many, erase one.

A person is the site's ``users`` row, so the widget's visitor and the person mailed a survey are
one and the same, and erasing a person is erasing the user (:func:`users.erase`). What a call
gives is stored; what it leaves out stays as it was; ``null`` clears a field (or, inside
``traits``, removes that trait).

An import is a stream of ``(line, item)`` pairs stored in batches of :data:`BATCH`, each in one
transaction, idempotent on ``user_id``: a file imported twice changes nothing the second time,
and an import cut off half-way is finished by running it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector import pagination
from collector.domain import people, storable
from collector.domain.problems import NotFound
from collector.errors import first_field
from collector.models import Site, User
from collector.prepared import BulkInsert
from collector.services import users
from collector.services.importing import ItemError, Statistics

#: Items per transaction of an import.
BATCH = 1000
#: The person's own fields a call may set (besides ``traits``).
FIELDS = ("email", "name", "locale")
_INSERT_PEOPLE = BulkInsert(
    User.__table__,
    ("site_id", "user_id", "email", "name", "locale", "traits", "created_at", "last_seen_at"),
)


def get(db: Session, site: Site, user_id: str) -> User:
    users.checked_user_id(user_id)
    person = db.scalar(select(User).where(User.site_id == site.id, User.user_id == user_id))
    if person is None:
        raise NotFound("person", "user_id")
    return person


def list_page(
    db: Session, site: Site, *, limit: int, cursor: str | None, email: str | None = None
) -> tuple[list[User], bool]:
    """A page of the site's people, newest first; ``email`` keeps those with that address."""
    stmt = select(User).where(User.site_id == site.id)
    if email is not None:
        stmt = stmt.where(User.email == email)
    return pagination.page(db, stmt, User, limit=limit, cursor=cursor)


def upsert(
    db: Session, site: Site, user_id: str, changes: dict[str, Any], now: datetime
) -> tuple[User, bool]:
    """Create or change the person; ``(person, created)``. Two calls racing for a new person
    both end with one row (the second finds the first's)."""
    users.checked_user_id(user_id)
    for attempt in (1, 2):
        person = db.scalar(select(User).where(User.site_id == site.id, User.user_id == user_id))
        created = person is None
        if created:
            person = User(site_id=site.id, user_id=user_id, traits={}, created_at=now)
            person.last_seen_at = now
            db.add(person)
        _apply(person, changes)
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            if attempt == 2:
                raise
            continue
        return person, created
    raise AssertionError("unreachable")


def erase(db: Session, site: Site, user_id: str) -> dict:
    """Erase the person as ``DELETE /v1/users/<id>`` does: prompts, answers, traits, the row."""
    return users.erase(db, site, user_id)


def _apply(person: User, changes: dict[str, Any]) -> bool:
    """Set what ``changes`` gives; whether anything changed."""
    changed = False
    for name in FIELDS:
        if name in changes and getattr(person, name) != changes[name]:
            setattr(person, name, changes[name])
            changed = True
    if changes.get("traits"):
        traits = people.merged_traits(person.traits or {}, changes["traits"])
        if traits != (person.traits or {}):
            person.traits = traits
            changed = True
    return changed


# -- import ----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did: people added, people changed, people already as given, items refused."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_count: int = 0
    #: Errors beyond this many are counted, not listed.
    max_listed_errors: int = 1000

    def refuse(self, line: int, param: str | None, message: str) -> None:
        self.errors_count += 1
        if len(self.errors) < self.max_listed_errors:
            self.errors.append({"line": line, "param": param, "message": message})

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "errors_count": self.errors_count,
        }


def csv_items(rows: Iterable[tuple[int, dict[str, str]]]) -> Iterator[tuple[int, Any]]:
    """People items from CSV records (``import_files.csv_rows``)."""
    for line, row in rows:
        yield line, people.csv_person(row)


def import_people(
    db: Session,
    site: Site,
    items: Iterable[tuple[int, Any]],
    *,
    schema,
    now: datetime,
    batch_size: int = BATCH,
    on_batch: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Store ``(line, item)`` pairs (an item: a dict, or the :class:`ItemError` met reading it),
    each checked with ``schema`` (the API's person item); commits every ``batch_size`` items."""
    report = ImportReport()
    # A large import into a young site outgrows PostgreSQL's statistics (see importing).
    statistics = Statistics(db, "users", ("users",))
    batch: list[tuple[int, dict]] = []
    for line, raw in items:
        data = _checked(schema, line, raw, report)
        if data is not None:
            batch.append((line, data))
        if len(batch) >= batch_size:
            _store(db, site, batch, now, report)
            statistics.grown(report.imported)
            batch = []
            if on_batch is not None:
                on_batch(report)
    if batch:
        _store(db, site, batch, now, report)
    statistics.done(report.imported)
    if on_batch is not None:
        on_batch(report)
    return report


def _checked(schema, line: int, raw: Any, report: ImportReport) -> dict | None:
    try:
        if isinstance(raw, ItemError):
            raise raw
        if not isinstance(raw, dict):
            raise ItemError(None, "An item is a JSON object.")
        unstorable = storable.first_unstorable(raw)
        if unstorable is not None:
            param = storable.dotted(unstorable)
            raise ItemError(
                param,
                f"{param}: holds a NUL byte or a lone UTF-16 surrogate, which cannot be stored.",
            )
        try:
            return schema.load(raw)
        except ValidationError as e:
            param, message = first_field(e.normalized_messages())
            raise ItemError(param or None, f"{param}: {message}" if param else message) from None
    except ItemError as e:
        report.refuse(line, e.param, e.message)
        return None


def _store(db: Session, site: Site, batch: list[tuple[int, dict]], now, report) -> None:
    for attempt in (1, 2):
        counts = {"imported": 0, "updated": 0, "unchanged": 0}
        keys = list({data["user_id"] for _, data in batch})
        known = {
            p.user_id: p
            for p in db.scalars(select(User).where(User.site_id == site.id, User.user_id.in_(keys)))
        }
        new: dict[str, SimpleNamespace] = {}
        for _line, data in batch:
            person = known.get(data["user_id"])
            if person is None:
                # Rows for the new people, written in one COPY (PostgreSQL) or executemany.
                person = SimpleNamespace(
                    site_id=site.id,
                    user_id=data["user_id"],
                    email=None,
                    name=None,
                    locale=None,
                    traits={},
                    created_at=now,
                    last_seen_at=now,
                )
                new[data["user_id"]] = known[data["user_id"]] = person
                _apply(person, data)
                counts["imported"] += 1
            elif _apply(person, data):
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        try:
            db.flush()
            _INSERT_PEOPLE.run(db.connection(), [vars(p) for p in new.values()])
            db.commit()
        except IntegrityError:
            # Someone else (the widget, another import) added one of these people meanwhile.
            db.rollback()
            if attempt == 2:
                raise
            continue
        report.imported += counts["imported"]
        report.updated += counts["updated"]
        report.unchanged += counts["unchanged"]
        return
