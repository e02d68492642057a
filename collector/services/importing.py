"""Importing answers from elsewhere (DESIGN §14): Delighted, a CSV, or any tool through the API.

Items arrive as a stream of ``(line, item)`` pairs and are stored in batches, each batch in one
transaction: a process killed half-way leaves whole batches, and running the import again stores
the rest, since an answer is kept once per ``(site, source, external_id)``. Every item is checked
on its own; a bad one is reported with its line and field and the others go on.

An imported answer is stored like any other: a response with its answered prompt (origin and
channel ``import``, shown and answered at the answer's time), so metrics count it and the fatigue
rules (``answered_recently``, ``cooldown``) see it. The person is matched by ``user_id``, or by
e-mail among the people the site knows; a person known by neither is created, keyed by the
``user_id`` given or else by the e-mail address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector.domain import followup, keys, tags
from collector.domain.scales import Scale
from collector.errors import first_field
from collector.models import FollowupChange, Prompt, Response, ResponseTag, Site, Survey, User

#: Items per call of ``POST /v1/responses/import``.
MAX_ITEMS_PER_CALL = 10_000
#: Items per transaction.
BATCH = 500
SOURCE = validate.Regexp(r"^[a-z0-9_-]{1,16}$", error="A source is 1–16 of a-z 0-9 _ -.")


class ItemError(Exception):
    """An item that cannot be imported: which field, and why."""

    def __init__(self, param: str | None, message: str):
        super().__init__(message)
        self.param = param
        self.message = message


@dataclass
class Report:
    """What an import did: answers stored, answers already there, and the items refused."""

    imported: int = 0
    skipped_duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    #: Errors beyond this many are counted, not listed.
    max_listed_errors: int = 1000
    errors_count: int = 0

    def refuse(self, line: int, param: str | None, message: str) -> None:
        self.errors_count += 1
        if len(self.errors) < self.max_listed_errors:
            self.errors.append({"line": line, "param": param, "message": message})

    @property
    def seen(self) -> int:
        return self.imported + self.skipped_duplicates + self.errors_count

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "skipped_duplicates": self.skipped_duplicates,
            "errors": self.errors,
            "errors_count": self.errors_count,
        }


class Instant(fields.Field):
    """An ISO 8601 date-time (UTC when it has no offset) or Unix seconds."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError("Not a date-time.")
        if isinstance(value, int | float):
            try:
                return datetime.fromtimestamp(value, UTC)
            except (OverflowError, OSError, ValueError):
                raise ValidationError("Not a time in Unix seconds.") from None
        if not isinstance(value, str):
            raise ValidationError("An ISO 8601 date-time or Unix seconds.")
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(
                "Not an ISO 8601 date-time, e.g. 2025-03-01T12:00:00Z, nor Unix seconds."
            ) from None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class NoteSchema(Schema):
    text = fields.Str(required=True, validate=validate.Length(1, 5000))
    author = fields.Str(allow_none=True, load_default=None, validate=validate.Length(1, 200))
    created_at = Instant(required=True)


class ImportItemSchema(Schema):
    """One answer to import (DESIGN §14)."""

    external_id = fields.Str(required=True, validate=validate.Length(1, 200))
    survey = fields.Str(required=True, validate=validate.Length(1, 40))
    user_id = fields.Str(validate=validate.Length(1, 200))
    email = fields.Email(validate=validate.Length(3, 254))
    score = fields.Int(required=True, strict=True)
    comment = fields.Str(allow_none=True, load_default=None, validate=validate.Length(0, 5000))
    created_at = Instant(required=True)
    traits = fields.Dict(keys=fields.Str(validate=validate.Length(1, 64)), load_default=dict)
    tags = fields.List(fields.Str(), load_default=list)
    notes = fields.List(
        fields.Nested(NoteSchema), load_default=list, validate=validate.Length(0, 100)
    )
    source_ref = fields.Str(allow_none=True, load_default=None, validate=validate.Length(1, 2000))
    locale = fields.Str(allow_none=True, load_default=None, validate=validate.Length(1, 16))

    @pre_load
    def _external_id_as_text(self, data, **kwargs):
        # Other tools number their answers; 20000 and "20000" are the same answer.
        if isinstance(data, dict) and isinstance(data.get("external_id"), int):
            data = {**data, "external_id": str(data["external_id"])}
        return data

    @validates_schema
    def _someone(self, data, **kwargs):
        if "user_id" not in data and "email" not in data:
            raise ValidationError("Give user_id or email: who answered.", "user_id")


