"""Storage model (DESIGN §2). Times are stored in UTC and come back timezone-aware."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on both databases (SQLite keeps naive text, PostgreSQL timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType, list[Any]: JSONType}


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    secret_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    secret_key_hint: Mapped[str] = mapped_column(String(16))
    # Needed in clear to verify HMACs of user ids; it never leaves the server except on creation
    # and on rotation (like Intercom's identity verification secret).
    identity_secret: Mapped[str] = mapped_column(String(128))
    allowed_origins: Mapped[list[Any]] = mapped_column(default=list)
    default_locale: Mapped[str] = mapped_column(String(16), default="en")
    theme: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cooldown_days: Mapped[int] = mapped_column(Integer, default=7)
    require_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    retention_days: Mapped[int | None] = mapped_column(Integer)
    # Built-in strings the team changed or added, per locale (DESIGN §13 `texts`): the defaults
    # of every survey of the site.
    texts: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Changed only through collector.services.segments, which fills their counts.
    segment_rows: Mapped[list[SiteSegment]] = relationship(
        order_by="SiteSegment.name", viewonly=True, lazy="select"
    )

    @property
    def segments(self) -> list[str]:
        """The user traits whose answers are counted per day as they are written."""
        return [row.name for row in self.segment_rows]


class SiteSegment(Base):
    """A user trait a site declared as a segment: ``group_by=trait:<name>`` reads its daily
    counts (:class:`SegmentCount`) instead of every answer's traits."""

    __tablename__ = "site_segments"

    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # While the answers stored before the declaration are counted (collector.services.segments):
    # the declaration's instant, and how far the count has come. Both None once counted.
    counting_from: Mapped[datetime | None]
    counted_below: Mapped[datetime | None]


