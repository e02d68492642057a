"""The hosted answer page (``/a/<token>``): the score links of an e-mail or a shared link, the
comment after them, and what a mail scanner's clicks must not change.

One response per prompt, as in the widget (``collector/services/answers.py``): the unique
``responses.prompt_id`` decides a race. Each public function is one transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    delete,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector import outbox
from collector.domain import keys, texts
from collector.domain.problems import Invalid
from collector.domain.scales import Scale
from collector.domain.tokens import TokenError
from collector.models import OutboxEvent, Prompt, Response, Site, Survey
from collector.services import answers, prompts, reasoning, schedules


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
    #: The reason choices of the response, for the form.
    reasons: list[str] | None = None


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
                "comment" if answers.open_for_comment(response, now) else "done", 200, response
            )
        if self.prompt.expires_at <= now:
            return self.page("closed", 410)
        return self.page("ask")


def page(db: Session, token: str, now: datetime, *, lang: str | None) -> LinkPage:
    """The page as it stands: what to ask, or where the person left off."""
    link = _load(db, token, now, lang)
    if isinstance(link, LinkPage):
        return link
    return _with_reasons(db, link.at(_response_of(db, link.prompt.id), now))


def take_score(
    db: Session, token: str, raw_score: str, now: datetime, *, lang: str | None
) -> LinkPage:
    """A score link was clicked (``?score=N``). The same score again changes nothing; another
    score replaces the first until a comment is sent or the comment window closes.

    A mail scanner opens every link of a message within a second or two of its arrival: a
    second, different score within :data:`SCANNER_WINDOW` of the first one-click undoes that
    first answer and marks the link as scanned, and no click records anything until the link has
    been quiet for that long. The person's own click, later, records at once."""
    link = _load(db, token, now, lang)
    if isinstance(link, LinkPage):
        return link
    schedules.mark_opened(db, link.prompt.id, now)  # a scheduled survey's "opened"
    response = _response_of(db, link.prompt.id)
    score = _parse_score(link.survey, raw_score)
    if score is None:
        shown = link.at(response, now)
        shown.status, shown.notice = 422, "bad_score"
        return shown
    if _scanning(link.prompt, now) and (response is None or _scanner_burst(response, now)):
        return _scanned(db, link, response, now)
    if response is None:
        if link.prompt.expires_at <= now:
            return link.page("closed", 410)
        response = _insert_link_response(db, link, score, now)
        if response is None:
            return _scanned(db, link, None, now)
    elif response.score != score:
        if not answers.open_for_comment(response, now):
            return link.page("done", 409, response, notice="final")
        if _scanner_burst(response, now):
            return _scanned(db, link, response, now)
        answers.rescore(response, link.survey, score)
        answers.drop_unasked_reasons(db, response, link.survey)
        response.updated_at = now
        outbox.record(db, "response.updated", response.site_id, response.id, now=now)
    db.commit()
    return _with_reasons(db, link.at(response, now))


def take_comment(
    db: Session,
    token: str,
    comment: str,
    now: datetime,
    *,
    lang: str | None,
    reasons: list[str] = (),
) -> LinkPage:
    """The follow-up form was sent: store the comment and the reasons picked, and thank;
    ``state`` is ``done`` then."""
    link = _load(db, token, now, lang)
    if isinstance(link, LinkPage):
        return link
    response = _response_of(db, link.prompt.id)
    if response is None or not answers.open_for_comment(response, now):
        return _with_reasons(db, link.at(response, now))
    if len(comment) > answers.MAX_COMMENT:
        shown = link.page("comment", 422, response, notice="too_long")
        shown.reasons = list(reasons)
        return shown
    try:
        chosen = reasoning.checked(link.survey, response.score, list(reasons))
    except Invalid:
        return _with_reasons(db, link.page("comment", 422, response))  # not the form's own
    if chosen or reasons:
        reasoning.replace(db, response, chosen)
    response.comment = answers.comment_text(comment)
    response.updated_at = now
    outbox.record(db, "response.updated", response.site_id, response.id, now=now)
    db.commit()
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
    # The same negotiation as the widget's, over every text the page shows.
    locale = texts.negotiate(
        lang or prompt.locale,
        survey.question,
        site.default_locale,
        keys=texts.PAGE_SURFACE,
        survey_texts=survey.texts,
        site_texts=site.texts,
    )
    asked = lang is not None and texts.complete(lang, texts.PAGE_SURFACE, survey.texts, site.texts)
    return _Link(prompt, site, survey, locale, lang if asked else locale)


def _insert_link_response(db: Session, link: _Link, score: int, now: datetime) -> Response | None:
    """The new answer; ``None`` when another click stored a different score an instant ago (a
    scanner's burst, which the caller undoes)."""
    prompt_id = link.prompt.id
    response = answers.new_response(link.prompt, link.survey, keys.new_id("rsp"), score, now)
    response.locale = link.locale
    try:
        db.add(response)
        db.flush()
        answers.mark_answered(link.prompt, now)
        outbox.record(db, "response.created", response.site_id, response.id, now=now)
        db.commit()
    except IntegrityError:
        # Another click got there first; from here on this is a repeated click.
        db.rollback()
        response = _response_of(db, prompt_id)
        if response is None:
            raise
        if response.score != score and answers.open_for_comment(response, now):
            if _scanner_burst(response, now):
                return None  # the caller undoes it
            answers.rescore(response, link.survey, score)
            response.updated_at = now
            outbox.record(db, "response.updated", response.site_id, response.id, now=now)
    return response


def _with_reasons(db: Session, shown: LinkPage) -> LinkPage:
    if shown.response is not None:
        shown.reasons = reasoning.reasons_of(db, [shown.response.id])[shown.response.id]
    return shown


#: Different one-click scores this close together are a mail scanner, not a person.
SCANNER_WINDOW = timedelta(seconds=2)


def _scanning(prompt: Prompt, now: datetime) -> bool:
    return prompt.scanned_at is not None and now - prompt.scanned_at < SCANNER_WINDOW


def _scanner_burst(response: Response, now: datetime) -> bool:
    """Whether another score now, for this answer, is part of a scanner's burst: the answer is a
    one-click of less than :data:`SCANNER_WINDOW` ago, without a comment."""
    return response.comment is None and now - response.created_at < SCANNER_WINDOW


def _scanned(db: Session, link: _Link, response: Response | None, now: datetime) -> LinkPage:
    """Undo the burst's answer (with its events not yet sent) and reopen the prompt; the link
    stays marked as scanned while the burst goes on."""
    prompt = db.get(Prompt, link.prompt.id, populate_existing=True)
    response = _response_of(db, prompt.id) if response is None else response
    if response is not None:
        db.execute(
            delete(OutboxEvent).where(
                OutboxEvent.subject_id == response.id, OutboxEvent.dispatched_at.is_(None)
            )
        )
        db.execute(delete(Response).where(Response.id == response.id))
    if prompt.status == "answered":
        prompt.status = "shown"
        prompt.answered_at = None
    prompt.scanned_at = now
    db.commit()
    return link.page("ask")


def _response_of(db: Session, prompt_id: str) -> Response | None:
    return db.scalar(select(Response).where(Response.prompt_id == prompt_id))


def _parse_score(survey: Survey, raw: str) -> int | None:
    scale = Scale.of(survey.kind, survey.scale_min, survey.scale_max)
    low, high = scale.min, scale.max
    if not re.fullmatch(r"-?[0-9]{1,2}", raw.strip()):
        return None
    score = int(raw)
    return score if low <= score <= high else None
