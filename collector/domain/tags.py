"""Tags on responses (DESIGN §13): what a tag may be, and how a change applies.

A tag is lower case, 1–40 characters after trimming, without control characters or commas (a
comma separates tags in a CSV cell and in ``?tag=`` lists); a response has at most
:data:`MAX_PER_RESPONSE`. Input is normalised rather than refused for case and surrounding
space, so "Billing " from another tool's export becomes "billing".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

MAX_LENGTH = 40
MAX_PER_RESPONSE = 20


class TagError(ValueError):
    """A tag, or a change of tags, that cannot be kept."""


def normalise(raw: str) -> str:
    """The stored form of a tag: trimmed, lower case; ``TagError`` when it cannot be a tag."""
    if not isinstance(raw, str):
        raise TagError("A tag is a string.")
    tag = unicodedata.normalize("NFC", raw).strip().lower()
    if not 1 <= len(tag) <= MAX_LENGTH:
        raise TagError(f"A tag is 1–{MAX_LENGTH} characters.")
    if "," in tag or any(unicodedata.category(c).startswith("C") for c in tag):
        raise TagError("A tag has no commas or control characters.")
    return tag


def normalise_all(raws: Iterable[str]) -> list[str]:
    """Several tags, normalised, each once, in the order given."""
    return list(dict.fromkeys(normalise(raw) for raw in raws))


def apply(
    current: Iterable[str],
    *,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    replace: Iterable[str] | None = None,
) -> list[str]:
    """The tags after a change, sorted: ``replace`` (if given) first, then ``add``, then
    ``remove``. ``TagError`` when more than :data:`MAX_PER_RESPONSE` would be kept."""
    tags = set(current if replace is None else replace)
    tags.update(add)
    tags.difference_update(remove)
    if len(tags) > MAX_PER_RESPONSE:
        raise TagError(f"A response has at most {MAX_PER_RESPONSE} tags.")
    return sorted(tags)
