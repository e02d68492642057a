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
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector.domain import followup, keys, storable, tags
from collector.domain.scales import Scale
from collector.errors import first_field
from collector.models import FollowupChange, Prompt, Response, ResponseTag, Site, Survey, User
from collector.prepared import BulkInsert, Prepared

#: Items per call of ``POST /v1/responses/import``.
MAX_ITEMS_PER_CALL = 10_000
#: Items per transaction.
BATCH = 1000
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


def instant(value: Any) -> datetime:
    """An ISO 8601 date-time (UTC when it has no offset) or Unix seconds, as an aware UTC
    datetime; :class:`ValidationError` for anything else."""
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


class Instant(fields.Field):
    """An ISO 8601 date-time (UTC when it has no offset) or Unix seconds."""

    def _deserialize(self, value, attr, data, **kwargs):
        return instant(value)


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

_ITEM_FIELDS = frozenset(item_schema.fields)
_NOTE_FIELDS = frozenset(NoteSchema().fields)
_EMAIL = validate.Email()
_NOT_GIVEN = object()


def quick_load(raw: dict) -> dict[str, Any] | None:
    """What ``item_schema.load(raw)`` gives, for an item of the plain shape nearly every item of
    an import has; ``None`` for anything else, which the schema then loads or refuses (so a
    refusal is always the schema's, word for word). The schema's cost was most of an import's
    time (docs/benchmarks.md, "Import"); this checks the same rules without its machinery."""
    if not raw.keys() <= _ITEM_FIELDS:
        return None
    get = raw.get
    external_id, survey, score = get("external_id"), get("survey"), get("score")
    if type(external_id) is int:
        external_id = str(external_id)
    if (
        type(external_id) is not str
        or not 0 < len(external_id) <= 200
        or type(survey) is not str
        or not 0 < len(survey) <= 40
        or type(score) is not int
    ):
        return None
    data: dict[str, Any] = {"external_id": external_id, "survey": survey, "score": score}
    user_id = get("user_id", _NOT_GIVEN)
    if user_id is not _NOT_GIVEN:
        if type(user_id) is not str or not 0 < len(user_id) <= 200:
            return None
        data["user_id"] = user_id
    email = get("email", _NOT_GIVEN)
    if email is not _NOT_GIVEN:
        if type(email) is not str or not 3 <= len(email) <= 254:
            return None
        try:
            _EMAIL(email)
        except ValidationError:
            return None
        data["email"] = email
    elif user_id is _NOT_GIVEN:
        return None
    for name, longest in (("comment", 5000), ("source_ref", 2000), ("locale", 16)):
        value = get(name)
        if value is not None and (
            type(value) is not str or len(value) > longest or (not value and name != "comment")
        ):
            return None
        data[name] = value
    try:
        data["created_at"] = instant(raw["created_at"])
    except (KeyError, ValidationError):
        return None
    traits = get("traits", _NOT_GIVEN)
    if traits is _NOT_GIVEN:
        traits = {}
    elif type(traits) is not dict or not all(type(k) is str and 0 < len(k) <= 64 for k in traits):
        return None
    data["traits"] = dict(traits)
    tag_list = get("tags", _NOT_GIVEN)
    if tag_list is _NOT_GIVEN:
        tag_list = []
    elif type(tag_list) is not list or not all(type(t) is str for t in tag_list):
        return None
    data["tags"] = list(tag_list)
    notes = get("notes", _NOT_GIVEN)
    data["notes"] = []
    if notes is not _NOT_GIVEN:
        if type(notes) is not list or len(notes) > 100:
            return None
        for note in notes:
            if type(note) is not dict or not note.keys() <= _NOTE_FIELDS:
                return None
            text, author = note.get("text"), note.get("author")
            if type(text) is not str or not 0 < len(text) <= 5000:
                return None
            if author is not None and (type(author) is not str or not 0 < len(author) <= 200):
                return None
            try:
                at = instant(note["created_at"])
            except (KeyError, ValidationError):
                return None
            data["notes"].append({"text": text, "author": author, "created_at": at})
    return data


