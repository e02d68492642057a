"""The demo's team inbox: a stand-in for a Slack channel and a mailbox, on the demo page's server.

The demo's Slack alert posts to ``/slack/<anything>`` here (as Slack's incoming webhook would
take it); development mail is written as ``.eml`` files (DESIGN §12). ``/inbox`` shows both,
newest first, so answering 2 with a comment on the demo page shows the alert a moment later.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path

from flask import Flask, redirect, render_template, request, url_for

from collector import mail

SLACK_PATH = "/slack/demo-channel"
MAX_SHOWN = 30
_lock = threading.Lock()


def slack_file(instance: Path) -> Path:
    return instance / "demo-slack.jsonl"


def slack_messages(instance: Path) -> list[dict]:
    path = slack_file(instance)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in reversed(lines[-MAX_SHOWN:]) if line.strip()]


def mails(folder: Path) -> list[dict]:
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:MAX_SHOWN]:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        out.append(
            {
                "subject": message["Subject"],
                "to": message["To"],
                "date": message["Date"],
                "text": text.get_content() if text else "",
                "html": mail.framed_html(html.get_content()) if html else "",
                "file": path.name,
            }
        )
    return out


_LINK = re.compile(r"<([^|>]+)\|([^>]*)>")


def slack_text(text: str) -> str:
    """mrkdwn as Slack shows it: ``<url|label>`` is its label, ``*bold*`` loses its stars."""
    shown = _LINK.sub(lambda m: m.group(2), text).replace("*", "")
    return shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def register(
    host: Flask,
    *,
    instance: Path,
    mail_folder: Path,
    run_schedule: Callable[[], dict] | None = None,
) -> None:
    """Add the Slack stand-in and the inbox page to the demo page's app; ``run_schedule`` runs
    the scheduled surveys' periodic job now (the inbox's button)."""
    host.add_template_filter(slack_text, "slack_text")

    @host.post("/slack/<path:channel>")
    def slack_hook(channel: str):
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not body.get("text"):
            return "invalid_payload", 400, {"Content-Type": "text/plain"}
        with _lock, slack_file(instance).open("a", encoding="utf-8") as f:
            f.write(json.dumps(body, ensure_ascii=False) + "\n")
        return "ok", 200, {"Content-Type": "text/plain"}

    @host.get("/inbox")
    def inbox():
        opened = request.args.get("opened", type=int)
        return render_template(
            "inbox.html",
            slack=slack_messages(instance),
            mails=mails(mail_folder),
            folder=mail_folder,
            can_run=run_schedule is not None,
            opened=opened if opened is not None and opened >= 0 else None,
        )

    @host.post("/inbox/run-schedule")
    def run_now():
        if run_schedule is None:
            return "not_found", 404, {"Content-Type": "text/plain"}
        ran = run_schedule()
        return redirect(url_for("inbox", opened=ran["opened"] + ran["mailed"]))
