"""Text that can be stored, and text that can be sent: the one rule for NUL bytes and lone surrogates.

PostgreSQL refuses a NUL byte in text (SQLite keeps it), and neither a NUL nor a lone UTF-16
surrogate (``"\\ud800"``, which JSON can spell) has a UTF-8 form a CSV, a page or another program
can read back. Input holding one is refused at the door (:func:`first_unstorable` finds where);
output made from what is already stored goes through :func:`printable`, so one bad row written by
an older version, or straight into the database, cannot break an export or a page.
"""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: A lone surrogate cannot be encoded; U+FFFD is what a reader would show for it.
REPLACEMENT = "\ufffd"


def unstorable(text: str) -> bool:
    """Whether ``text`` holds a NUL byte or a lone surrogate."""
    return _UNSTORABLE.search(text) is not None


def first_unstorable(value, path: tuple = ()) -> tuple | None:
    """The path (keys and list indexes) to the first string in ``value``, a key included, that
    holds a NUL byte or a lone surrogate; ``None`` when every string can be stored."""
    if isinstance(value, str):
        return path if unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and unstorable(key):
                return (*path, key)
            found = first_unstorable(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = first_unstorable(item, (*path, index))
            if found is not None:
                return found
    return None


def dotted(path: tuple) -> str:
    """``("traits", "plan")`` → ``traits.plan``, itself printable (a bad key is shown as U+FFFD)."""
    return ".".join(printable(str(part)) for part in path)


def printable(text: str) -> str:
    """``text`` with every NUL byte and lone surrogate replaced by U+FFFD: always encodable."""
    return _UNSTORABLE.sub(REPLACEMENT, text) if unstorable(text) else text


def printable_value(value):
    """``value`` with :func:`printable` applied when it is text (a template's every output)."""
    if isinstance(value, str) and unstorable(value):
        return type(value)(printable(value)) if type(value) is not str else printable(value)
    return value
