"""The survey e-mail's own strings (greeting, hint, footer) in the built-in locales.

The question and the scale's end labels are the survey's (``texts.py``); these are the words
around them. Kept apart from ``texts.py`` like the unsubscribe page's strings.
"""

from __future__ import annotations

from collector.domain import texts

_MAIL: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Hi {name},",
        "greeting_anonymous": "Hi,",
        "hint": "Choose a score: one click answers.",
        "score_label": "{score} out of {max}",
        "why": "You get this e-mail because you use {site}.",
        "unsubscribe": "Unsubscribe from survey e-mails",
    },
    "fi": {
        "greeting": "Hei {name},",
        "greeting_anonymous": "Hei,",
        "hint": "Valitse arvosana: yksi napsautus riittää.",
        "score_label": "{score}/{max}",
        "why": "Saat tämän viestin, koska käytät palvelua {site}.",
        "unsubscribe": "Peru kyselyviestit",
    },
    "sv": {
        "greeting": "Hej {name},",
        "greeting_anonymous": "Hej,",
        "hint": "Välj ett betyg: ett klick räcker.",
        "score_label": "{score} av {max}",
        "why": "Du får det här meddelandet eftersom du använder {site}.",
        "unsubscribe": "Avregistrera dig från enkäter",
    },
}


def mail(locale: str | None) -> dict[str, str]:
    """The e-mail's strings in the built-in locale closest to ``locale`` (English otherwise)."""
    return _MAIL.get(texts.builtin(locale), _MAIL[texts.FALLBACK])
