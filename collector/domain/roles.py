"""Who may do what on a site's dashboard: three roles, each allowed what the one below it is."""

from __future__ import annotations

#: Weakest first: a viewer reads; an editor also edits surveys and follows up on responses; an
#: admin also changes the site's settings, its keys and its team.
ROLES = ("viewer", "editor", "admin")

DESCRIPTIONS = {
    "viewer": "Reads results, responses and surveys",
    "editor": "Reads, edits surveys and follows up on responses",
    "admin": "Does what an editor does, and changes settings, keys and the team",
}


def allows(role: str | None, needed: str) -> bool:
    """Whether ``role`` may do what needs ``needed``; an unknown or missing role may do nothing."""
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(needed)
