"""The unsubscribe page's strings (``/u/<token>``) in the built-in locales.

Kept apart from ``texts.py`` (the widget's and the answer page's strings) so that each page's
words can change on their own; the locale is picked by ``texts.builtin`` like everywhere else.
"""

from __future__ import annotations

from collector.domain import texts

_PAGE: dict[str, dict[str, str]] = {
    "en": {
        "title": "Unsubscribe",
        "ask_title": "Stop survey e-mails?",
        "ask_body": "{site} will stop sending survey e-mails to {email}.",
        "button": "Unsubscribe",
        "done_title": "You are unsubscribed",
        "done_body": "{site} will not send survey e-mails to {email} again.",
        "invalid_title": "This link does not work",
        "invalid_body": "The unsubscribe link is incomplete or was changed. Open the link "
        "from the e-mail as it came, or reply to the e-mail and ask to be removed.",
    },
    "fi": {
        "title": "Peru tilaus",
        "ask_title": "Lopetetaanko kyselyviestit?",
        "ask_body": "{site} lopettaa kyselyviestien lähettämisen osoitteeseen {email}.",
        "button": "Peru tilaus",
        "done_title": "Tilaus on peruttu",
        "done_body": "{site} ei enää lähetä kyselyviestejä osoitteeseen {email}.",
        "invalid_title": "Linkki ei toimi",
        "invalid_body": "Peruutuslinkki on vajaa tai muuttunut. Avaa linkki sellaisena kuin "
        "se on viestissä, tai vastaa viestiin ja pyydä poistamaan osoitteesi.",
    },
    "sv": {
        "title": "Avregistrera",
        "ask_title": "Sluta få enkäter via e-post?",
        "ask_body": "{site} slutar skicka enkäter till {email}.",
        "button": "Avregistrera",
        "done_title": "Du är avregistrerad",
        "done_body": "{site} skickar inte fler enkäter till {email}.",
        "invalid_title": "Länken fungerar inte",
        "invalid_body": "Avregistreringslänken är ofullständig eller har ändrats. Öppna "
        "länken i meddelandet som den är, eller svara på meddelandet och be att bli borttagen.",
    },
}


def page(locale: str | None) -> dict[str, str]:
    """The page's strings in the built-in locale closest to ``locale`` (English otherwise)."""
    return _PAGE.get(texts.builtin(locale), _PAGE[texts.FALLBACK])
