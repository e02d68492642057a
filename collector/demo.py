"""``fiilis demo``: a collector on SQLite with a demo site, surveys and synthetic history, plus a
demo host page ("Acme Billing") on a second port, so the widget runs cross-origin as it would for a
customer (DESIGN §9).
"""

from __future__ import annotations

import json
import math
import random
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import Flask, current_app, redirect, render_template, request, url_for
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from collector import db, demo_inbox
from collector.api.bundle import manifest
from collector.domain import followup, keys
from collector.domain.scales import Scale
from collector.domain.snippet import snippet
from collector.models import Action, Prompt, Response, Review, Site, Survey, User
from collector.schemas import SurveySchema
from collector.services import accounts, people, reviews, sites, surveys

SURVEYS = [
    {
        "kind": "csat",
        "name": "Paying an invoice",
        "question": {
            "en": "How satisfied are you with paying invoices in Acme?",
            "fi": "Kuinka tyytyväinen olet laskujen maksamiseen Acmessa?",
            "sv": "Hur nöjd är du med att betala fakturor i Acme?",
        },
        "followup": {
            "en": "What could we do better?",
            "fi": "Mitä voisimme tehdä paremmin?",
            "sv": "Vad kan vi göra bättre?",
        },
        "trigger_events": ["invoice.paid"],
        "priority": 10,
    },
    {
        "kind": "ces",
        "name": "Support ticket closed",
        "question": {
            "en": "Acme made it easy to get my issue resolved.",
            "fi": "Acme teki ongelmani ratkaisemisesta helppoa.",
            "sv": "Acme gjorde det lätt att få mitt ärende löst.",
        },
        "trigger_events": ["ticket.closed"],
        "priority": 5,
    },
    {
        "kind": "nps",
        "name": "Relationship NPS",
        "question": {
            "en": "How likely are you to recommend Acme to a friend or colleague?",
            "fi": "Kuinka todennäköisesti suosittelisit Acmea ystävälle tai kollegalle?",
            "sv": "Hur troligt är det att du skulle rekommendera Acme till en vän eller kollega?",
        },
        "trigger_events": [],
        "priority": 0,
        # Asked by e-mail every quarter to the people below. The demo's window is every day,
        # all day, so that its mail goes out whenever the demo runs (a team would pick weekday
        # mornings); each person's turn falls on their first day, in one day's spread.
        "schedule": {
            "every_days": 90,
            "channel": "email",
            "spread_days": 1,
            "send_window": {
                "days": "mon-sun",
                "from": "00:00",
                "to": "23:59",
                "tz": "Europe/Helsinki",
            },
        },
    },
]

#: The people the Relationship NPS mails: (user_id, e-mail, name, locale).
PEOPLE = [
    ("olivia", "olivia@example.com", "Olivia Brown", "en"),
    ("aino", "aino@example.com", "Aino Korhonen", "fi"),
    ("erik", "erik@example.com", "Erik Johansson", "sv"),
    ("noah", "noah@example.com", "Noah Wilson", "en"),
]

COMMENTS = {
    "low": {
        "en": [
            "The payment page timed out twice before it went through.",
            "Too many steps to pay a single invoice.",
            "I could not find where to download the receipt.",
            "Support took three days to answer.",
            "Card payment failed without telling me why.",
        ],
        "fi": [
            "Maksusivu aikakatkaistiin kahdesti ennen kuin maksu meni läpi.",
            "Liian monta vaihetta yhden laskun maksamiseen.",
            "En löytänyt mistä kuitin saa ladattua.",
            "Tuki vastasi vasta kolmen päivän päästä.",
        ],
    },
    "mid": {
        "en": [
            "Works, but the invoice list is slow with many clients.",
            "Fine overall. A bulk pay button would help.",
            "OK, though the VAT breakdown is hard to read.",
        ],
        "fi": [
            "Toimii, mutta laskulista on hidas kun asiakkaita on paljon.",
            "Ihan hyvä. Massamaksu-painike auttaisi.",
        ],
    },
    "high": {
        "en": [
            "Paid in ten seconds. Love it.",
            "So much easier than our old bank portal!",
            "The reminders alone save me an hour a week.",
            "Support fixed my issue in minutes, thank you.",
        ],
        "fi": [
            "Maksettu kymmenessä sekunnissa. Mahtavaa.",
            "Paljon helpompaa kuin vanha pankkiportaalimme!",
            "Tuki korjasi ongelman minuuteissa, kiitos.",
        ],
    },
}

DEMO_LOGIN = ("demo@acme.test", "fiilis-demo")

USERS = [
    ("alice", "Alice Andersson", "team"),
    ("matti", "Matti Virtanen", "pro"),
    ("sofia", "Sofia Lindqvist", "free"),
]


