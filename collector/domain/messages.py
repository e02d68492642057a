"""What alerts and digests say (DESIGN §11): the Slack Block Kit message and the e-mails' text
and HTML parts, from plain values.

The caller formats the numbers (the dashboard's own formatting, so a score reads the same
everywhere) and gives the links; nothing here reads a database or sends anything. E-mail parts
come from the Jinja templates in ``collector/templates/mail/``: tables and inline styles, no
remote images, so they read the same in every mail client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

# Traits a team recognises a customer by, shown first when present.
KNOWN_TRAITS = ("name", "email", "company", "plan", "role", "country", "seats", "mrr")
MAX_TRAITS = 6
MAX_TRAIT_TEXT = 80
# Slack's limits: header text 150 characters, a section's text 3000, a field's 2000.
_SLACK_HEADER = 150
_SLACK_TEXT = 3000
_SLACK_FIELD = 2000

_env = Environment(
    loader=PackageLoader("collector", "templates/mail"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Answer:
    """One answer as an alert or digest shows it."""

    response_id: str
    survey: str  # the survey's name
    kind: str
    score: int
    scale: tuple[int, int]
    band: str  # "Detractor", "Dissatisfied", …
    band_key: str  # low | mid | high
    comment: str | None
    user_id: str
    page: str | None
    traits: Mapping[str, Any]
    when: str  # the answer's time, formatted for the reader
    link: str  # the response in the dashboard

    @property
    def score_text(self) -> str:
        return f"{self.score} / {self.scale[1]}"

    @property
    def who(self) -> str:
        return "an anonymous visitor" if self.user_id.startswith("anon:") else self.user_id


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def notable_traits(traits: Mapping[str, Any], limit: int = MAX_TRAITS) -> list[tuple[str, str]]:
    """The traits worth a line in an alert: the known ones first, then the rest by name; only
    short scalar values (a JSON blob helps nobody in a chat message)."""

    def shown(value: Any) -> str | None:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, str | int | float):
            text = str(value).strip()
            return text if text and len(text) <= MAX_TRAIT_TEXT else None
        return None

    known = [k for k in KNOWN_TRAITS if k in traits]
    rest = sorted(k for k in traits if k not in KNOWN_TRAITS)
    out = []
    for key in known + rest:
        text = shown(traits[key])
        if text is not None:
            out.append((key, text))
        if len(out) == limit:
            break
    return out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _slack_link(url: str, label: str) -> str:
    """A mrkdwn link; ``<``, ``>`` and ``&`` escaped as Slack asks, ``|`` cannot appear in it."""

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    return f"<{esc(url)}|{esc(label).replace('|', '¦')}>"


def slack_message(answer: Answer, *, site: str) -> dict:
    """One Block Kit message for one answer: score and band, comment, survey, user, page,
    traits, a button to the response. Text that came from a visitor (comment, traits, user id)
    is ``plain_text``, so it can neither format nor ``@channel`` anyone."""
    headline = f"{answer.score_text} · {answer.band} · {answer.survey}"
    fields = [
        {"type": "plain_text", "text": _clip(f"Survey: {answer.survey}", _SLACK_FIELD)},
        {"type": "plain_text", "text": _clip(f"User: {answer.who}", _SLACK_FIELD)},
    ]
    if answer.page and answer.page.startswith(("https://", "http://")):
        fields.append(
            {"type": "mrkdwn", "text": "*Page*\n" + _slack_link(answer.page, answer.page)}
        )
    for key, value in notable_traits(answer.traits, limit=10 - len(fields)):
        fields.append({"type": "plain_text", "text": _clip(f"{key}: {value}", _SLACK_FIELD)})
    comment = answer.comment.strip() if answer.comment else ""
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(headline, _SLACK_HEADER)}},
        {
            "type": "section",
            "text": {
                "type": "plain_text",
                "text": _clip(f"“{comment}”", _SLACK_TEXT) if comment else "No comment.",
                "emoji": False,
            },
        },
        {"type": "section", "fields": fields},
        {
            "type": "context",
            "elements": [{"type": "plain_text", "text": _clip(f"{site} · {answer.when}", 2000)}],
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Open the response"},
                    "url": answer.link,
                }
            ],
        },
    ]
    # ``text`` is what notifications and screen readers show.
    summary = f"{headline}: {_clip(comment, 200)}" if comment else headline
    return {"text": summary, "blocks": blocks}


def _render(name: str, **context: Any) -> str:
    return _env.get_template(name).render(**context)


def alert_email(answer: Answer, *, site: str, manage_link: str) -> Email:
    """The e-mail of an instant alert: one answer, in a text and an HTML part."""
    context = {
        "a": answer,
        "site": site,
        "traits": notable_traits(answer.traits),
        "manage_link": manage_link,
        "colour": BAND_COLOURS[answer.band_key],
    }
    subject = f"{answer.band} {answer.score_text} on {answer.survey}"
    if answer.comment and answer.comment.strip():
        subject += f": “{_clip(' '.join(answer.comment.split()), 60)}”"
    return Email(
        subject=subject,
        text=_render("alert.txt", **context),
        html=_render("alert.html", **context),
    )


# Band colours with at least 4.5:1 contrast against white text.
BAND_COLOURS = {"low": "#b42318", "mid": "#8a5a00", "high": "#067647"}


@dataclass(frozen=True)
class SurveyFigures:
    """A survey's numbers for one digest period, formatted by the caller."""

    name: str
    score: str
    interval: str
    change: str  # "+4.0 since the previous week", "no answers in the previous week", …
    n: int
    response_rate: str
    low_n: bool


