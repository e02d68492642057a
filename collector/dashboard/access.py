"""Which role each dashboard page and form needs: one table, read before every request.

An endpoint missing from the table is closed to everyone (403), and the suite walks the route map
against this table, so a page added without a rule fails the tests rather than opening silently.
"""

from __future__ import annotations

from collector.domain import roles

PUBLIC = "public"  # no login: the login page, accepting an invitation, resetting a password
ACCOUNT = "account"  # any logged-in account, even one on no site any more (to log out)

#: endpoint → {method: what it needs}; HEAD is read as GET.
RULES: dict[str, dict[str, str]] = {
    "dashboard.login": {"GET": PUBLIC, "POST": PUBLIC},
    "dashboard.accept_invite": {"GET": PUBLIC, "POST": PUBLIC},
    "dashboard.forgot_password": {"GET": PUBLIC, "POST": PUBLIC},
    "dashboard.reset_password": {"GET": PUBLIC, "POST": PUBLIC},
    "dashboard.logout": {"POST": ACCOUNT},
    "dashboard.not_found": {"GET": ACCOUNT},
    "dashboard.switch_site": {"POST": ACCOUNT},
    "dashboard.overview": {"GET": "viewer"},
    "dashboard.responses": {"GET": "viewer"},
    "dashboard.responses_csv": {"GET": "viewer"},
    "dashboard.response": {"GET": "viewer"},
    "dashboard.follow_up": {"POST": "editor"},
    "dashboard.bulk": {"POST": "editor"},
    "dashboard.response_tags": {"POST": "editor"},
    "dashboard.save_view": {"POST": "viewer"},
    "dashboard.delete_view": {"POST": "viewer"},
    "dashboard.surveys": {"GET": "viewer"},
    "dashboard.new_survey": {"GET": "editor"},
    "dashboard.create_survey": {"POST": "editor"},
    "dashboard.edit_survey": {"GET": "viewer"},
    "dashboard.update_survey": {"POST": "editor"},
    "dashboard.archive_survey": {"POST": "editor"},
    # The editor's e-mail preview stores nothing: whoever reads the editor sees it.
    "dashboard.mail_preview": {"GET": "viewer", "POST": "viewer"},
    # A survey's report (paused and archived ones too): everyone reads it.
    "dashboard.survey_report": {"GET": "viewer"},
    # A scheduled survey's sends and who is asked next: everyone reads it.
    "dashboard.survey_sends": {"GET": "viewer"},
    # Why a user was or was not asked: what GET /v1/eligibility answers, for every role.
    "dashboard.lookup": {"GET": "viewer"},
    "dashboard.install": {"GET": "viewer"},
    # The API reference is the public OpenAPI document; "Try it out" needs a key typed in.
    "dashboard.api_reference": {"GET": "viewer"},
    # The monthly review: everyone reads it; editors and admins record it and its actions.
    "dashboard.review": {"GET": "viewer"},
    "dashboard.create_review": {"POST": "editor"},
    "dashboard.actions": {"GET": "viewer"},
    "dashboard.action_status": {"POST": "editor"},
    "dashboard.settings": {"GET": "admin"},
    "dashboard.save_settings": {"POST": "admin"},
    "dashboard.rotate_secret_key": {"POST": "admin"},
    "dashboard.rotate_identity_secret": {"POST": "admin"},
    # Alerts post to a Slack webhook (a credential) or mail addresses: set up by admins; the
    # digest is one's own.
    "dashboard.connections": {"GET": "viewer"},
    "dashboard.create_alert": {"POST": "admin"},
    "dashboard.toggle_alert": {"POST": "admin"},
    "dashboard.delete_alert": {"POST": "admin"},
    "dashboard.test_alert": {"POST": "admin"},
    # A webhook's delivery log shows its URL and what was sent: admins, like the webhooks API.
    "dashboard.webhook_deliveries": {"GET": "admin"},
    "dashboard.replay_delivery": {"POST": "admin"},
    "dashboard.save_digest": {"POST": "viewer"},
    # Importing writes answers (and people) in bulk: editors, as for the survey editor.
    "dashboard.import_start": {"GET": "editor"},
    "dashboard.import_upload": {"POST": "editor"},
    "dashboard.import_run": {"POST": "editor"},
    "dashboard.import_job": {"GET": "editor"},
    "dashboard.team": {"GET": "admin"},
    "dashboard.change_role": {"POST": "admin"},
    "dashboard.remove_member": {"POST": "admin"},
    "dashboard.invite": {"POST": "admin"},
    "dashboard.revoke_invite": {"POST": "admin"},
}

CLOSED = "closed"


def needs(endpoint: str | None, method: str) -> str:
    """What a request needs: PUBLIC, ACCOUNT, a role, or CLOSED when the table has no rule."""
    method = "GET" if method == "HEAD" else method
    return RULES.get(endpoint or "", {}).get(method, CLOSED)


def allowed(role: str | None, endpoint: str, method: str = "POST") -> bool:
    """Whether an account with ``role`` on the current site may use ``endpoint``."""
    rule = needs(endpoint, method)
    if rule in (PUBLIC, ACCOUNT):
        return True
    if rule == CLOSED:
        return False
    return roles.allows(role, rule)