class SegmentCount(Base):
    """How many answers of a survey, on one UTC day, had this value of a segment trait and this
    score. Kept by triggers on ``responses`` (every insert, score or trait change and delete, in
    the writer's transaction) and filled for the past when the segment is declared.

    ``shape`` is ``text`` (``value`` holds the trait as ``group_by=trait:`` shows it), ``none``
    (the trait is missing or null) or ``long`` (longer than 200 characters: not kept here, so a
    period with any is recounted from the answers)."""

    __tablename__ = "segment_counts"

    survey_id: Mapped[str] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    segment: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    shape: Mapped[str] = mapped_column(String(4), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    score: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class ScoreCount(Base):
    """How many answers of a survey had this score in one UTC hour (``hour``: whole hours since
    the Unix epoch). Kept by triggers on ``responses`` (every insert, change of score, time,
    survey or event, and delete, in the writer's transaction): a series adds these up, in any
    time zone whose midnights fall on the hour, instead of counting the period's answers."""

    __tablename__ = "score_counts"

    survey_id: Mapped[str] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    # (survey, score, hour): a series reads one range of hours per scale point.
    score: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class EventCount(Base):
    """How many answers of a survey had this event (``''``: none) and score on one UTC day, kept
    by the same triggers as :class:`ScoreCount`; ``group_by=event`` adds these up."""

    __tablename__ = "event_counts"

    survey_id: Mapped[str] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    event: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class FunnelDay(Base):
    """A settled UTC day's unanswered prompts of a survey, as the metrics funnel counts them:
    still shown, dismissed, and seen then left to expire. Filled for days older than a month by a
    periodic job; a write to any prompt of such a day deletes its row (triggers on ``prompts``),
    and that day is counted from the prompts again until the job fills it anew."""

    __tablename__ = "funnel_days"

    survey_id: Mapped[str] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    left_open: Mapped[int] = mapped_column(Integer)
    dismissed: Mapped[int] = mapped_column(Integer)
    seen_then_expired: Mapped[int] = mapped_column(Integer)


class LabelDay(Base):
    """A past UTC day of a survey whose answers per tag and per reason are in
    :class:`LabelDayCount`. Filled by a periodic job once the day has ended; a write to a label
    or an answer of that day deletes it and its counts (triggers), and the day is read from the
    answers again until the job fills it anew."""

    __tablename__ = "label_days"

    survey_id: Mapped[str] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class LabelDayCount(Base):
    """How many answers of a filled day had this tag (``kind`` ``tag``) or reason (``reason``)
    and this score; ``label`` ``''`` counts the answers with none of that kind."""

    __tablename__ = "label_day_counts"

    survey_id: Mapped[str] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    label: Mapped[str] = mapped_column(String(40), primary_key=True)
    score: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (Index(None, "site_id", "archived_at", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    question: Mapped[dict[str, Any]]
    followup: Mapped[dict[str, Any] | None]
    trigger_events: Mapped[list[Any]] = mapped_column(default=list)
    delay_ms: Mapped[int] = mapped_column(Integer, default=0)
    sample_rate: Mapped[float] = mapped_column(Float, default=1.0)
    targeting: Mapped[list[Any]] = mapped_column(default=list)
    recontact_days: Mapped[int] = mapped_column(Integer, default=90)
    dismiss_snooze_days: Mapped[int] = mapped_column(Integer, default=30)
    max_responses: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # The answer scale (DESIGN §13); None is the kind's default (see domain/scales.py).
    scale_min: Mapped[int | None] = mapped_column(Integer)
    scale_max: Mapped[int | None] = mapped_column(Integer)
    # Which bands open a follow-up, as "low,mid" (domain/followup.py); the others start as "none".
    followup_bands: Mapped[str] = mapped_column(String(16), default="low", server_default="low")
    # Wave 2 rules and texts (DESIGN §13): page rules [{op, value}], the running dates, the
    # follow-up per band {low|mid|high: {locale: text}}, reason choices {choices, multiple} and
    # built-in strings per locale; None where the survey has none.
    pages: Mapped[list[Any] | None]
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    followup_by_band: Mapped[dict[str, Any] | None]
    reasons: Mapped[dict[str, Any] | None]
    texts: Mapped[dict[str, Any] | None]
    # A recurring relationship survey (DESIGN §13 ``schedule``): the API's object as given, and
    # when it was set (the people's turns count from that day; domain/schedule.py).
    schedule: Mapped[dict[str, Any] | None]
    schedule_since: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("site_id", "user_id"), Index(None, "site_id", "email"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(200))  # host app's id, or "anon:<uuid>"
    traits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The person's address (DESIGN §12), lower case; imports match people by it.
    email: Mapped[str | None] = mapped_column(String(254))
    # What survey e-mail calls the person and in which language (DESIGN §12); set through
    # /v1/people or an import, never by the widget.
    name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Prompt(Base):
    __tablename__ = "prompts"
    __table_args__ = (
        # A user's history (eligibility), export and erasure.
        Index(None, "site_id", "user_id", "created_at"),
        Index(None, "survey_id", "created_at"),
        # The metrics funnel: one range seek per status, shown_at read from the index.
        Index(None, "survey_id", "status", "created_at", "shown_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(8))  # event | api
    channel: Mapped[str] = mapped_column(String(8), default="widget")  # widget | link
    status: Mapped[str] = mapped_column(String(12), default="pending")
    event: Mapped[str | None] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    traits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    locale: Mapped[str | None] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    shown_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    dismissed_at: Mapped[datetime | None]
    #: the last one-click of a mail scanner's burst on this link (link_page.take_score): clicks
    #: within ``SCANNER_WINDOW`` of it record nothing
    scanned_at: Mapped[datetime | None]


#: An answer with a comment, as the inbox's partial index and its queries both say it.
HAS_COMMENT = "comment IS NOT NULL AND comment <> ''"


class Response(Base):
    __tablename__ = "responses"
    __table_args__ = (
        Index(None, "survey_id", "created_at"),
        Index(None, "site_id", "created_at", "id"),
        Index(None, "site_id", "user_id"),
        # Metrics count index entries per (score, period) and (event, score, period) without
        # reading rows: see collector/services/results.py.
        Index(None, "survey_id", "score", "created_at"),
        Index(None, "survey_id", "event", "score", "created_at"),
        # An imported answer is stored once per (site, source, external id): re-running an
        # import adds nothing. Widget and link answers have no source (NULLs never collide).
        Index(None, "site_id", "source", "external_id", unique=True),
        # The dashboard's inbox: the newest answers with a comment, per survey (collector/dashboard
        # /inbox.py); only answers with a comment are in it, a third or so of them.
        Index(
            "ix_responses_commented",
            "survey_id",
            "created_at",
            "id",
            postgresql_where=text(HAS_COMMENT),
            sqlite_where=text(HAS_COMMENT),
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the browser's response_id
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    # One response per prompt, enforced by the database, whatever the callers race.
    prompt_id: Mapped[str] = mapped_column(
        ForeignKey("prompts.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[str] = mapped_column(String(200))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)
    event: Mapped[str | None] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    traits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    followup_status: Mapped[str] = mapped_column(String(12), default="open")
    followup_owner: Mapped[str | None] = mapped_column(String(200))
    followup_note: Mapped[str | None] = mapped_column(Text)
    # Where an imported answer came from: "api", "delighted", "csv" …, its id there and a
    # reference (Delighted's permalink).
    source: Mapped[str | None] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(200))
    source_ref: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ResponseTag(Base):
    """A tag on a response (DESIGN §13): lower case, 1–40 characters, at most 20 per response.

    Its survey and site are copied in so that ``?tag=`` and ``group_by=tag`` are index seeks.
    """

    __tablename__ = "response_tags"
    __table_args__ = (Index(None, "survey_id", "tag"), Index(None, "site_id", "tag"))

    response_id: Mapped[str] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))


class ResponseReason(Base):
    """A reason chip chosen with an answer (DESIGN §13 `reasons`): the choice's id.

    Its survey and site are copied in, as for tags, so that ``group_by=reason`` is an index seek.
    """

    __tablename__ = "response_reasons"
    __table_args__ = (Index(None, "survey_id", "reason"),)

    response_id: Mapped[str] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))


class FollowupChange(Base):
    """Every change of a response's follow-up, kept with its time (close the loop)."""

    __tablename__ = "followup_changes"
    __table_args__ = (Index(None, "response_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    response_id: Mapped[str] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12))
    owner: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Account(Base):
    """A dashboard login. Which sites it sees, and its role on each, are its memberships."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The site the account was first made for; what it may see and do is in ``Membership``.
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Part of every session's fingerprint: logging out bumps it, so copies of the cookie die too.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


# -- alerts and digests (DESIGN §11) -------------------------------------------------------------


class AlertRule(Base):
    """Where a site's matching answers are announced: a Slack channel or e-mail addresses."""

    __tablename__ = "alert_rules"
    __table_args__ = (Index(None, "site_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))  # slack | email
    # A Slack incoming-webhook URL (a credential, kept to post to it) or e-mail addresses.
    target: Mapped[str] = mapped_column(Text)
    filter: Mapped[dict[str, Any]] = mapped_column(default=dict)
    digest: Mapped[str | None] = mapped_column(String(8))  # None (instant) | daily | weekly
    # A digest alert's next message covers the matching answers from here on.
    digest_since: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AlertSend(Base):
    """One alert about one response: the unique pair is what makes a second send impossible."""

    __tablename__ = "alert_sends"
    __table_args__ = (UniqueConstraint("alert_id", "response_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    response_id: Mapped[str] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    # sending | retry | sent | failed
    status: Mapped[str] = mapped_column(String(12), default="sending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    #: while ``sending``: until when the worker that claimed it is taken to be at it; a send
    #: still ``sending`` after that was interrupted (the worker died) and the sweep takes it up
    leased_until: Mapped[datetime | None]


class AccountDigest(Base):
    """A dashboard account's opt-in to the daily or weekly e-mail digest, in its own time zone."""

    __tablename__ = "account_digests"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    frequency: Mapped[str] = mapped_column(String(8))  # daily | weekly
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # 0 = Monday (weekly only)
    hour: Mapped[int] = mapped_column(Integer, default=8)  # local hour, 0–23
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    # End of the last period sent: the next digest covers what came after it, never twice.
    last_period_end: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# -- the team: memberships, invites, audit trail, saved views -------------------------------------


class Membership(Base):
    """One account's role on one site: ``admin`` (settings, keys, team), ``editor`` (surveys,
    follow-up) or ``viewer`` (reads)."""

    __tablename__ = "memberships"
    __table_args__ = (Index(None, "site_id", "role"),)

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invite(Base):
    """An invitation by e-mail to join sites with a role; its link works once, until it expires."""

    __tablename__ = "invites"
    __table_args__ = (Index(None, "site_id", "accepted_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(8))
    invited_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Who changed a site's settings, keys or team, what, and when."""

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "site_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    actor: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedView(Base):
    """A named set of the Responses page's filters, one account's own, per site."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("account_id", "site_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Suppression(Base):
    """An address of a site that survey e-mail never goes to again (DESIGN §12): the person
    unsubscribed, the address bounced, its owner complained, or the team added it by hand.

    One row per (site, address), the address in lower case; it outlives the person's erasure,
    since it is what keeps the address from being mailed again."""

    __tablename__ = "suppressions"
    __table_args__ = (
        UniqueConstraint("site_id", "email"),
        Index(None, "site_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # sup_…
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(12))  # unsubscribed | bounced | complained | manual
    #: what the provider or the mail server said, or the team's note
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyAsk(Base):
    """One turn of a scheduled survey for one person: the prompt it opened, and its e-mail.

    Unique on (survey, person, turn) and written in the prompt's transaction: however many
    workers run the schedule, and wherever one is killed, a person is asked once per turn.
    ``mail_status``: ``waiting`` (a ``widget_then_email`` prompt waits in the app until
    ``mail_after``), ``queued`` (handed to the survey mailer at ``mail_after``; its
    ``survey_mails`` row says how the mail went), ``in_app`` (the person saw it in the app: no
    mail), ``no_email``. ``reminder_status``: none, ``waiting`` (until ``remind_after``),
    ``queued`` or ``skipped``. ``leased_until``: when a hand-over without a ``survey_mails`` row
    is taken to be lost and made again."""

    __tablename__ = "survey_asks"
    __table_args__ = (
        UniqueConstraint("survey_id", "user_id", "turn"),
        Index(None, "survey_id", "created_at"),
        # The sends still to make: waiting, queued, interrupted, reminders due.
        Index(None, "mail_status", "mail_after"),
        Index(None, "reminder_status", "remind_after"),
        Index(None, "prompt_id"),  # the link page marks its ask opened
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(200))
    turn: Mapped[int] = mapped_column(Integer)
    prompt_id: Mapped[str] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))  # email | widget_then_email
    #: the address the mail went (or goes) to, for bounces and unsubscribes per turn
    email: Mapped[str | None] = mapped_column(String(254))
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    mail_status: Mapped[str] = mapped_column(String(12))
    mail_after: Mapped[datetime | None]
    leased_until: Mapped[datetime | None]
    remind_after: Mapped[datetime | None]
    reminder_status: Mapped[str | None] = mapped_column(String(12))
    #: when the person first followed the mail's link
    opened_at: Mapped[datetime | None]


class SurveyMail(Base):
    """One survey e-mail of a link prompt (DESIGN §12): to whom, how it went, and its tries.

    ``kind`` is ``ask`` (the first message) or ``reminder``; one of each per prompt, which is what
    makes a second send of the same message impossible. ``status``: ``sending`` (a worker holds it
    until ``leased_until``), ``retry`` (the server put it off), ``sent``, ``bounced`` (refused
    for good: the address is suppressed), ``suppressed`` or ``no_address`` (nothing sent),
    ``failed`` (temporary failures until the retries ran out)."""

    __tablename__ = "survey_mails"
    __table_args__ = (
        UniqueConstraint("prompt_id", "kind"),
        Index(None, "site_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prompt_id: Mapped[str] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8), default="ask")
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(12), default="sending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    leased_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


# -- outbox (DESIGN §10) -------------------------------------------------------------------------


class OutboxEvent(Base):
    """A change that must reach the outside, written in the transaction that made it.

    ``data`` (the API's own object) is filled in when the event is dispatched and kept from then
    on, so that every delivery and replay of one event carries the same body.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # The sweep: events not dispatched whose last enqueue is old.
        Index(None, "dispatched_at", "enqueued_at"),
        Index(None, "site_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # evt_…
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(
        String(64)
    )  # the response (or suppression) the event is about
    data: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when delivery was last put on the queue (the commit itself counts as the first time)
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]


# -- webhooks (DESIGN §11) -----------------------------------------------------------------------


class WebhookEndpoint(Base):
    """Where a site's events are POSTed, signed (Standard Webhooks).

    The signing secret is not stored: it is derived from the collector's secret key and a random
    ``secret_salt`` (HMAC), so a copy of the database alone cannot sign. ``secret_key_id`` names
    the key it was derived with (a fingerprint), so that it keeps working while that key is one
    of ``FIILIS_SECRET_KEY_FALLBACKS``. After a rotation the previous secret also signs until
    ``previous_until``.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index(None, "site_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # whk_…
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(String(200))
    events: Mapped[list[Any]] = mapped_column(default=list)
    filter: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: why the collector turned it off: ``gone`` (410), ``failing`` (3 days); none when by hand
    disabled_reason: Mapped[str | None] = mapped_column(String(16))
    secret_salt: Mapped[str] = mapped_column(String(64))
    secret_key_id: Mapped[str] = mapped_column(String(16))
    previous_salt: Mapped[str | None] = mapped_column(String(64))
    previous_key_id: Mapped[str | None] = mapped_column(String(16))
    previous_until: Mapped[datetime | None]
    #: first failure since the last success; three days of it turn the endpoint off
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookDelivery(Base):
    """One event for one endpoint: its tries, their outcome, and when the next one is due."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index(None, "endpoint_id", "created_at", "id"),
        # The sweep: pending deliveries whose try is overdue.
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # dlv_…
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|succeeded|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: tries before the current round (a replay starts a new round of the schedule)
    round_start: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    #: a worker sending it now holds it until then (another enqueue of it waits)
    leased_until: Mapped[datetime | None]
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_ms: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    #: the last tries, newest last: ``[{at, status, ms, error}]``
    log: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None]


# -- the monthly review and its actions (issue 23) -------------------------------------------------


class Review(Base):
    """A team's look at a period of feedback: what they saw, who was there, when they meet next.

    ``since`` is the period's first day and ``until`` the day after its last (UTC days), like the
    API's periods. ``due_mailed_for`` is the ``next_review_on`` the "review due" mail was sent for,
    so the mail goes once per date, and again when the date is moved.
    """

    __tablename__ = "reviews"
    __table_args__ = (Index(None, "site_id", "created_at"), Index(None, "next_review_on"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # rev_…
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)
    attendees: Mapped[list[Any]] = mapped_column(default=list)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    due_mailed_for: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(254))  # an account's e-mail, or "api"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Action(Base):
    """One thing a review decided to do: what, who, by when, and which survey and answers led to
    it. ``done_at`` is set when it is marked done (and cleared if it is opened again);
    ``reminded_for`` is the due date the owner's reminder was sent for (one reminder per date)."""

    __tablename__ = "actions"
    __table_args__ = (
        Index(None, "site_id", "created_at"),
        Index(None, "status", "due_on"),
        Index(None, "review_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # act_…
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    review_id: Mapped[str | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | done | dropped
    done_at: Mapped[datetime | None]
    survey_id: Mapped[str | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"))
    response_ids: Mapped[list[Any]] = mapped_column(default=list)
    reminded_for: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WidgetSighting(Base):
    """Widget calls seen for a site, per origin: the answered ones (``kind`` "call") and the
    refused ones (``kind`` "refusal", with the error code as ``reason``). Written at most once a
    minute per origin and reason by each process (``services.sightings``), for the Install page."""

    __tablename__ = "widget_sightings"

    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    origin: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # call | refusal
    reason: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" for a call
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportJob(Base):
    """An import started on the dashboard's Import page and run on the worker: what it was asked
    to do (the uploaded file, the survey, the page's ``options``), how far it got (counts written
    after every batch) and how it ended (``report``, or ``message`` when it failed)."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index(None, "site_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    survey_id: Mapped[str | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(String(1000))
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # queued | running | done | failed
    status: Mapped[str] = mapped_column(String(8), default="queued")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any] | None]
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
