"""Responses: the comments (low scores first), one response with its follow-up, and the CSV."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import chain

from flask import g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from collector import db, mail
from collector.api.responses import followup_patch, response_filter
from collector.attachments import csv_attachment
from collector.dashboard import auth, bp, error_page, forms, inbox
from collector.dashboard.surveys import site_surveys
from collector.domain.problems import NotFound
from collector.models import Response, Survey, utcnow
from collector.services import accounts, answer_reasons, export, results, surveys, triage

PAGE_SIZE = 25
#: Comments longer than this are cut at a word in the table; the response's page has them whole.
CLIP_AT = 240
#: An owner's e-mail lists at most this many responses; its link opens them all.
MAIL_LIST_MAX = 100
HAS_COMMENT = {"yes": True, "no": False, "any": None}
DEFAULTS = {"order": "low_first", "has_comment": "yes"}
STATUS_LABELS = {s: inbox.STATUS_WORDS[s] for s in ("open", "in_progress", "closed", "none")}


def team_emails() -> list[str]:
    """Who may own a follow-up: the site's team, by e-mail."""
    return [person.email for person, _ in accounts.team(db.session(), g.site)]


def _choices() -> dict:
    """The query string's filters, each kept only when it is one of its choices."""
    args = request.args
    chosen = {
        "survey": args.get("survey", ""),
        "band": args.get("band") if args.get("band") in inbox.BANDS["nps"] else "",
        "status": args.get("status") if args.get("status") in results.FOLLOWUP_STATUSES else "",
        "has_comment": args.get("has_comment", DEFAULTS["has_comment"]),
        "order": args.get("order") if args.get("order") in inbox.ORDERS else DEFAULTS["order"],
        "since": args.get("since", ""),
        "until": args.get("until", ""),
        "user_id": args.get("user_id", ""),
        "q": args.get("q", "").strip()[:200],
        "owner": args.get("owner", "").strip()[:254],
        "tag": args.get("tag", ""),
        "reason": args.get("reason", ""),
    }
    if chosen["has_comment"] not in HAS_COMMENT:
        chosen["has_comment"] = DEFAULTS["has_comment"]
    return chosen


def _filters(chosen: dict) -> dict:
    """The results service's filters, read by the API's own filter schema (one set of rules)."""
    raw = {
        "survey": chosen["survey"],
        "followup_status": chosen["status"],
        "since": chosen["since"],
        "until": _day_after(chosen["until"]),
        "user_id": chosen["user_id"],
        "tag": chosen["tag"],
        "reason": chosen["reason"],
    }
    filters = response_filter.load({k: v for k, v in raw.items() if v})
    if HAS_COMMENT[chosen["has_comment"]] is not None:
        filters["has_comment"] = HAS_COMMENT[chosen["has_comment"]]
    if chosen["q"]:
        filters["search"] = chosen["q"]
    if chosen["owner"]:
        owner = chosen["owner"]
        filters["owner"] = {"me": g.account.email, "nobody": ""}.get(owner, owner)
    return filters


def reason_choices(listed, survey_id: str, chosen: str) -> list[tuple[str, str]]:
    """The Reason filter's options as ``(id, label)``: the chosen survey's reasons, or those of
    every listed survey (an id several surveys share is one option, its labels joined in
    alphabetical order), and the
    chosen id even when no survey offers it any more."""
    labels: dict[str, list[str]] = {}
    for survey in listed:
        if survey_id and survey.id != survey_id:
            continue
        for reason, label in answer_reasons.labels(survey).items():
            names = labels.setdefault(reason, [])
            if label not in names:
                names.append(label)
    if chosen and chosen not in labels:
        labels[chosen] = [chosen]
    return [(reason, " / ".join(sorted(names))) for reason, names in labels.items()]


def _day_after(text: str) -> str:
    # The form's "to" date is the last day shown; the service's ``until`` is exclusive.
    try:
        return (date.fromisoformat(text) + timedelta(days=1)).isoformat()
    except ValueError:
        return text


@bp.get("/responses")
def responses():
    wanted = request.args.get("site")
    if wanted and wanted != getattr(g.site, "id", None):
        # A digest's link to another of the account's sites: switch to it, keep the rest.
        if not auth.choose_site(wanted):
            return error_page(404)
        rest = [(k, v) for k, v in request.args.items(multi=True) if k != "site"]
        return redirect(url_for("dashboard.responses", **_as_kwargs(rest)))
    chosen = _choices()
    listed = site_surveys(include_archived=True)
    errors = {}
    try:
        filters = _filters(chosen)
        phases = inbox.plan(listed, filters, band=chosen["band"] or None, order=chosen["order"])
        found = inbox.page(
            db.session(), g.site, phases, limit=PAGE_SIZE, cursor=request.args.get("cursor")
        )
        total = inbox.total(db.session(), g.site, phases)
    except ValidationError as e:
        errors = forms.errors(e.normalized_messages())
        found, total = inbox.Page(), 0
    by_id = {s.id: s for s in listed}
    asked_by = results.asked_by(db.session(), [r.prompt_id for r in found.items])
    query = {k: v for k, v in chosen.items() if v and DEFAULTS.get(k) != v}
    return render_template(
        "dashboard/responses.html",
        section="responses",
        title="Responses",
        chosen=chosen,
        surveys=listed,
        by_id=by_id,
        asked_by=asked_by,
        page=found,
        errors=errors,
        first_page=request.args.get("cursor") is not None,
        query=query,
        everyone={k: v for k, v in query.items() if k != "user_id"},
        active=len([k for k in query if k not in ("order", "q")]),
        clip_at=CLIP_AT,
        total=total,
        count_up_to=inbox.COUNT_UP_TO,
        owners=team_emails(),
        reasons=reason_choices(listed, chosen["survey"], chosen["reason"]),
        views=triage.views(db.session(), g.account, g.site),
        statuses=[(s, STATUS_LABELS.get(s, s)) for s in results.FOLLOWUP_STATUSES],
    )