def demo_keys(session: Session, instance: Path) -> dict:
    """The demo site's keys: made once, kept in the instance folder (it is a demo)."""
    path = instance / "demo-site.json"
    if path.exists():
        keys_ = json.loads(path.read_text())
        if sites.by_public_key(session, keys_["public_key"]) is not None:
            return keys_
    made = sites.create(session, name="Acme Billing (demo)", origins=[])
    keys_ = made.to_dict()
    instance.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keys_, indent=2))
    path.chmod(0o600)
    return keys_


def setup(session: Session, instance: Path, origins: list[str]) -> tuple[dict, dict[str, str]]:
    """Make (or find) the demo site and its three surveys; seed history once. Idempotent."""
    k = demo_keys(session, instance)
    site = sites.by_public_key(session, k["public_key"])
    # What was changed in Settings stays: the demo's origins are added, a theme is set only once.
    kept = list(site.allowed_origins or [])
    changes = {"allowed_origins": kept + [o for o in origins if o not in kept]}
    if not (site.theme or {}).get("accent"):
        changes["theme"] = {**(site.theme or {}), "accent": "#4f46e5"}
    sites.update(session, site, changes)
    existing = {
        s.kind: s.id
        for s in session.scalars(select(Survey).where(Survey.site_id == site.id))
        if s.archived_at is None
    }
    schema = SurveySchema()
    for spec in SURVEYS:
        if spec["kind"] not in existing:
            existing[spec["kind"]] = surveys.create(session, site, schema.load(spec)).id
    if not session.scalar(select(func.count()).where(Response.site_id == site.id)):
        seed_history(session, site, existing)
    if not session.scalar(
        select(func.count()).where(User.site_id == site.id, User.email.is_not(None))
    ):
        seed_people(session, site, existing["nps"])
    if accounts.by_email(session, DEMO_LOGIN[0]) is None:
        accounts.create(session, site, email=DEMO_LOGIN[0], password=DEMO_LOGIN[1])
    if not session.scalar(select(func.count()).where(Review.site_id == site.id)):
        seed_review(session, site, existing)
    # End the set-up's transaction: on SQLite an open one would hold the write lock while we serve.
    session.commit()
    session.close()
    return k, existing


def seed_people(session: Session, site: Site, survey_id: str) -> None:
    """The Relationship NPS's people, added yesterday (as is its schedule): their first turn
    fell yesterday, so the schedule's next run mails them all."""
    yesterday = datetime.now(UTC) - timedelta(days=1)
    for user_id, email, name, locale in PEOPLE:
        person, _ = people.upsert(
            session, site, user_id, {"email": email, "name": name, "locale": locale}, yesterday
        )
        person.created_at = yesterday
    survey = session.get(Survey, survey_id)
    if survey.schedule and survey.schedule_since and survey.schedule_since > yesterday:
        survey.schedule_since = yesterday
    session.commit()


def run_schedule(app: Flask) -> dict:
    """The schedule's periodic run (``schedule.run_schedules``), now: the demo inbox's button."""
    from collector import schedule

    with app.app_context():
        return schedule.run_schedules()


def seed_review(session: Session, site: Site, survey_ids: dict[str, str]) -> None:
    """Last month's review with its three actions: one done (the Review page shows the invoice
    survey's change since), one due soon (its owner is reminded), one due later."""
    today = datetime.now(UTC).date()
    owner = DEMO_LOGIN[0]
    _, made = reviews.record_review(
        session,
        site,
        {
            "since": today - timedelta(days=60),
            "until": today - timedelta(days=30),
            "summary": "Invoices confuse people: the PDF link and the due date come up most.",
            "attendees": ["Demo team"],
            "next_review_on": today,
        },
        [
            {
                "title": "Put the due date in the invoice e-mail's first line",
                "owner": owner,
                "due_on": today - timedelta(days=20),
                "survey_id": survey_ids["csat"],
            },
            {
                "title": "Resend the invoice PDF when the link fails",
                "owner": owner,
                "due_on": today + timedelta(days=2),
                "survey_id": survey_ids["csat"],
            },
            {
                "title": "Answer closed tickets' low scores within a day",
                "owner": owner,
                "due_on": today + timedelta(days=12),
                "survey_id": survey_ids["ces"],
            },
        ],
        actor=owner,
    )
    reviews.update_action(session, site, made[0].id, {"status": "done"})
    session.get(Action, made[0].id).done_at = datetime.now(UTC) - timedelta(days=25)
    session.commit()


