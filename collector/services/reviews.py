"""Reviews and actions (issue 23): what the API and the dashboard call.

Each public function takes the site and plain values, is one transaction, and raises a
``Problem`` (``NotFound`` for another site's objects, also when an action names another site's
review, survey, answer or person). An action's owner is a member of the site's team, named by
e-mail in the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collector import pagination
from collector.domain import comparison, keys
from collector.domain.problems import Invalid, NotFound
from collector.models import Account, Action, Membership, Response, Review, Site, Survey, utcnow
from collector.services import metrics, results, surveys

STATUSES = ("open", "done", "dropped")
#: An action links at most this many answers (the ones that led to it, not a whole export).
MAX_RESPONSES = 50


# -- reviews -------------------------------------------------------------------------------------


def _check_period(since: date, until: date) -> None:
    if since >= until:
        raise Invalid(
            "validation_failed",
            "until: the period must end after it starts (until is the day after its last day).",
            param="until",
        )


def _new_review(site: Site, data: dict, actor: str, now) -> Review:
    return Review(
        id=keys.new_id("rev"),
        site_id=site.id,
        since=data["since"],
        until=data["until"],
        summary=data.get("summary"),
        attendees=list(data.get("attendees") or []),
        next_review_on=data.get("next_review_on"),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )


def create_review(db: Session, site: Site, data: dict, *, actor: str = "api") -> Review:
    _check_period(data["since"], data["until"])
    now = utcnow()
    review = _new_review(site, data, actor, now)
    db.add(review)
    db.commit()
    return review


def list_reviews(db: Session, site: Site, *, limit: int, cursor: str | None):
    stmt = select(Review).where(Review.site_id == site.id)
    return pagination.page(db, stmt, Review, limit=limit, cursor=cursor)


def get_review(db: Session, site: Site, review_id: str, param: str = "id") -> Review:
    review = db.get(Review, review_id)
    if review is None or review.site_id != site.id:
        raise NotFound("review", param)
    return review


def latest_review(db: Session, site: Site) -> Review | None:
    """The review made last (the one whose next date is the team's next meeting)."""
    stmt = (
        select(Review)
        .where(Review.site_id == site.id)
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(1)
    )
    return db.scalar(stmt)


def update_review(db: Session, site: Site, review_id: str, changes: dict) -> Review:
    review = get_review(db, site, review_id)
    _check_period(changes.get("since", review.since), changes.get("until", review.until))
    for name in ("since", "until", "summary", "attendees", "next_review_on"):
        if name in changes:
            value = changes[name]
            setattr(review, name, list(value or []) if name == "attendees" else value)
    review.updated_at = utcnow()
    db.commit()
    return review


# -- actions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionView:
    """An action as the API shows it: the row plus its owner's e-mail."""

    action: Action
    owner: str | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.action, name)


def team(db: Session, site: Site) -> list[tuple[int, str]]:
    """The site's members as ``(account id, e-mail)``, by e-mail: who may own an action."""
    stmt = (
        select(Account.id, Account.email)
        .join(Membership, Membership.account_id == Account.id)
        .where(Membership.site_id == site.id)
        .order_by(Account.email)
    )
    return [(row.id, row.email) for row in db.execute(stmt)]


def member_id(db: Session, site: Site, email: str, param: str = "owner") -> int:
    stmt = (
        select(Account.id)
        .join(Membership, Membership.account_id == Account.id)
        .where(Membership.site_id == site.id, func.lower(Account.email) == email.strip().lower())
    )
    account_id = db.scalar(stmt)
    if account_id is None:
        raise NotFound("member of this site's team", param=param)
    return account_id


def _emails(db: Session, account_ids: set[int]) -> dict[int, str]:
    if not account_ids:
        return {}
    stmt = select(Account.id, Account.email).where(Account.id.in_(account_ids))
    return dict(db.execute(stmt).all())


def views(db: Session, actions: list[Action]) -> list[ActionView]:
    emails = _emails(db, {a.owner_id for a in actions if a.owner_id is not None})
    return [ActionView(a, emails.get(a.owner_id)) for a in actions]


def _links(db: Session, site: Site, data: dict) -> dict:
    """The action's fields as stored, with the review, survey, owner and answers checked to be
    this site's."""
    out: dict[str, Any] = {}
    for name in ("title", "due_on", "status"):
        if name in data:
            out[name] = data[name]
    if "review_id" in data:
        review_id = data["review_id"]
        out["review_id"] = get_review(db, site, review_id, "review").id if review_id else None
    if "survey_id" in data:
        survey_id = data["survey_id"]
        if survey_id is not None:
            surveys.get(db, site, survey_id, "survey")
        out["survey_id"] = survey_id
    if "owner" in data:
        out["owner_id"] = member_id(db, site, data["owner"]) if data["owner"] else None
    if "owner_id" in data:
        out["owner_id"] = data["owner_id"]
    if "response_ids" in data:
        out["response_ids"] = _responses(db, site, data["response_ids"] or [])
    return out