@bp.get("/responses.csv")
def responses_csv():
    chosen = _choices()
    filters = _filters(chosen)
    phases = inbox.plan(
        site_surveys(include_archived=True), filters, band=chosen["band"] or None, order="newest"
    )
    parts = [export.csv_lines(db.session(), g.site, filters) for filters in phases]
    return csv_attachment(_one_table(parts), f"fiilis-responses-{utcnow():%Y-%m-%d}.csv")


def _one_table(parts):
    """Several CSV exports as one: the header (and BOM) of the first, the rows of all."""
    for n, part in enumerate(parts):
        chunks = iter(part)
        if n:
            first = next(chunks, "")
            chunks = chain([first.split("\r\n", 1)[1] if "\r\n" in first else ""], chunks)
        yield from chunks


def _as_kwargs(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


@bp.get("/responses/<response_id>")
def response(response_id: str):
    try:
        view = results.get(db.session(), g.site, response_id)
    except NotFound:
        # A link from a digest or an alert about another of the account's sites: switch to it.
        found = db.session().get(Response, response_id)
        if not found or found.site_id == g.site.id or not auth.choose_site(found.site_id):
            raise
        return redirect(request.full_path.rstrip("?"))
    return _render_response(view)


def _render_response(view, errors=None, values=None, status=200, *, tag_error=None, tag_text=None):
    survey = surveys.get(db.session(), g.site, view.survey_id, "survey")
    owners = team_emails()
    # An owner set through the API may be someone off the team: still shown as the owner.
    if view.followup_owner and view.followup_owner not in owners:
        owners.append(view.followup_owner)
    page = render_template(
        "dashboard/response.html",
        section="responses",
        title=f"Response {view.id}",
        r=view,
        survey=survey,
        band=inbox.band_of(view.scale, view.score),
        errors=errors or {},
        values=values,
        saved=request.args.get("saved") == "1",
        back=request.values.get("back"),
        owners=owners,
        statuses=[(s, STATUS_LABELS.get(s, s)) for s in results.FOLLOWUP_STATUSES],
        tagged=request.args.get("tagged") == "1",
        tag_error=tag_error,
        tag_text=", ".join(view.tags) if tag_text is None else tag_text,
    )
    return page, status


@bp.post("/responses/<response_id>")
def follow_up(response_id: str):
    form = request.form
    data = {
        "followup_status": form.get("status", ""),
        "followup_owner": form.get("owner", "").strip() or None,
        "followup_note": form.get("note", "").strip() or None,
    }
    view = results.get(db.session(), g.site, response_id)
    try:
        changes = followup_patch.load(data)
    except ValidationError as e:
        return _render_response(view, forms.errors(e.normalized_messages()), data, 422)
    owner = changes.get("followup_owner")
    if owner and owner != view.followup_owner and owner not in team_emails():
        errors = {"followup_owner": "Pick someone on the team of this site."}
        return _render_response(view, errors, data, 422)
    before = view.followup_owner  # the view reads the row, which the update changes
    updated = results.update_followup(
        db.session(), g.site, response_id, changes, actor=g.account.email
    )
    if owner and owner != before and owner != g.account.email:
        mail_owner(owner, [updated])
    # Back to the same list afterwards: the filters it had are in ``back``.
    back = auth.safe_next(form.get("back"))
    return redirect(
        url_for(
            "dashboard.response",
            response_id=response_id,
            saved=1,
            **({"back": back} if back else {}),
        )
    )


def mail_owner(owner: str, responses: list) -> None:
    """One message to the new owner listing the responses just given to them (sent by the
    worker, after the change is committed)."""
    ids = {r.survey_id for r in responses}
    surveys = {s.id: s for s in db.session().scalars(select(Survey).where(Survey.id.in_(ids)))}
    items = []
    for r in responses[:MAIL_LIST_MAX]:
        survey = surveys[r.survey_id]
        scale = results.scale_of(survey)
        comment = " ".join((r.comment or "").split())
        items.append(
            {
                # On the survey's own scale (a CSAT 1–7 answer of 6 is not on 1–5).
                "score": f"{r.score} / {scale.max}",
                "band": inbox.BAND_WORD[survey.kind][scale.band_of(r.score)],
                "survey": survey.name,
                "user_id": r.user_id,
                "comment": comment if len(comment) <= 200 else comment[:199].rstrip() + "…",
                "url": url_for("dashboard.response", response_id=r.id, _external=True),
            }
        )
    n = len(responses)
    follow_ups = f"{n} follow-up{'s' if n != 1 else ''}"
    message = mail.compose(
        "assigned",
        to=owner,
        subject=f"{follow_ups} for you on {g.site.name}",
        heading=f"{follow_ups} for you",
        site_name=g.site.name,
        actor=g.account.email,
        items=items,
        more=max(0, n - MAIL_LIST_MAX),
        list_url=url_for("dashboard.responses", owner="me", has_comment="any", _external=True),
    )
    mail.send_later(message)
