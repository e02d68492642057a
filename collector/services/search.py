"""Full-text search over responses' comments and follow-up notes, in the database's own index.

SQLite reads an FTS5 table kept in step by triggers on ``responses``; PostgreSQL a GIN index of
``to_tsvector('simple', comment || ' ' || note)`` (migration 0008). Both are written by the same
statements that write a response, so a new comment is found at once and an erased user's text is
gone from the index with their rows. ``simple`` and FTS5's ``unicode61`` only split words and fold
case (FTS5 also drops diacritics): no language's stemming, so Finnish and Swedish words match as
well as English ones. Every word typed must match, each as a prefix ("lasku" finds "laskussa").
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, bindparam, text
from sqlalchemy.orm import Session

from collector.models import Response

MAX_TERMS = 8
MAX_TERM = 64
_WORD = re.compile(r"\w+", re.UNICODE)

_SQLITE = text(
    "SELECT i.response_id FROM response_search s"
    " JOIN response_search_ids i ON i.rowid = s.rowid"
    " WHERE response_search MATCH :search_query"
)
# The very expression of the index, so that PostgreSQL uses it.
_POSTGRES = text(
    "to_tsvector('simple'::regconfig,"
    " coalesce(responses.comment, '') || ' ' || coalesce(responses.followup_note, ''))"
    " @@ to_tsquery('simple'::regconfig, :search_query)"
)


def terms(query: str) -> list[str]:
    """The words of what was typed, lower case: punctuation and operators are not syntax here."""
    return [w.lower()[:MAX_TERM] for w in _WORD.findall(query)][:MAX_TERMS]


def matches(db: Session, query: str) -> ColumnElement[bool]:
    """A condition on ``responses``: the comment or note has every word of ``query``."""
    words = terms(query)
    if db.get_bind().dialect.name == "sqlite":
        # Each word a quoted prefix phrase: FTS5 reads nothing in it as an operator.
        fts = " AND ".join(f'"{w}"*' for w in words)
        return Response.id.in_(_SQLITE.bindparams(bindparam("search_query", fts)))
    tsquery = " & ".join(f"{w}:*" for w in words)
    return _POSTGRES.bindparams(bindparam("search_query", tsquery))
