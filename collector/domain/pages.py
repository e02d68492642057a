"""Page rules (DESIGN §13 ``pages``): on which pages of the host app a survey may ask. Pure.

A survey's ``pages`` is a list of ``{op, value}``; the survey asks on a page when **any** rule
matches (no rules: every page). What a rule is compared with:

- the URL's **path** (``/billing/invoices``), as the browser writes it (percent-encoded, case as
  typed; ``/`` for a bare origin);
- plus the **query** (``?tab=paid``) when the value contains ``?``;
- plus the **fragment** (``#/billing``, hash routers) when the value contains ``#``.

So ``/billing`` equals ``https://app.example/billing?tab=paid`` while ``/billing?tab=paid`` equals
only that query. The ops:

=========== ==================================================================================
equals      the compared part is exactly the value
starts_with it starts with the value (``/billing`` also matches ``/billing-old``: end the
            value with ``/`` to mean the section)
contains    the value occurs in it
glob        the whole part matches, each ``*`` standing for any run of characters, ``/``
            included (``/billing/*`` matches ``/billing/invoices`` and ``/billing/a/b``, not
            ``/billing``). No other wildcards.
=========== ==================================================================================

``*`` is a wildcard only in a glob: the other ops' values may not hold it, so every rule is also
a glob (:meth:`PageRule.as_glob`: equals ``v``, starts_with ``v*``, contains ``*v*``). Prompts
carry their survey's rules in that form and the widget checks them with the same matcher
(``widget/src/browser.js``); both are tested against one table (``tests/unit/page_rules.json``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

OPS: tuple[str, ...] = ("equals", "starts_with", "contains", "glob")
#: Longest value of a rule, and most ``*`` in one glob (a glob is matched in linear passes, the
#: cap keeps the editor's rules readable).
MAX_VALUE = 200
MAX_STARS = 8


@dataclass(frozen=True)
class PageRule:
    """One page rule: ``{op, value}`` with ``op`` one of :data:`OPS`."""

    op: str
    value: str

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"unknown page op {self.op!r}; expected one of {', '.join(OPS)}")
        if not isinstance(self.value, str) or not 0 < len(self.value) <= MAX_VALUE:
            raise ValueError(f"a page rule's value is 1–{MAX_VALUE} characters")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageRule:
        return cls(op=data["op"], value=data["value"])

    def matches(self, url: str) -> bool:
        """Whether the page at ``url`` (absolute, or a path) satisfies this rule."""
        part = compared_part(url, self.value)
        if self.op == "equals":
            return part == self.value
        if self.op == "starts_with":
            return part.startswith(self.value)
        if self.op == "contains":
            return self.value in part
        return glob_matches(self.value, part)

    def describe(self) -> str:
        return f"{self.op} {self.value!r}"

    def as_glob(self) -> str:
        """The rule as a glob on the same compared part: what the widget checks (only a glob's
        value may hold ``*``, so the others convert exactly)."""
        if self.op == "starts_with":
            return self.value + "*"
        if self.op == "contains":
            return "*" + self.value + "*"
        return self.value


def compared_part(url: str, value: str) -> str:
    """The part of ``url`` a rule with ``value`` looks at: path, + query, + fragment."""
    parts = urlsplit(url)
    part = parts.path or "/"
    if "?" in value and parts.query:
        part += "?" + parts.query
    if "#" in value and parts.fragment:
        part += "#" + parts.fragment
    return part


def glob_matches(pattern: str, text: str) -> bool:
    """``*`` is any run of characters; the rest matches literally. Each piece between stars is
    found leftmost after the previous one, which is exact for star-only globs and never
    backtracks."""
    pieces = pattern.split("*")
    if len(pieces) == 1:
        return text == pattern
    first, *middle, last = pieces
    if not text.startswith(first) or len(text) < len(first) + len(last):
        return False
    at, end = len(first), len(text) - len(last)
    for piece in middle:
        found = text.find(piece, at, end)
        if found < 0:
            return False
        at = found + len(piece)
    return text.endswith(last)


def on_page(rules: Iterable[PageRule], url: str | None) -> bool:
    """Whether a survey with these page rules asks on ``url``: no rules, or any rule matches.
    Without a URL only a survey without rules asks."""
    rules = tuple(rules)
    if not rules:
        return True
    return url is not None and any(rule.matches(url) for rule in rules)
