"""Tags on responses: read them, change them on one response or many (the dashboard's bulk
action), and the SQL pieces that filter and group by them.

:func:`tag_responses` is the one way tags change: the API's ``PATCH /v1/responses/<id>``, the
dashboard's detail page and its bulk action all call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from collector import outbox
from collector.domain import keys, tags
from collector.domain.problems import Invalid, NotFound
from collector.models import Response, ResponseTag, Site, utcnow


def tags_of(db: Session, response_ids: Iterable[str]) -> dict[str, list[str]]:
    """Each response's tags, sorted (``[]`` for none)."""
    ids = list(response_ids)
    out: dict[str, list[str]] = {rid: [] for rid in ids}
    if ids:
        stmt = (
            select(ResponseTag.response_id, ResponseTag.tag)
            .where(ResponseTag.response_id.in_(ids))
            .order_by(ResponseTag.response_id, ResponseTag.tag)
        )
        for response_id, tag in db.execute(stmt):
            out[response_id].append(tag)
    return out


def tagged(site_id: str, tag: str):
    """The ids of the site's responses carrying ``tag`` (for ``Response.id.in_(…)``)."""
    return select(ResponseTag.response_id).where(
        ResponseTag.site_id == site_id, ResponseTag.tag == tag
    )


def checked(raws: Iterable[str] | None, param: str) -> list[str] | None:
    """Normalised tags, or a 422 naming ``param`` (``tags.2``) for the first that cannot be one."""
    if raws is None:
        return None
    out = []
    for i, raw in enumerate(raws):
        try:
            out.append(tags.normalise(raw))
        except tags.TagError as e:
            raise Invalid("validation_failed", f"{param}.{i}: {e}", param=f"{param}.{i}") from None
    return list(dict.fromkeys(out))


def tag_responses(
    db: Session,
    site: Site,
    response_ids: Sequence[str],
    *,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    replace: Iterable[str] | None = None,
    commit: bool = True,
) -> dict[str, list[str]]:
    """Change the tags of the site's responses, all or none: ``replace`` sets them, ``add`` and
    ``remove`` change them. Returns each response's tags afterwards.

    Raises ``NotFound`` when a response is not the site's, ``Invalid`` when a tag cannot be one or
    a response would have more than 20. Responses whose tags change get a new ``updated_at``.
    """
    add = checked(add, "add_tags") or []
    remove = checked(remove, "remove_tags") or []
    replace = checked(replace, "tags")
    ids = list(dict.fromkeys(keys.canonical_response_id(r) for r in response_ids))
    # Locked, so that two changes of one response's tags queue instead of losing one.
    rows = {
        r.id: r
        for r in db.scalars(select(Response).where(Response.id.in_(ids)).with_for_update())
        if r.site_id == site.id
    }
    if len(rows) != len(ids):
        raise NotFound("response", "id")
    before = tags_of(db, ids)
    after: dict[str, list[str]] = {}
    now = utcnow()
    for rid in ids:
        try:
            after[rid] = tags.apply(before[rid], add=add, remove=remove, replace=replace)
        except tags.TagError as e:
            db.rollback()
            raise Invalid("too_many_tags", str(e), param="tags") from None
        gone = set(before[rid]) - set(after[rid])
        new = set(after[rid]) - set(before[rid])
        if gone:
            db.execute(
                delete(ResponseTag).where(ResponseTag.response_id == rid, ResponseTag.tag.in_(gone))
            )
        if new:
            db.execute(
                insert(ResponseTag),
                [
                    {
                        "response_id": rid,
                        "tag": t,
                        "site_id": site.id,
                        "survey_id": rows[rid].survey_id,
                    }
                    for t in sorted(new)
                ],
            )
        if gone or new:
            rows[rid].updated_at = now
            outbox.record(db, "response.updated", site.id, rid, now=now)
    if commit:
        db.commit()
    return after