def seed_history(session: Session, site: Site, survey_ids: dict[str, str], total: int = 2000):
    """About ``total`` answers over the last 90 days, with believable trends and comments."""
    rng = random.Random(2026)
    now = datetime.now(UTC).replace(microsecond=0)
    shares = {"csat": 0.5, "ces": 0.3, "nps": 0.2}
    users = [(f"demo-{i:04d}", rng.choice(["free", "pro", "pro", "team"])) for i in range(700)]
    session.execute(
        insert(User),
        [
            {"site_id": site.id, "user_id": uid, "traits": {"plan": plan}, "created_at": now}
            for uid, plan in users
        ],
    )
    prompts, responses = [], []
    for kind, share in shares.items():
        for _ in range(int(total * share)):
            age = rng.random() ** 0.8 * 90  # a little more recent traffic than old
            at = now - timedelta(days=age, seconds=rng.randrange(86400))
            progress = 1 - age / 90  # 0 → 90 days ago, 1 → today: scores improve over time
            uid, plan = rng.choice(users)
            score = _score(rng, kind, progress, plan)
            locale = "fi" if rng.random() < 0.3 else "en"
            pid = keys.new_id("prm")
            event = {"csat": "invoice.paid", "ces": "ticket.closed", "nps": None}[kind]
            prompts.append(
                {
                    "id": pid,
                    "site_id": site.id,
                    "survey_id": survey_ids[kind],
                    "user_id": uid,
                    "origin": "api" if kind == "nps" else "event",
                    "channel": "widget",
                    "status": "answered",
                    "event": event,
                    "context": {},
                    "traits": {"plan": plan},
                    "locale": locale,
                    "created_at": at,
                    "expires_at": at + timedelta(days=1),
                    "shown_at": at,
                    "answered_at": at,
                }
            )
            responses.append(
                {
                    "id": keys.new_id("rsp"),
                    "site_id": site.id,
                    "survey_id": survey_ids[kind],
                    "prompt_id": pid,
                    "user_id": uid,
                    "score": score,
                    "comment": _comment(rng, kind, score, locale),
                    "locale": locale,
                    "url": "https://app.acme.test/invoices",
                    "event": event,
                    "context": {},
                    "traits": {"plan": plan},
                    # The surveys have the default policy: low scores open a follow-up.
                    "followup_status": followup.initial_status(Scale.of(kind), None, score),
                    "created_at": at,
                    "updated_at": at,
                }
            )
            # Not everyone answers: some prompts were shown and dismissed, a few just shown.
            if rng.random() < 0.35:
                skipped = at + timedelta(minutes=rng.randrange(1, 600))
                status = "dismissed" if rng.random() < 0.7 else "shown"
                prompts.append(
                    {
                        **prompts[-1],
                        "id": keys.new_id("prm"),
                        "status": status,
                        "created_at": skipped,
                        "shown_at": skipped,
                        "answered_at": None,
                        "dismissed_at": skipped if status == "dismissed" else None,
                    }
                )
    session.execute(insert(Prompt), prompts)
    session.execute(insert(Response), responses)
    session.commit()


def _score(rng: random.Random, kind: str, progress: float, plan: str) -> int:
    bonus = {"free": -0.3, "pro": 0.0, "team": 0.25}[plan]
    if kind == "csat":
        mean = 3.55 + 0.6 * progress + bonus
        return _clip(round(rng.gauss(mean, 0.95)), 1, 5)
    if kind == "ces":
        mean = 4.7 + 0.9 * progress + bonus
        return _clip(round(rng.gauss(mean, 1.3)), 1, 7)
    mean = 7.1 + 0.9 * progress + bonus + 0.2 * math.sin(progress * 9)
    return _clip(round(rng.gauss(mean, 2.0)), 0, 10)


def _clip(x: int, low: int, high: int) -> int:
    return max(low, min(high, x))


def _comment(rng: random.Random, kind: str, score: int, locale: str) -> str | None:
    low, high = {"csat": (2, 4), "ces": (3, 6), "nps": (6, 9)}[kind]
    band = "low" if score <= low else "high" if score >= high else "mid"
    if rng.random() > (0.6 if band == "low" else 0.3):
        return None
    return rng.choice(COMMENTS[band][locale])


