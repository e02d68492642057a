"""What a use case refuses, said without HTTP: ``collector.errors`` gives each its status.

A service raises one of these with a stable ``code`` (the API's error code), a sentence for the
person reading it and the ``param`` at fault. The API answers them in the one error shape, the
dashboard shows them on its own pages or beside a form field, the CLI prints the message.
"""

from __future__ import annotations


class Refused(Exception):
    """A request the use case will not carry out, and why."""

    def __init__(self, code: str, message: str, *, param: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


class NotFound(Refused):
    """No such thing here (another site's things are "not found" too: ids do not leak)."""

    def __init__(self, what: str, param: str | None = None):
        super().__init__("not_found", f"No such {what}.", param=param)


class Invalid(Refused):
    """The input breaks a rule the request's schema could not check alone."""


class Conflict(Refused):
    """The input clashes with what is stored (an answer already given, a key reused)."""


class Forbidden(Refused):
    """The caller is known but may not do this (an identity that does not match)."""


class Unauthenticated(Refused):
    """The caller's credential is not one of ours (a forged token, an unknown site key)."""


class Gone(Refused):
    """It existed and has expired (a prompt past its lifetime)."""