@dataclass
class _Item:
    line: int
    data: dict[str, Any]
    survey: Survey
    tags: list[str]
    email: str | None
    key: str | None = None  # the user key, once matched


@dataclass
class _Target:
    """A survey items may go into, with its scale; ``None`` in the cache: not this site's."""

    survey: Survey
    scale: Scale


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
    surveys: dict[str, _Target | None] = {}
    statistics = Statistics(db)
    for batch in _batches(items, batch_size):
        checked = [
            c
            for c in (_check(db, site, line, raw, surveys, now, report) for line, raw in batch)
            if c
        ]
        _store(db, site, checked, source=source, now=now, report=report, dry_run=dry_run)
        if not dry_run:
            statistics.grown(report.imported)
        if on_batch is not None:
            on_batch(report)
    if not dry_run:
        statistics.done(report.imported)
    return report


class Statistics:
    """Keeps PostgreSQL's planner informed while an import grows the tables.

    The planner picks its plans from statistics that autovacuum refreshes about once a minute
    and only after a tenth of a table has changed. A large import into a young site outgrows them
    within seconds; with statistics of an empty table the planner reads a batch's duplicate check
    as a scan of every answer the site has (each batch slower than the last). So the import runs
    ``ANALYZE`` itself whenever what it stored since the last statistics reaches what the table
    held then (at least 1000 answers: after 1 000, 2 000, 4 000 … into an empty database, about
    ten times for a million), and at the end when it stored more than a tenth of the table since.
    A small import into a large table analyses nothing. SQLite's planner needs none: it takes
    the unique index for the check without statistics. ``table`` is the one the import grows
    (its rows are counted), ``tables`` all those it writes (people's import: ``users``)."""

    LEAST = 1000

    def __init__(
        self,
        db: Session,
        table: str = "responses",
        tables: tuple[str, ...] = ("responses", "prompts", "users", "response_tags"),
    ):
        self.db = db
        self.table = table
        self.tables = "ANALYZE " + ", ".join(tables)
        self.enabled = db.get_bind().dialect.name == "postgresql"
        self.since = 0  # answers stored by this import when the statistics were last taken
        self.known: float | None = None  # answers the statistics know of

    def grown(self, imported: int) -> None:
        if not self.enabled or imported - self.since < self.LEAST:
            return
        if self.known is None:
            self.known = self._rows()
        if imported - self.since >= max(self.LEAST, self.known):
            self._analyze(imported)

    def done(self, imported: int) -> None:
        if not self.enabled or imported - self.since < self.LEAST:
            return
        if self.known is None:
            self.known = self._rows()
        if imported - self.since >= self.known / 10:
            self._analyze(imported)

    def _rows(self) -> float:
        # The planner's own count (-1 before the first statistics); a catalogue look-up.
        rows = self.db.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"),
            {"t": self.table},
        )
        return max(float(rows or 0), 0.0)

    def _analyze(self, imported: int) -> None:
        self.db.execute(text(self.tables))
        self.db.commit()
        self.since = imported
        self.known = self._rows()
        self.db.commit()


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
        unstorable = storable.first_unstorable(raw)
        if unstorable is not None:
            param = storable.dotted(unstorable)
            raise ItemError(
                param,
                f"{param}: holds a NUL byte or a lone UTF-16 surrogate, which cannot be stored.",
            )
        data = quick_load(raw)
        if data is None:
            try:
                data = item_schema.load(raw)
            except ValidationError as e:
                param, message = first_field(e.normalized_messages())
                raise ItemError(
                    param or None, f"{param}: {message}" if param else message
                ) from None
        target = _survey(db, site, data["survey"], surveys)
        if data["score"] not in target.scale:
            raise ItemError(
                "score",
                f"score: {data['score']} is off this {target.survey.kind.upper()} survey's scale "
                f"{target.scale.label()}.",
            )
        if data["created_at"] > now:
            raise ItemError("created_at", "created_at: in the future; only past answers import.")
        for i, note in enumerate(data["notes"]):
            if note["created_at"] > now:
                raise ItemError(f"notes.{i}.created_at", f"notes.{i}.created_at: in the future.")
        if data["tags"]:
            try:
                tag_list = tags.apply([], replace=tags.normalise_all(data["tags"]))
            except tags.TagError as e:
                raise ItemError("tags", f"tags: {e}") from None
        else:
            tag_list = []
    except ItemError as e:
        report.refuse(line, e.param, e.message)
        return None
    email = data.get("email")
    return _Item(line, data, target.survey, tag_list, email.lower() if email else None)