def host_app(
    collector_url: str, k: dict, survey_ids: dict[str, str], inbox: dict | None = None
) -> Flask:
    """The demo SaaS page: key actions as buttons, a user switcher, a backend NPS trigger, and
    (with ``inbox``: its ``instance`` and ``mail_folder``) the team inbox of the demo's alerts."""
    host = Flask(__name__, template_folder="templates/demo", static_folder=None)
    if inbox is not None:
        demo_inbox.register(host, **inbox)

    @host.get("/")
    def index():
        user = request.args.get("user") or USERS[0][0]
        known = {u[0]: u for u in USERS}
        name, plan = (known[user][1], known[user][2]) if user in known else (user, "pro")
        build = manifest()
        tag = snippet(
            collector_url,
            public_key=k["public_key"],
            file=build["file"],
            integrity=build["integrity"],
            user_id=user,
            user_hash=keys.user_hash(k["identity_secret"], user),
            locale=request.args.get("lang"),
        )
        return render_template(
            "acme.html",
            tag=tag,
            user=user,
            name=name,
            plan=plan,
            users=USERS,
            fresh=f"visitor-{random.randrange(10**6):06d}",
            lang=request.args.get("lang") or "en",
            triggered=request.args.get("triggered"),
            reason=request.args.get("reason"),
            collector_url=collector_url,
        )

    @host.post("/trigger-nps")
    def trigger_nps():
        from fiilis import Fiilis  # what a customer's backend does, through the SDK

        user = request.form.get("user") or USERS[0][0]
        with Fiilis(api_key=k["secret_key"], base_url=collector_url) as client:
            # no force: the fatigue rules hold, as they would for a customer's backend
            prompt = client.prompts.create(user_id=user, survey=survey_ids["nps"], channel="widget")
        query = {"user": user, "triggered": prompt.status}
        if prompt.reason:
            query["reason"] = prompt.reason
        if request.form.get("lang"):
            query["lang"] = request.form["lang"]
        return redirect(url_for("index", **query))

    @host.get("/demo.css")
    def css():
        path = Path(__file__).parent / "templates" / "demo" / "demo.css"
        return path.read_text(), 200, {"Content-Type": "text/css; charset=utf-8"}

    return host


def demo_alerts(app: Flask, page_url: str, k: dict) -> dict:
    """The demo's alerts (made once): low scores to the inbox's Slack stand-in and by e-mail.
    Its Slack URL is on loopback, which the worker may post to only in development."""
    from collector.services import alerts

    session = db.session()
    site = sites.by_public_key(session, k["public_key"])
    slack = page_url + demo_inbox.SLACK_PATH
    have = {
        (a.channel, a.target) for a in alerts.list_page(session, site, limit=100, cursor=None)[0]
    }
    app.config["ALLOW_PRIVATE_WEBHOOKS"] = True
    wanted = [("slack", slack), ("email", "team@example.com")]
    for channel, target in wanted:
        if (channel, target) not in have:
            fields = {"channel": channel, "target": target, "filter": {"max_score": 2}}
            alerts.create(session, site, {**fields, "digest": None, "active": True})
    session.commit()
    session.close()
    folder = app.config.get("MAIL_FOLDER") or Path(app.instance_path) / "mail"
    return {
        "instance": Path(app.instance_path),
        "mail_folder": Path(folder),
        "run_schedule": lambda: run_schedule(app),
    }


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int, help="Collector port.")
@click.option("--page-port", type=int, help="Demo page port (default: port + 1).")
@with_appcontext
def demo(host: str, port: int, page_port: int | None) -> None:
    """Set up the demo (site, surveys, history) and serve the collector and the demo page."""
    from werkzeug.serving import make_server

    app = current_app._get_current_object()
    page_port = page_port or port + 1
    collector_url = f"http://{host}:{port}"
    page_url = f"http://{host}:{page_port}"
    origins = [page_url, f"http://localhost:{page_port}"]
    try:
        manifest()  # fail now, not on the first page view, if the widget is not built
    except FileNotFoundError:
        raise click.ClickException(
            "The widget is not built: run `npm ci && npm run build` in widget/."
        ) from None
    # Both ports are taken before anything is written: a start that fails changes nothing.
    for at in (port, page_port):
        try:  # as werkzeug binds, but it would print a paragraph and exit
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((host, at))
        except OSError as e:
            raise click.ClickException(
                f"Cannot listen on {host}:{at} ({e.strerror}): pass --port or --page-port."
            ) from None
    page_app: dict = {}
    servers = [
        make_server(host, at, wsgi, threaded=True)
        for at, wsgi in ((port, app), (page_port, lambda *a: page_app["app"](*a)))
    ]
    k, survey_ids = setup(db.session(), Path(app.instance_path), origins)
    app.config.setdefault("PUBLIC_URL", collector_url)
    page_app["app"] = host_app(collector_url, k, survey_ids, inbox=demo_alerts(app, page_url, k))
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    click.echo("Fiilis demo is running")
    click.echo(f"  demo page (Acme Billing)  {page_url}/")
    click.echo(
        f"  dashboard                 {collector_url}/dashboard/   "
        f"(log in as {DEMO_LOGIN[0]} / {DEMO_LOGIN[1]})"
    )
    click.echo(f"  team inbox (alerts, mail) {page_url}/inbox")
    click.echo(
        f"  API reference             {collector_url}/dashboard/api   "
        f"(the document: {collector_url}/v1/openapi.json)"
    )
    click.echo(f"  health                    {collector_url}/healthz")
    click.echo(f"  public key                {k['public_key']}")
    click.echo(f"  secret key                {k['secret_key']}")
    click.echo(f"  identity secret           {k['identity_secret']}")
    click.echo("Press Ctrl-C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("\nStopping.")
    finally:
        for server in servers:
            server.shutdown()
