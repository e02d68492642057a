"""The hosted answer page of a prompt sent as an e-mail link: what it shows, and its score and
comment as the person gives them. Each public function is one unit of work."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector import outbox
from collector.db import uow
from collector.domain import keys, scale, texts
from collector.domain.tokens import TokenError
from collector.models import Prompt, Response, Site, Survey
from collector.services import prompts
from collector.services.answers import MAX_COMMENT, comment_text, open_for_comment


def _new_response(prompt: Prompt, response_id: str, score: int, now: datetime) -> Response:
    return Response(
        id=response_id,
        site_id=prompt.site_id,
        survey_id=prompt.survey_id,
        prompt_id=prompt.id,
        user_id=prompt.user_id,
        score=score,
        event=prompt.event,
        context=prompt.context or {},
        traits=prompt.traits or {},
        locale=prompt.locale,
        followup_status="open",
        created_at=now,
        updated_at=now,
    )


def _answered(prompt: Prompt, now: datetime) -> None:
    prompt.status = "answered"
    prompt.answered_at = prompt.answered_at or now
    prompt.shown_at = prompt.shown_at or now


@dataclass
class LinkPage:
    """What the hosted answer page shows.

    ``state``: ``ask`` (the score links), ``comment`` (score taken, follow-up form), ``done``
    (thanks), ``closed`` (expired before an answer), ``invalid`` (not a link we made).
    ``notice`` names a page string to show as a message (``final``, ``bad_score``, ``too_long``).
    ``locale`` is the question's locale, ``ui`` the page's own (``?lang=`` may ask for a
    built-in language the survey has no question in).
    """

    state: str
    status: int = 200
    ui: str = texts.FALLBACK
    locale: str = texts.FALLBACK
    site: Site | None = None
    survey: Survey | None = None
    response: Response | None = None
    notice: str | None = None


@dataclass
class _Link:
    prompt: Prompt
    site: Site
    survey: Survey
    locale: str
    ui: str

    def page(self, state: str, status: int = 200, response=None, notice=None) -> LinkPage:
        return LinkPage(
            state, status, self.ui, self.locale, self.site, self.survey, response, notice
        )

    def at(self, response: Response | None, now: datetime) -> LinkPage:
        """Where the person stands: commenting, done, closed or still to answer."""
        if response is not None:
            return self.page(
                "comment" if open_for_comment(response, now) else "done", 200, response
            )
        if self.prompt.expires_at <= now:
            return self.page("closed", 410)
        return self.page("ask")


def show(db: Session, token: str, now: datetime, *, lang: str | None) -> LinkPage:
    """The page as it stands: what to ask, or where the person left off."""
    with uow(db, write=False):
        link = _load(db, token, now, lang)
        if isinstance(link, LinkPage):
            return link
        return link.at(_response_of(db, link.prompt.id), now)


def score(db: Session, token: str, raw_score: str, now: datetime, *, lang: str | None) -> LinkPage:
    """A score link was clicked (``?score=N``). The same score again changes nothing; another
    score replaces the first until a comment is sent or the comment window closes (e-mail
    scanners open every link first, the person's own click comes later and wins)."""
    try:
        with uow(db, write=True):
            return _score_link(db, token, raw_score, now, lang)
    except IntegrityError:
        pass
    # Another click got there first; from here on this is a repeated click.
    with uow(db, write=True):
        return _score_link(db, token, raw_score, now, lang)


def _score_link(db: Session, token: str, raw_score: str, now: datetime, lang: str | None):
    link = _load(db, token, now, lang)
    if isinstance(link, LinkPage):
        return link
    response = _response_of(db, link.prompt.id)
    score = _parse_score(link.survey, raw_score)
    if score is None:
        shown = link.at(response, now)
        shown.status, shown.notice = 422, "bad_score"
        return shown
    if response is None:
        if link.prompt.expires_at <= now:
            return link.page("closed", 410)
        response = _new_response(link.prompt, keys.new_id("rsp"), score, now)
        response.locale = link.locale
        db.add(response)
        db.flush()
        _answered(link.prompt, now)
        outbox.record(db, "response.created", response.site_id, response.id, now=now)
    elif response.score != score:
        if not open_for_comment(response, now):
            return link.page("done", 409, response, notice="final")
        response.score = score
        response.updated_at = now
        outbox.record(db, "response.updated", response.site_id, response.id, now=now)
    return link.at(response, now)


def comment(db: Session, token: str, comment: str, now: datetime, *, lang: str | None) -> LinkPage:
    """The follow-up form was sent: store the comment and thank; ``state`` is ``done`` then."""
    with uow(db, write=True):
        link = _load(db, token, now, lang)
        if isinstance(link, LinkPage):
            return link
        response = _response_of(db, link.prompt.id)
        if response is None or not open_for_comment(response, now):
            return link.at(response, now)
        if len(comment) > MAX_COMMENT:
            return link.page("comment", 422, response, notice="too_long")
        response.comment = comment_text(comment)
        response.updated_at = now
        outbox.record(db, "response.updated", response.site_id, response.id, now=now)
        return link.page("done", 200, response)


def _load(db: Session, token: str, now: datetime, lang: str | None) -> _Link | LinkPage:
    # Expired tokens are read too: the page still thanks, or says the survey has closed.
    try:
        claims = prompts.tokens().read(token, now=now, allow_expired=True)
    except TokenError:
        return LinkPage("invalid", 404, texts.builtin(lang), texts.builtin(lang))
    prompt = db.get(Prompt, claims.prompt_id)
    if prompt is None or prompt.site_id != claims.site_id or prompt.channel != "link":
        return LinkPage("invalid", 404, texts.builtin(lang), texts.builtin(lang))
    site = db.get(Site, prompt.site_id)
    survey = db.get(Survey, prompt.survey_id)
    locale = texts.pick_locale(lang or prompt.locale, survey.question, site.default_locale)
    ui = lang if lang in texts.LOCALES else texts.builtin(locale)
    return _Link(prompt, site, survey, locale, ui)


def _response_of(db: Session, prompt_id: str) -> Response | None:
    return db.scalar(select(Response).where(Response.prompt_id == prompt_id))


def _parse_score(survey: Survey, raw: str) -> int | None:
    if not re.fullmatch(r"-?[0-9]{1,2}", raw.strip()):
        return None
    score = int(raw)
    return score if score in scale.of(survey.kind) else None
