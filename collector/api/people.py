"""``/v1/people``: the people a site mails surveys to (DESIGN §12), one by one or imported in bulk.

As under ``/v1/users/``, a user id in a path is the whole rest of it, percent-encoded; the import
is ``POST /v1/people/import``, which no user id can shadow because ``PUT``/``GET``/``DELETE`` are
the only methods of ``/v1/people/<user_id>``.
"""

from __future__ import annotations

from flask import Blueprint, request
from marshmallow import Schema, fields, validate

from collector import db, pagination
from collector.api.auth import current_site
from collector.api.body import json_body, query, streamed
from collector.api.imports import ImportErrorSchema, at_most
from collector.api.prompt_schemas import LOCALE, MAX_TRAITS, ScalarMap
from collector.api.users import user_erased
from collector.errors import APIError
from collector.models import utcnow
from collector.openapi import doc
from collector.schemas import EmailAddress, list_of
from collector.services import import_files, people

bp = Blueprint("people", __name__, url_prefix="/people")

#: An import's body may be this large (other calls: 64 KiB).
MAX_IMPORT_BYTES = 32 * 1024 * 1024
#: People per import call; a larger list goes in several calls (or ``fiilis people import``).
MAX_ITEMS_PER_CALL = 100_000
JSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/json")
CSV_TYPES = ("text/csv",)


class PersonBodySchema(Schema):
    """What ``PUT /v1/people/<user_id>`` sets; a field left out stays as it is, ``null`` clears
    it. ``traits`` are merged into the stored ones; a trait given as ``null`` is removed."""

    email = EmailAddress(allow_none=True)
    name = fields.Str(allow_none=True, validate=validate.Length(1, 200))
    locale = fields.Str(
        allow_none=True,
        validate=[
            validate.Length(2, 16),
            validate.Regexp(LOCALE, error="A language tag such as fi or pt-BR."),
        ],
        metadata={"description": "The language of the person's survey e-mail (fi, sv, en …)."},
    )
    traits = ScalarMap(MAX_TRAITS, allow_none=True)


class PersonItemSchema(PersonBodySchema):
    """One person of an import (a JSON line, or a CSV row: columns ``user_id``, ``email``,
    ``name``, ``locale``, every other column a trait)."""

    user_id = fields.Str(required=True, validate=validate.Length(1, 200))


class PersonSchema(Schema):
    user_id = fields.Str(required=True)
    email = fields.Str(allow_none=True, required=True)
    name = fields.Str(allow_none=True, required=True)
    locale = fields.Str(allow_none=True, required=True)
    traits = fields.Dict(required=True)
    created_at = fields.AwareDateTime(required=True)
    last_seen_at = fields.AwareDateTime(
        required=True,
        metadata={"description": "Last seen by the widget (or when the person was added)."},
    )


class PeopleQuerySchema(pagination.PageQuerySchema):
    email = EmailAddress("Only the people with this address.", load_default=None)


class PeopleImportReportSchema(Schema):
    imported = fields.Int(required=True, metadata={"description": "People added"})
    updated = fields.Int(required=True, metadata={"description": "People changed"})
    unchanged = fields.Int(required=True, metadata={"description": "People already as given"})
    errors = fields.List(fields.Nested(ImportErrorSchema), required=True)
    errors_count = fields.Int(
        required=True, metadata={"description": "All refused items (the first 1000 are listed)"}
    )


person_body = PersonBodySchema()
person_item = PersonItemSchema()
person_schema = PersonSchema()
people_list = list_of(PersonSchema, "PersonList")()
people_query = PeopleQuerySchema()
import_report = PeopleImportReportSchema()


@bp.get("")
@doc(
    "List the site's people, newest first (the export: follow next_cursor)",
    query=people_query,
    response=people_list,
    tag="people",
)
def list_():
    q = query(people_query)
    items, more = people.list_page(
        db.session(), current_site(), limit=q["limit"], cursor=q["cursor"], email=q["email"]
    )
    return pagination.envelope(items, more)


@bp.post("/import")
@doc(
    "Import people: JSON lines, a JSON array, or CSV (text/csv, a header row; columns other "
    "than user_id, email, name, locale are traits). Idempotent on user_id; a report per item",
    body=person_item,
    body_types=JSON_TYPES,
    response=import_report,
    tag="people",
)
@streamed(MAX_IMPORT_BYTES)
def import_():
    if request.mimetype in CSV_TYPES:
        items = people.csv_items(import_files.csv_rows(request.stream))
    elif request.mimetype in JSON_TYPES:
        items = import_files.json_items(request.stream)
    else:
        raise APIError(
            415,
            "unsupported_media_type",
            "Send JSON lines (application/x-ndjson), a JSON array or CSV (text/csv).",
        )
    report = people.import_people(
        db.session(),
        current_site(),
        at_most(items, MAX_ITEMS_PER_CALL, "people"),
        schema=person_item,
        now=utcnow(),
    )
    return report.to_dict()


@bp.put("/<path:user_id>")
@doc(
    "Add or change a person (201 when added)",
    body=person_body,
    response=person_schema,
    also=(201,),
    tag="people",
)
def upsert(user_id: str):
    changes = json_body(person_body)
    person, created = people.upsert(db.session(), current_site(), user_id, changes, utcnow())
    return person, 201 if created else 200


@bp.get("/<path:user_id>")
@doc("Read a person", response=person_schema, tag="people")
def get(user_id: str):
    return people.get(db.session(), current_site(), user_id)


@bp.delete("/<path:user_id>")
@doc(
    "Erase a person with their prompts and answers, as DELETE /v1/users/<user_id> does",
    response=user_erased,
    tag="people",
)
def erase(user_id: str):
    return people.erase(db.session(), current_site(), user_id)
