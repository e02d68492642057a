"""What a service refuses, in its own words: a stable ``code``, a sentence for the user and the
input it is about. No HTTP here: ``collector.errors`` gives each kind its status, the dashboard
and the CLI show the message as it is.
"""

from __future__ import annotations


class Problem(Exception):
    """An expected failure: ``code`` (stable, for programs), ``message`` (for people) and
    ``param``, the dotted path of the input it is about (``None`` when it is about no one input)."""

    def __init__(self, code: str, message: str, *, param: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


class NotFound(Problem):
    """No such object, or another site's (the two are never told apart)."""

    def __init__(self, what: str, param: str | None = None):
        super().__init__("not_found", f"No such {what}.", param=param)


class Invalid(Problem):
    """The input breaks a rule: a value out of range, a change the object does not allow."""


class Conflict(Problem):
    """The input is fine, what is already stored refuses it (taken, answered, turned off)."""


class Forbidden(Problem):
    """The caller is known but has not proven what this needs (a visitor's identity)."""


class Unauthenticated(Problem):
    """A credential that was not issued here (a prompt token that is not ours)."""


class Gone(Problem):
    """It was there and has expired."""


class UpstreamFailed(Problem):
    """Another service (Slack, the mail server) refused or did not answer."""