def _responses(db: Session, site: Site, response_ids: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(keys.canonical_response_id(r) for r in response_ids))
    if len(wanted) > MAX_RESPONSES:
        raise Invalid(
            "validation_failed",
            f"response_ids: at most {MAX_RESPONSES} answers.",
            param="response_ids",
        )
    if wanted:
        found = set(
            db.scalars(
                select(Response.id).where(Response.id.in_(wanted), Response.site_id == site.id)
            )
        )
        if len(found) != len(wanted):
            raise NotFound("response", "response_ids")
    return wanted


def _set_status(action: Action, status: str, now: datetime) -> None:
    if status == action.status:
        return
    action.status = status
    action.done_at = now if status == "done" else None


def create_action(db: Session, site: Site, data: dict, *, actor: str = "api") -> ActionView:
    fields = _links(db, site, data)
    now = utcnow()
    action = Action(
        id=keys.new_id("act"),
        site_id=site.id,
        review_id=fields.get("review_id"),
        title=fields["title"],
        owner_id=fields.get("owner_id"),
        due_on=fields["due_on"],
        status="open",
        survey_id=fields.get("survey_id"),
        response_ids=fields.get("response_ids", []),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _set_status(action, fields.get("status", "open"), now)
    db.add(action)
    db.commit()
    return views(db, [action])[0]


def _owned(db: Session, site: Site, action_id: str, *, lock: bool = False) -> Action:
    action = db.get(Action, action_id, with_for_update=lock)
    if action is None or action.site_id != site.id:
        raise NotFound("action", "id")
    return action


def get_action(db: Session, site: Site, action_id: str) -> ActionView:
    return views(db, [_owned(db, site, action_id)])[0]


def update_action(db: Session, site: Site, action_id: str, changes: dict) -> ActionView:
    """Change the given fields; marking an action done records when (``done_at``), opening or
    dropping it again clears that."""
    action = _owned(db, site, action_id, lock=True)
    fields = _links(db, site, changes)
    now = utcnow()
    if "status" in fields:
        _set_status(action, fields.pop("status"), now)
    for name, value in fields.items():
        setattr(action, name, value)
    action.updated_at = now
    db.commit()
    return views(db, [action])[0]


def list_actions(
    db: Session, site: Site, filters: dict, *, limit: int, cursor: str | None
) -> tuple[list[ActionView], bool]:
    """A page of the site's actions, newest first: ``status``, ``review``, ``survey``, ``owner``
    (an e-mail) narrow it; naming another site's review, survey or person is 404."""
    stmt = _filtered(db, site, filters)
    items, more = pagination.page(db, stmt, Action, limit=limit, cursor=cursor)
    return views(db, items), more


def _filtered(db: Session, site: Site, filters: dict):
    stmt = select(Action).where(Action.site_id == site.id)
    if filters.get("status"):
        stmt = stmt.where(Action.status == filters["status"])
    if filters.get("review"):
        stmt = stmt.where(Action.review_id == get_review(db, site, filters["review"], "review").id)
    if filters.get("survey"):
        survey = surveys.get(db, site, filters["survey"], "survey")
        stmt = stmt.where(Action.survey_id == survey.id)
    if filters.get("owner"):
        stmt = stmt.where(Action.owner_id == member_id(db, site, filters["owner"]))
    return stmt


def all_actions(db: Session, site: Site, filters: dict) -> list[ActionView]:
    """Every action passing ``filters`` (the dashboard's lists), open ones by due date first."""
    stmt = _filtered(db, site, filters).order_by(
        (Action.status != "open"), Action.due_on, Action.created_at
    )
    return views(db, list(db.scalars(stmt)))


def done_between(db: Session, site: Site, start: datetime, end: datetime) -> list[ActionView]:
    """Actions marked done before ``end`` that have a survey (what a review shows next to the
    survey's score), the ones done after ``start`` first."""
    stmt = (
        select(Action)
        .where(
            Action.site_id == site.id,
            Action.status == "done",
            Action.done_at < end,
            Action.done_at >= start,
        )
        .order_by(Action.done_at)
    )
    return views(db, list(db.scalars(stmt)))


def record_review(
    db: Session, site: Site, data: dict, items: list[dict], *, actor: str
) -> tuple[Review, list[ActionView]]:
    """A review and its actions (the dashboard's form), in one transaction: all or nothing."""
    _check_period(data["since"], data["until"])
    checked = [_links(db, site, item) for item in items]
    now = utcnow()
    review = _new_review(site, data, actor, now)
    db.add(review)
    db.flush()  # the actions refer to it (no ORM relationship orders the inserts)
    made = []
    for fields in checked:
        action = Action(
            id=keys.new_id("act"),
            site_id=site.id,
            review_id=review.id,
            title=fields["title"],
            owner_id=fields.get("owner_id"),
            due_on=fields["due_on"],
            status="open",
            survey_id=fields.get("survey_id"),
            response_ids=fields.get("response_ids", []),
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        db.add(action)
        made.append(action)
    db.commit()
    return review, views(db, made)


# -- how scores moved ----------------------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def change(
    db: Session,
    survey: Survey,
    before: tuple[datetime, datetime],
    after: tuple[datetime, datetime],
) -> comparison.Comparison:
    """The survey's score in ``after`` against ``before`` (each ``[start, end)``), counted in SQL."""
    scale = results.scale_of(survey)
    first = metrics.distribution(db, survey, *before)
    second = metrics.distribution(db, survey, *after)
    return comparison.compare(survey.kind, first, second, scale)


def period_change(db: Session, survey: Survey, since: date, until: date) -> comparison.Comparison:
    """``[since, until)`` (days) against the period of the same length just before it."""
    length = until - since
    return change(
        db,
        survey,
        (_midnight(since - length), _midnight(since)),
        (_midnight(since), _midnight(until)),
    )


def since_done(
    db: Session, survey: Survey, done_at: datetime, before: timedelta, now: datetime
) -> comparison.Comparison:
    """Everything answered since an action was done against the ``before`` that preceded it."""
    return change(db, survey, (done_at - before, done_at), (done_at, max(now, done_at)))


@dataclass(frozen=True)
class TagMove:
    """How the share of a period's answers carrying ``tag`` moved (percentage points)."""

    tag: str
    before: int
    after: int
    change: comparison.Change


def tags_moved(
    db: Session, survey: Survey, since: date, until: date, *, limit: int = 5
) -> list[TagMove]:
    """The tags whose share of the survey's answers moved most between the period before
    ``[since, until)`` and it: the ones beyond chance first, then by the size of the move."""
    length = until - since
    spans = [(since - length, since), (since, until)]
    counted = []
    for first, last in spans:
        start, end = _midnight(first), _midnight(last)
        n = sum(metrics.distribution(db, survey, start, end).values())
        tags = {
            tag: sum(points.values())
            for tag, points in metrics.tag_counts(db, survey, start, end).items()
            if tag is not None
        }
        counted.append((n, tags))
    (n1, before), (n2, after) = counted
    moves = [
        TagMove(
            tag,
            before.get(tag, 0),
            after.get(tag, 0),
            comparison.share_difference(before.get(tag, 0), n1, after.get(tag, 0), n2),
        )
        for tag in sorted(set(before) | set(after))
    ]
    moves = [m for m in moves if m.change.difference is not None]
    moves.sort(
        key=lambda m: (m.change.verdict != comparison.BEYOND_CHANCE, -abs(m.change.difference))
    )
    return moves[:limit]


def reasons_moved(
    db: Session, survey: Survey, since: date, until: date, *, limit: int = 5
) -> comparison.ReasonsMoved:
    """The reasons whose share or score moved most between the period before ``[since, until)``
    and it (``comparison.reasons_moved``), counted in SQL."""
    length = until - since
    counted = []
    for first, last in [(since - length, since), (since, until)]:
        start, end = _midnight(first), _midnight(last)
        n = sum(metrics.distribution(db, survey, start, end).values())
        counted.append((n, metrics.reason_counts(db, survey, start, end)))
    (n1, before), (n2, after) = counted
    return comparison.reasons_moved(
        survey.kind, before, after, n1, n2, results.scale_of(survey), limit=limit
    )


def forget_responses(db: Session, site: Site, response_ids: list[str]) -> None:
    """Erased answers leave the actions that linked them, in the erasure's transaction."""
    gone = set(response_ids)
    if not gone:
        return
    linked = select(Action).where(Action.site_id == site.id)
    for action in db.scalars(linked):
        if gone & set(action.response_ids or []):
            action.response_ids = [r for r in action.response_ids if r not in gone]


def forget_missing_responses(db: Session, site: Site) -> None:
    """After a purge: the actions keep only the answers that still exist (a site has few
    actions, so each linked list is checked, not the answers purged)."""
    for action in db.scalars(select(Action).where(Action.site_id == site.id)):
        if not action.response_ids:
            continue
        found = set(db.scalars(select(Response.id).where(Response.id.in_(action.response_ids))))
        if len(found) != len(action.response_ids):
            action.response_ids = [r for r in action.response_ids if r in found]
