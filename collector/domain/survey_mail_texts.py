"""The survey e-mail's own strings (greeting, hint, score labels, footer).

They are texts like every other (``texts.MAIL_KEYS``, built in for every built-in locale and
replaceable per locale by a team, in ``collector.domain.texts``, the one source); this module
gives them under the names the e-mail's templates use.
"""

from __future__ import annotations

from collections.abc import Mapping

from collector.domain import texts


def words_of(strings: Mapping[str, str]) -> dict[str, str]:
    """``texts.strings`` of the e-mail by their short names: ``greeting``,
    ``greeting_anonymous``, ``hint``, ``score_label``, ``why``, ``unsubscribe``."""
    return {key.removeprefix("mail_"): strings[key] for key in texts.MAIL_KEYS}