@dataclass(frozen=True)
class Followup:
    link: str
    survey: str
    score_text: str
    band: str
    status: str
    comment: str | None
    note: str | None


@dataclass(frozen=True)
class Digest:
    """Everything one account's digest says, for one period."""

    site: str
    account: str
    frequency: str  # daily | weekly
    period: str  # "Mon 23 Nov – Sun 29 Nov 2026 (Europe/Helsinki)"
    surveys: list[SurveyFigures]
    low_comments: list[Answer]
    more_low_comments: int
    followups: list[Followup]
    dashboard_link: str
    settings_link: str
    previous: str = field(default="previous period")


def digest_email(digest: Digest | list[Digest]) -> Email:
    """The daily or weekly digest: each survey's figures, new low-score comments, follow-ups;
    one section per site for an account on several (one e-mail, not one per site)."""
    sections = [digest] if isinstance(digest, Digest) else list(digest)
    first = sections[0]
    word = "Daily" if first.frequency == "daily" else "Weekly"
    names = [d.site for d in sections]
    sites = (
        names[0]
        if len(names) == 1
        else " and ".join(names)
        if len(names) == 2
        else f"{len(names)} sites"
    )
    context = {
        "d": first,
        "sections": sections,
        "sites": sites,
        "word": word,
        "colours": BAND_COLOURS,
    }
    return Email(
        subject=f"{word} feedback digest for {sites}: {first.period}",
        text=_render("digest.txt", **context),
        html=_render("digest.html", **context),
    )


#: A digest alert lists this many answers; the rest are counted, with a link to all of them.
MAX_DIGEST_ANSWERS = 20


def slack_digest(answers: list[Answer], *, site: str, title: str, more: int, link: str) -> dict:
    """A digest alert in Slack: one line per answer (score, band, survey, comment)."""
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(title, _SLACK_HEADER)}}
    ]
    for a in answers[:MAX_DIGEST_ANSWERS]:
        comment = " ".join((a.comment or "").split())
        line = f"{a.score_text} · {a.band} · {a.survey} · {a.who}"
        text = f"{line}\n“{_clip(comment, 500)}”" if comment else line
        blocks.append(
            {
                "type": "section",
                "text": {"type": "plain_text", "text": _clip(text, _SLACK_TEXT), "emoji": False},
                "accessory": {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Open"},
                    "url": a.link,
                },
            }
        )
    if not answers:
        blocks.append({"type": "section", "text": {"type": "plain_text", "text": "No answers."}})
    footer = f"{site} · … and {more} more" if more else site
    blocks.append({"type": "context", "elements": [{"type": "plain_text", "text": footer}]})
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "All answers"},
                    "url": link,
                }
            ],
        }
    )
    count = len(answers) + more
    return {"text": f"{title}: {count} answer{'' if count == 1 else 's'}", "blocks": blocks}


def alert_digest_email(
    answers: list[Answer], *, site: str, title: str, more: int, link: str, manage_link: str
) -> Email:
    """A digest alert by e-mail: the period's matching answers in a text and an HTML part."""
    context = {
        "answers": answers[:MAX_DIGEST_ANSWERS],
        "site": site,
        "title": title,
        "more": more,
        "link": link,
        "manage_link": manage_link,
        "colours": BAND_COLOURS,
    }
    count = len(answers) + more
    return Email(
        subject=f"{title}: {count} answer{'' if count == 1 else 's'}",
        text=_render("alert_digest.txt", **context),
        html=_render("alert_digest.html", **context),
    )