item_schema = ImportItemSchema()


@dataclass
class _Item:
    line: int
    data: dict[str, Any]
    survey: Survey
    tags: list[str]
    email: str | None
    key: str | None = None  # the user key, once matched


def import_items(
    db: Session,
    site: Site,
    items: Iterable[tuple[int, Any]],
    *,
    source: str,
    now: datetime,
    report: Report | None = None,
    batch_size: int = BATCH,
    on_batch: Callable[[Report], None] | None = None,
    dry_run: bool = False,
) -> Report:
    """Import ``(line, item)`` pairs, where an item is a dict or an :class:`ItemError` found while
    reading it. Commits every ``batch_size`` items (nothing with ``dry_run``); calls ``on_batch``
    after each batch with the report so far."""
    report = report or Report()
    surveys: dict[str, Survey | None] = {}
    for batch in _batches(items, batch_size):
        checked = [
            c
            for c in (_check(db, site, line, raw, surveys, now, report) for line, raw in batch)
            if c
        ]
        _store(db, site, checked, source=source, now=now, report=report, dry_run=dry_run)
        if on_batch is not None:
            on_batch(report)
    return report


def _batches(items: Iterable[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    batch: list[tuple[int, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _check(db, site, line, raw, surveys, now, report) -> _Item | None:
    try:
        if isinstance(raw, ItemError):
            raise raw
        if not isinstance(raw, dict):
            raise ItemError(None, "An item is a JSON object.")
        try:
            data = item_schema.load(raw)
        except ValidationError as e:
            param, message = first_field(e.normalized_messages())
            raise ItemError(param or None, f"{param}: {message}" if param else message) from None
        survey = _survey(db, site, data["survey"], surveys)
        scale = Scale.of(survey.kind, survey.scale_min, survey.scale_max)
        if data["score"] not in scale:
            raise ItemError(
                "score",
                f"score: {data['score']} is off this {survey.kind.upper()} survey's scale "
                f"{scale.label()}.",
            )
        if data["created_at"] > now:
            raise ItemError("created_at", "created_at: in the future; only past answers import.")
        for i, note in enumerate(data["notes"]):
            if note["created_at"] > now:
                raise ItemError(f"notes.{i}.created_at", f"notes.{i}.created_at: in the future.")
        try:
            tag_list = tags.apply([], replace=tags.normalise_all(data["tags"]))
        except tags.TagError as e:
            raise ItemError("tags", f"tags: {e}") from None
    except ItemError as e:
        report.refuse(line, e.param, e.message)
        return None
    email = data.get("email")
    return _Item(line, data, survey, tag_list, email.lower() if email else None)


def _survey(db: Session, site: Site, survey_id: str, known: dict) -> Survey:
    if survey_id not in known:
        survey = db.get(Survey, survey_id)
        known[survey_id] = survey if survey is not None and survey.site_id == site.id else None
    if known[survey_id] is None:
        raise ItemError("survey", f"survey: no survey {survey_id} on this site.")
    return known[survey_id]


def _store(db, site, items: list[_Item], *, source, now, report, dry_run) -> None:
    for attempt in (1, 2):
        try:
            imported, duplicates = _store_once(db, site, items, source, now, dry_run)
        except IntegrityError:
            # Another import stored some of these since we looked: look again, once.
            db.rollback()
            if attempt == 2:
                raise
            continue
        report.imported += imported
        report.skipped_duplicates += duplicates
        return


def _store_once(db: Session, site: Site, items: list[_Item], source, now, dry_run):
    if not items:
        return 0, 0
    wanted: dict[str, _Item] = {}
    duplicates = 0
    for item in items:
        if item.data["external_id"] in wanted:
            duplicates += 1
        else:
            wanted[item.data["external_id"]] = item
    stored = set(
        db.scalars(
            select(Response.external_id).where(
                Response.site_id == site.id,
                Response.source == source,
                Response.external_id.in_(list(wanted)),
            )
        )
    )
    duplicates += len(stored)
    fresh = [item for eid, item in wanted.items() if eid not in stored]
    if dry_run:
        db.rollback()
        return len(fresh), duplicates
    if fresh:
        _match_people(db, site, fresh, now)
        _insert(db, site, fresh, source, now)
    db.commit()
    return len(fresh), duplicates


def _match_people(db: Session, site: Site, items: list[_Item], now: datetime) -> None:
    """Give every item its user key, creating the people the site does not know yet."""
    by_email = {i.email for i in items if i.email and "user_id" not in i.data}
    known_emails: dict[str, str] = {}
    if by_email:
        for user_id, email in db.execute(
            select(User.user_id, User.email)
            .where(User.site_id == site.id, User.email.in_(by_email))
            .order_by(User.id)
        ):
            known_emails.setdefault(email, user_id)
    latest: dict[str, _Item] = {}
    for item in items:
        item.key = item.data.get("user_id") or known_emails.get(item.email) or item.email
        seen = latest.get(item.key)
        if seen is None or item.data["created_at"] >= seen.data["created_at"]:
            latest[item.key] = item
    existing = {
        u.user_id: u
        for u in db.execute(
            select(User.id, User.user_id, User.email, User.traits).where(
                User.site_id == site.id, User.user_id.in_(list(latest))
            )
        )
    }
    new_people = []
    for key, item in latest.items():
        user = existing.get(key)
        traits = item.data["traits"]
        if user is None:
            new_people.append(
                {
                    "site_id": site.id,
                    "user_id": key,
                    "email": item.email,
                    "traits": traits,
                    "created_at": now,
                    "last_seen_at": item.data["created_at"],
                }
            )
            continue
        # What the person's app says now wins over what an old export said.
        merged = {**traits, **(user.traits or {})}
        changes: dict[str, Any] = {}
        if merged != (user.traits or {}):
            changes["traits"] = merged
        if item.email and not user.email:
            changes["email"] = item.email
        if changes:
            db.execute(update(User).where(User.id == user.id).values(**changes))
    if new_people:
        db.connection().execute(insert(User.__table__), new_people)


def _insert(db: Session, site: Site, items: list[_Item], source: str, now: datetime) -> None:
    prompts, responses, tag_rows, notes = [], [], [], []
    for item in items:
        data, at = item.data, item.data["created_at"]
        prompt_id, response_id = keys.new_id("prm"), keys.new_id("rsp")
        item_notes = sorted(data["notes"], key=lambda n: n["created_at"])
        last_note = item_notes[-1]["text"] if item_notes else None
        # The survey's follow-up policy, as for an answer given here.
        status = followup.initial_status(
            Scale.of(item.survey.kind, item.survey.scale_min, item.survey.scale_max),
            item.survey.followup_bands,
            data["score"],
        )
        prompts.append(
            {
                "id": prompt_id,
                "site_id": site.id,
                "survey_id": item.survey.id,
                "user_id": item.key,
                "origin": "import",
                "channel": "import",
                "status": "answered",
                "event": None,
                "context": {},
                "traits": data["traits"],
                "locale": data["locale"],
                "url": None,
                "created_at": at,
                "expires_at": at,
                "shown_at": at,
                "answered_at": at,
                "dismissed_at": None,
            }
        )
        responses.append(
            {
                "id": response_id,
                "site_id": site.id,
                "survey_id": item.survey.id,
                "prompt_id": prompt_id,
                "user_id": item.key,
                "score": data["score"],
                "comment": data["comment"] or None,
                "locale": data["locale"],
                "url": None,
                "event": None,
                "context": {},
                "traits": data["traits"],
                "followup_status": status,
                "followup_owner": None,
                "followup_note": last_note,
                "source": source,
                "external_id": data["external_id"],
                "source_ref": data["source_ref"],
                "created_at": at,
                "updated_at": now,
            }
        )
        tag_rows.extend(
            {"response_id": response_id, "tag": t, "site_id": site.id, "survey_id": item.survey.id}
            for t in item.tags
        )
        notes.extend(
            {
                "response_id": response_id,
                "status": status,
                "owner": None,
                "note": note["text"],
                "actor": note["author"],
                "created_at": note["created_at"],
            }
            for note in item_notes
        )
    # Core inserts of the tables (one executemany each), not the ORM's bulk path.
    conn = db.connection()
    conn.execute(insert(Prompt.__table__), prompts)
    conn.execute(insert(Response.__table__), responses)
    if tag_rows:
        conn.execute(insert(ResponseTag.__table__), tag_rows)
    if notes:
        conn.execute(insert(FollowupChange.__table__), notes)
