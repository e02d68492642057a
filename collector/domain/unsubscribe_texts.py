"""The unsubscribe page's strings (``/u/<token>``) in every built-in locale of ``texts``.

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
    "de": {
        "title": "Abbestellen",
        "ask_title": "Keine Umfrage-E-Mails mehr?",
        "ask_body": "{site} sendet dann keine Umfrage-E-Mails mehr an {email}.",
        "button": "Abbestellen",
        "done_title": "Sie haben abbestellt",
        "done_body": "{site} sendet keine Umfrage-E-Mails mehr an {email}.",
        "invalid_title": "Dieser Link funktioniert nicht",
        "invalid_body": "Der Abmeldelink ist unvollständig oder wurde verändert. Öffnen Sie den "
        "Link so, wie er in der E-Mail steht, oder antworten Sie auf die E-Mail und bitten Sie "
        "um Entfernung.",
    },
    "fr": {
        "title": "Se désabonner",
        "ask_title": "Ne plus recevoir d’enquêtes par e-mail\u00a0?",
        "ask_body": "{site} n’enverra plus d’enquêtes par e-mail à {email}.",
        "button": "Se désabonner",
        "done_title": "Vous êtes désabonné",
        "done_body": "{site} n’enverra plus d’enquêtes par e-mail à {email}.",
        "invalid_title": "Ce lien ne fonctionne pas",
        "invalid_body": "Le lien de désabonnement est incomplet ou a été modifié. Ouvrez le lien "
        "tel qu’il figure dans l’e-mail, ou répondez à l’e-mail pour demander votre retrait.",
    },
    "es": {
        "title": "Darse de baja",
        "ask_title": "¿Dejar de recibir encuestas por correo?",
        "ask_body": "{site} dejará de enviar encuestas por correo a {email}.",
        "button": "Darme de baja",
        "done_title": "Te has dado de baja",
        "done_body": "{site} no volverá a enviar encuestas por correo a {email}.",
        "invalid_title": "Este enlace no funciona",
        "invalid_body": "El enlace para darte de baja está incompleto o se ha modificado. Abre "
        "el enlace tal como aparece en el correo, o responde al correo y pide que te eliminen.",
    },
    "nb": {
        "title": "Meld deg av",
        "ask_title": "Slutte å få undersøkelser på e-post?",
        "ask_body": "{site} slutter å sende undersøkelser på e-post til {email}.",
        "button": "Meld meg av",
        "done_title": "Du er meldt av",
        "done_body": "{site} sender ikke flere undersøkelser på e-post til {email}.",
        "invalid_title": "Denne lenken fungerer ikke",
        "invalid_body": "Avmeldingslenken er ufullstendig eller endret. Åpne lenken slik den "
        "står i e-posten, eller svar på e-posten og be om å bli fjernet.",
    },
    "da": {
        "title": "Afmeld",
        "ask_title": "Stop med at få undersøgelser på e-mail?",
        "ask_body": "{site} holder op med at sende undersøgelser på e-mail til {email}.",
        "button": "Afmeld",
        "done_title": "Du er afmeldt",
        "done_body": "{site} sender ikke flere undersøgelser på e-mail til {email}.",
        "invalid_title": "Linket virker ikke",
        "invalid_body": "Afmeldingslinket er ufuldstændigt eller er blevet ændret. Åbn linket, "
        "som det står i e-mailen, eller svar på e-mailen og bed om at blive fjernet.",
    },
}


def page(locale: str | None) -> dict[str, str]:
    """The page's strings in the built-in locale closest to ``locale`` (English otherwise)."""
    return _PAGE.get(texts.builtin(locale), _PAGE[texts.FALLBACK])
