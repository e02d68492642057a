"""Alert rules (DESIGN §11): which answers an alert announces, and to whom.

Pure rules: the service hands over plain values (a rule's filter, a response's score and
comment) and gets decisions back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email

CHANNELS = ("slack", "email")
DIGESTS = ("daily", "weekly")
#: More addresses than this belong on a mailing list of the team's own.
MAX_ADDRESSES = 20


class InvalidTarget(ValueError):
    """The target does not fit the channel; the message says why."""


def matches(
    rule_filter: Mapping[str, Any], *, survey: str, score: int, comment: str | None
) -> bool:
    """Whether an answer passes an alert's (or a webhook's) filter; an empty filter passes all."""
    if rule_filter.get("survey") not in (None, survey):
        return False
    if rule_filter.get("max_score") is not None and score > rule_filter["max_score"]:
        return False
    if rule_filter.get("min_score") is not None and score < rule_filter["min_score"]:
        return False
    wants_comment = rule_filter.get("has_comment")
    has_comment = bool(comment and comment.strip())
    return wants_comment is None or wants_comment == has_comment


def email_addresses(target: str) -> list[str]:
    """The addresses of an e-mail alert's target: comma- or whitespace-separated, normalised
    as ``email-validator`` spells them, each once, in the given order.

    No DNS lookup: a team's internal domain need not be visible from the collector at creation.
    """
    found: list[str] = []
    for part in target.replace(";", ",").replace("\n", ",").split(","):
        for word in part.split():
            try:
                address = validate_email(word, check_deliverability=False).normalized
            except EmailNotValidError as e:
                raise InvalidTarget(f"{word} is not an e-mail address: {e}") from None
            # The local part is case-sensitive by the RFC, not in practice: one address once.
            if address.casefold() not in (a.casefold() for a in found):
                found.append(address)
    if not found:
        raise InvalidTarget("Give at least one e-mail address.")
    if len(found) > MAX_ADDRESSES:
        raise InvalidTarget(f"At most {MAX_ADDRESSES} addresses per alert.")
    return found


def normalise_target(channel: str, target: str) -> str:
    """The target as stored: a Slack URL stripped, e-mail addresses joined by ``", "``."""
    if channel == "email":
        return ", ".join(email_addresses(target))
    return target.strip()