def _survey(db: Session, site: Site, survey_id: str, known: dict) -> _Target:
    if survey_id not in known:
        survey = db.get(Survey, survey_id)
        known[survey_id] = (
            _Target(survey, Scale.of(survey.kind, survey.scale_min, survey.scale_max))
            if survey is not None and survey.site_id == site.id
            else None
        )
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
        conn = db.connection()
        _match_people(db, conn, site, fresh, now)
        _insert(conn, site, fresh, source, now)
    db.commit()
    return len(fresh), duplicates


_USERS = User.__table__
_INSERT_USERS = BulkInsert(
    _USERS, ("site_id", "user_id", "email", "traits", "created_at", "last_seen_at")
)
_UPDATE_USER = Prepared(
    update(_USERS)
    .where(_USERS.c.id == bindparam("user_row"))
    .values(
        traits=bindparam("new_traits", type_=_USERS.c.traits.type),
        email=bindparam("new_email", type_=_USERS.c.email.type),
    )
)
_PROMPT_COLUMNS = (
    *("id", "site_id", "survey_id", "user_id", "origin", "channel", "status", "event"),
    *("context", "traits", "locale", "url", "created_at", "expires_at", "shown_at"),
    *("answered_at", "dismissed_at"),
)
_INSERT_PROMPTS = BulkInsert(Prompt.__table__, _PROMPT_COLUMNS)
_RESPONSE_COLUMNS = (
    *("id", "site_id", "survey_id", "prompt_id", "user_id", "score", "comment", "locale"),
    *("url", "event", "context", "traits", "followup_status", "followup_owner"),
    *("followup_note", "source", "external_id", "source_ref", "created_at", "updated_at"),
)
_INSERT_RESPONSES = BulkInsert(Response.__table__, _RESPONSE_COLUMNS)
_INSERT_TAGS = BulkInsert(ResponseTag.__table__, ("response_id", "tag", "site_id", "survey_id"))
_INSERT_NOTES = BulkInsert(
    FollowupChange.__table__, ("response_id", "status", "owner", "note", "actor", "created_at")
)


def _match_people(db: Session, conn, site: Site, items: list[_Item], now: datetime) -> None:
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
    new_people, changed = [], []
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
        email = user.email or item.email
        if merged != (user.traits or {}) or email != user.email:
            changed.append({"user_row": user.id, "new_traits": merged, "new_email": email})
    _UPDATE_USER.many(conn, changed)
    _INSERT_USERS.run(conn, new_people)


#: An imported answer's context: none (one object for all, converted once per batch).
_NO_CONTEXT: dict[str, Any] = {}


def _insert(conn, site: Site, items: list[_Item], source: str, now: datetime) -> None:
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
                "context": _NO_CONTEXT,
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
                "context": _NO_CONTEXT,
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
    # One COPY (PostgreSQL) or executemany (SQLite) per table, past SQLAlchemy's execution
    # machinery (collector/prepared.py): it spent more time on the parameters than the database
    # did on the rows.
    _INSERT_PROMPTS.run(conn, prompts)
    _INSERT_RESPONSES.run(conn, responses)
    _INSERT_TAGS.run(conn, tag_rows)
    _INSERT_NOTES.run(conn, notes)
