"""Built-in strings, the texts a team gives per locale, and which locale a person gets.

A survey brings its own question (and maybe its own follow-up) per locale; every other string a
person reads — the card's buttons, the scale's end labels, the default follow-up question, the
hosted answer page — is a *text*: built in here for :data:`LOCALES`, and replaceable per locale
by the team, site-wide (``Site.texts``) or per survey (``Survey.texts``), for any BCP 47 tag
(docs/widget.md, "Texts and locales").

Each kind's end labels follow its question: CSAT asks for satisfaction, CES asks how much one
agrees that "X was easy to handle", NPS asks how likely one is to recommend.

Never half-English: a locale is used for a surface (the card, the answer page) only when every
text that surface shows exists in it (the team's own, else the built-in one of its language);
otherwise the person gets the next locale in :func:`candidates` as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

LOCALES: tuple[str, ...] = ("en", "fi", "sv", "de", "fr", "es", "nb", "da")
FALLBACK = "en"
#: A language tag as stored (canonical case): language, optional script, optional region:
#: ``fi``, ``pt-BR``, ``zh-Hant``, ``zh-Hant-TW``, ``es-419``.
TAG = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|[0-9]{3}))?$")
#: Languages written with another tag's built-in texts (Norwegian ``no`` is Bokmål here).
ALIASES = {"no": "nb"}

#: What the widget's card shows besides the question: ``followup`` is the follow-up question of a
#: survey without one of its own, ``low_label``/``high_label`` the scale's end labels (by default
#: per kind), ``placeholder`` the comment box's hint (and its label on the answer page when the
#: survey has reasons).
CARD_KEYS: tuple[str, ...] = (
    "close",
    "send",
    "skip",
    "thanks",
    "placeholder",
    "followup",
    "low_label",
    "high_label",
)
#: What the hosted answer page (``/r/<token>``) shows besides the card's texts. ``{min}``,
#: ``{max}``, ``{score}`` and ``{site}`` are filled in by the page.
PAGE_KEYS: tuple[str, ...] = (
    "title",
    "asked_by",
    "choose",
    "score_label",
    "scale_label",
    "chosen",
    "change",
    "optional",
    "max_chars",
    "too_long",
    "done_title",
    "done_body",
    "final",
    "closed_title",
    "closed_body",
    "invalid_title",
    "invalid_body",
    "bad_score",
)
#: What the survey e-mail of a link prompt says around its question and score buttons:
#: ``{name}``, ``{score}``, ``{max}`` and ``{site}`` are filled in.
MAIL_KEYS: tuple[str, ...] = (
    "mail_greeting",
    "mail_greeting_anonymous",
    "mail_hint",
    "mail_score_label",
    "mail_why",
    "mail_unsubscribe",
)
KEYS: tuple[str, ...] = CARD_KEYS + PAGE_KEYS + MAIL_KEYS
#: Every text each surface shows: a locale is used there only when it has all of them.
PAGE_SURFACE: tuple[str, ...] = CARD_KEYS + PAGE_KEYS
MAIL_SURFACE: tuple[str, ...] = ("low_label", "high_label", *MAIL_KEYS)
#: Placeholders each page text must keep (a translation without ``{score}`` would lose it).
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "asked_by": ("site",),
    "choose": ("min", "max"),
    "score_label": ("score", "min", "max"),
    "chosen": ("score",),
    "max_chars": ("max",),
    "too_long": ("max",),
    "final": ("score",),
    "bad_score": ("min", "max"),
    "mail_greeting": ("name",),
    "mail_score_label": ("score", "max"),
    "mail_why": ("site",),
}

_SCALE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "csat": {
        "en": ("Very dissatisfied", "Very satisfied"),
        "fi": ("Erittäin tyytymätön", "Erittäin tyytyväinen"),
        "sv": ("Mycket missnöjd", "Mycket nöjd"),
        "de": ("Sehr unzufrieden", "Sehr zufrieden"),
        "fr": ("Très insatisfait", "Très satisfait"),
        "es": ("Muy insatisfecho", "Muy satisfecho"),
        "nb": ("Svært misfornøyd", "Svært fornøyd"),
        "da": ("Meget utilfreds", "Meget tilfreds"),
    },
    "ces": {
        "en": ("Strongly disagree", "Strongly agree"),
        "fi": ("Täysin eri mieltä", "Täysin samaa mieltä"),
        "sv": ("Instämmer inte alls", "Instämmer helt"),
        "de": ("Stimme überhaupt nicht zu", "Stimme voll und ganz zu"),
        "fr": ("Pas du tout d’accord", "Tout à fait d’accord"),
        "es": ("Totalmente en desacuerdo", "Totalmente de acuerdo"),
        "nb": ("Helt uenig", "Helt enig"),
        "da": ("Helt uenig", "Helt enig"),
    },
    "nps": {
        "en": ("Not at all likely", "Extremely likely"),
        "fi": ("En lainkaan todennäköisesti", "Erittäin todennäköisesti"),
        "sv": ("Inte alls sannolikt", "Mycket sannolikt"),
        "de": ("Überhaupt nicht wahrscheinlich", "Äußerst wahrscheinlich"),
        "fr": ("Pas du tout probable", "Très probable"),
        "es": ("Nada probable", "Muy probable"),
        "nb": ("Overhodet ikke sannsynlig", "Svært sannsynlig"),
        "da": ("Slet ikke sandsynligt", "Meget sandsynligt"),
    },
}

_NBSP = "\u00a0"  # French puts one before ! ? and :

_BUILTIN: dict[str, dict[str, str]] = {
    "en": {
        "close": "Close",
        "send": "Send",
        "skip": "Skip",
        "thanks": "Thank you for your feedback!",
        "placeholder": "Tell us more (optional)",
        "followup": "What is the main reason for your score?",
        "title": "Your feedback",
        "asked_by": "A question from {site}",
        "choose": "Choose a score from {min} to {max}.",
        "score_label": "{score} on a scale from {min} to {max}",
        "scale_label": "Score",
        "chosen": "Thank you! You chose {score}.",
        "change": "Changed your mind? Pick another score above.",
        "optional": "optional",
        "max_chars": "At most {max} characters.",
        "too_long": "The comment can be at most {max} characters long.",
        "done_title": "Thank you for your feedback!",
        "done_body": "Your answer has been saved. You can close this page.",
        "final": "You already answered {score}. Thank you!",
        "closed_title": "This survey has closed",
        "closed_body": "Thank you for your interest. This link is no longer open for answers.",
        "invalid_title": "This link does not work",
        "invalid_body": "Please check that you opened the whole link from the message.",
        "bad_score": "Please choose a score from {min} to {max}.",
        "mail_greeting": "Hi {name},",
        "mail_greeting_anonymous": "Hi,",
        "mail_hint": "Choose a score: one click answers.",
        "mail_score_label": "{score} out of {max}",
        "mail_why": "You get this e-mail because you use {site}.",
        "mail_unsubscribe": "Unsubscribe from survey e-mails",
    },
    "fi": {
        "close": "Sulje",
        "send": "Lähetä",
        "skip": "Ohita",
        "thanks": "Kiitos palautteestasi!",
        "placeholder": "Kerro lisää (vapaaehtoinen)",
        "followup": "Mikä on tärkein syy antamaasi arvioon?",
        "title": "Palautteesi",
        "asked_by": "Kysymys palvelulta {site}",
        "choose": "Valitse arvio väliltä {min}–{max}.",
        "score_label": "{score} asteikolla {min}–{max}",
        "scale_label": "Arvio",
        "chosen": "Kiitos! Valitsit {score}.",
        "change": "Muutitko mielesi? Valitse toinen arvio yltä.",
        "optional": "vapaaehtoinen",
        "max_chars": "Enintään {max} merkkiä.",
        "too_long": "Kommentti voi olla enintään {max} merkkiä pitkä.",
        "done_title": "Kiitos palautteestasi!",
        "done_body": "Vastauksesi on tallennettu. Voit sulkea tämän sivun.",
        "final": "Olet jo vastannut {score}. Kiitos!",
        "closed_title": "Tämä kysely on päättynyt",
        "closed_body": "Kiitos mielenkiinnostasi. Tähän linkkiin ei voi enää vastata.",
        "invalid_title": "Tämä linkki ei toimi",
        "invalid_body": "Tarkista, että avasit viestissä olleen linkin kokonaan.",
        "bad_score": "Valitse arvio väliltä {min}–{max}.",
        "mail_greeting": "Hei {name},",
        "mail_greeting_anonymous": "Hei,",
        "mail_hint": "Valitse arvosana: yksi napsautus riittää.",
        "mail_score_label": "{score}/{max}",
        "mail_why": "Saat tämän viestin, koska käytät palvelua {site}.",
        "mail_unsubscribe": "Peru kyselyviestit",
    },
    "sv": {
        "close": "Stäng",
        "send": "Skicka",
        "skip": "Hoppa över",
        "thanks": "Tack för din återkoppling!",
        "placeholder": "Berätta mer (valfritt)",
        "followup": "Vad är den främsta anledningen till ditt betyg?",
        "title": "Din återkoppling",
        "asked_by": "En fråga från {site}",
        "choose": "Välj ett betyg från {min} till {max}.",
        "score_label": "{score} på en skala från {min} till {max}",
        "scale_label": "Betyg",
        "chosen": "Tack! Du valde {score}.",
        "change": "Ändrat dig? Välj ett annat betyg ovan.",
        "optional": "valfritt",
        "max_chars": "Högst {max} tecken.",
        "too_long": "Kommentaren får vara högst {max} tecken lång.",
        "done_title": "Tack för din återkoppling!",
        "done_body": "Ditt svar har sparats. Du kan stänga den här sidan.",
        "final": "Du har redan svarat {score}. Tack!",
        "closed_title": "Den här enkäten har stängts",
        "closed_body": "Tack för ditt intresse. Det går inte längre att svara via länken.",
        "invalid_title": "Länken fungerar inte",
        "invalid_body": "Kontrollera att du öppnade hela länken i meddelandet.",
        "bad_score": "Välj ett betyg från {min} till {max}.",
        "mail_greeting": "Hej {name},",
        "mail_greeting_anonymous": "Hej,",
        "mail_hint": "Välj ett betyg: ett klick räcker.",
        "mail_score_label": "{score} av {max}",
        "mail_why": "Du får det här meddelandet eftersom du använder {site}.",
        "mail_unsubscribe": "Avregistrera dig från enkäter",
    },
    "de": {
        "close": "Schließen",
        "send": "Senden",
        "skip": "Überspringen",
        "thanks": "Vielen Dank für Ihr Feedback!",
        "placeholder": "Erzählen Sie uns mehr (optional)",
        "followup": "Was ist der wichtigste Grund für Ihre Bewertung?",
        "title": "Ihr Feedback",
        "asked_by": "Eine Frage von {site}",
        "choose": "Wählen Sie eine Bewertung von {min} bis {max}.",
        "score_label": "{score} auf einer Skala von {min} bis {max}",
        "scale_label": "Bewertung",
        "chosen": "Vielen Dank! Sie haben {score} gewählt.",
        "change": "Anders entschieden? Wählen Sie oben eine andere Bewertung.",
        "optional": "optional",
        "max_chars": "Höchstens {max} Zeichen.",
        "too_long": "Der Kommentar darf höchstens {max} Zeichen lang sein.",
        "done_title": "Vielen Dank für Ihr Feedback!",
        "done_body": "Ihre Antwort wurde gespeichert. Sie können diese Seite jetzt schließen.",
        "final": "Sie haben bereits mit {score} geantwortet. Vielen Dank!",
        "closed_title": "Diese Umfrage ist beendet",
        "closed_body": "Vielen Dank für Ihr Interesse. Über diesen Link sind keine Antworten "
        "mehr möglich.",
        "invalid_title": "Dieser Link funktioniert nicht",
        "invalid_body": "Bitte prüfen Sie, ob Sie den vollständigen Link aus der Nachricht "
        "geöffnet haben.",
        "bad_score": "Bitte wählen Sie eine Bewertung von {min} bis {max}.",
        "mail_greeting": "Hallo {name},",
        "mail_greeting_anonymous": "Hallo,",
        "mail_hint": "Wählen Sie eine Bewertung – ein Klick genügt.",
        "mail_score_label": "{score} von {max}",
        "mail_why": "Sie erhalten diese E-Mail, weil Sie {site} nutzen.",
        "mail_unsubscribe": "Umfrage-E-Mails abbestellen",
    },
    "fr": {
        "close": "Fermer",
        "send": "Envoyer",
        "skip": "Passer",
        "thanks": f"Merci pour votre avis{_NBSP}!",
        "placeholder": "Dites-nous-en plus (facultatif)",
        "followup": f"Quelle est la principale raison de votre note{_NBSP}?",
        "title": "Votre avis",
        "asked_by": "Une question de {site}",
        "choose": "Choisissez une note de {min} à {max}.",
        "score_label": "{score} sur une échelle de {min} à {max}",
        "scale_label": "Note",
        "chosen": f"Merci{_NBSP}! Vous avez choisi {{score}}.",
        "change": f"Vous avez changé d’avis{_NBSP}? Choisissez une autre note ci-dessus.",
        "optional": "facultatif",
        "max_chars": "{max} caractères au maximum.",
        "too_long": "Le commentaire ne peut pas dépasser {max} caractères.",
        "done_title": f"Merci pour votre avis{_NBSP}!",
        "done_body": "Votre réponse a été enregistrée. Vous pouvez fermer cette page.",
        "final": f"Vous avez déjà répondu {{score}}. Merci{_NBSP}!",
        "closed_title": "Cette enquête est terminée",
        "closed_body": "Merci de votre intérêt. Ce lien n’accepte plus de réponses.",
        "invalid_title": "Ce lien ne fonctionne pas",
        "invalid_body": "Vérifiez que vous avez bien ouvert le lien complet du message.",
        "bad_score": "Veuillez choisir une note de {min} à {max}.",
        "mail_greeting": "Bonjour {name},",
        "mail_greeting_anonymous": "Bonjour,",
        "mail_hint": "Choisissez une note\xa0: un clic suffit.",
        "mail_score_label": "{score} sur {max}",
        "mail_why": "Vous recevez cet e-mail parce que vous utilisez {site}.",
        "mail_unsubscribe": "Ne plus recevoir d’enquêtes par e-mail",
    },
    "es": {
        "close": "Cerrar",
        "send": "Enviar",
        "skip": "Omitir",
        "thanks": "¡Gracias por tu opinión!",
        "placeholder": "Cuéntanos más (opcional)",
        "followup": "¿Cuál es el motivo principal de tu puntuación?",
        "title": "Tu opinión",
        "asked_by": "Una pregunta de {site}",
        "choose": "Elige una puntuación del {min} al {max}.",
        "score_label": "{score} en una escala del {min} al {max}",
        "scale_label": "Puntuación",
        "chosen": "¡Gracias! Has elegido {score}.",
        "change": "¿Has cambiado de opinión? Elige otra puntuación arriba.",
        "optional": "opcional",
        "max_chars": "Como máximo {max} caracteres.",
        "too_long": "El comentario puede tener como máximo {max} caracteres.",
        "done_title": "¡Gracias por tu opinión!",
        "done_body": "Tu respuesta se ha guardado. Ya puedes cerrar esta página.",
        "final": "Ya respondiste {score}. ¡Gracias!",
        "closed_title": "Esta encuesta ha finalizado",
        "closed_body": "Gracias por tu interés. Este enlace ya no admite respuestas.",
        "invalid_title": "Este enlace no funciona",
        "invalid_body": "Comprueba que has abierto el enlace completo del mensaje.",
        "bad_score": "Elige una puntuación del {min} al {max}.",
        "mail_greeting": "Hola, {name}:",
        "mail_greeting_anonymous": "Hola:",
        "mail_hint": "Elige una puntuación: basta con un clic.",
        "mail_score_label": "{score} de {max}",
        "mail_why": "Recibes este correo porque usas {site}.",
        "mail_unsubscribe": "Darme de baja de los correos de encuestas",
    },
    "nb": {
        "close": "Lukk",
        "send": "Send",
        "skip": "Hopp over",
        "thanks": "Takk for tilbakemeldingen!",
        "placeholder": "Fortell oss mer (valgfritt)",
        "followup": "Hva er hovedgrunnen til vurderingen din?",
        "title": "Din tilbakemelding",
        "asked_by": "Et spørsmål fra {site}",
        "choose": "Velg en vurdering fra {min} til {max}.",
        "score_label": "{score} på en skala fra {min} til {max}",
        "scale_label": "Vurdering",
        "chosen": "Takk! Du valgte {score}.",
        "change": "Ombestemt deg? Velg en annen vurdering ovenfor.",
        "optional": "valgfritt",
        "max_chars": "Maks {max} tegn.",
        "too_long": "Kommentaren kan være på maks {max} tegn.",
        "done_title": "Takk for tilbakemeldingen!",
        "done_body": "Svaret ditt er lagret. Du kan lukke denne siden.",
        "final": "Du har allerede svart {score}. Takk!",
        "closed_title": "Denne undersøkelsen er avsluttet",
        "closed_body": "Takk for interessen. Denne lenken tar ikke lenger imot svar.",
        "invalid_title": "Denne lenken fungerer ikke",
        "invalid_body": "Sjekk at du åpnet hele lenken fra meldingen.",
        "bad_score": "Velg en vurdering fra {min} til {max}.",
        "mail_greeting": "Hei {name},",
        "mail_greeting_anonymous": "Hei,",
        "mail_hint": "Velg en vurdering – ett klikk er nok.",
        "mail_score_label": "{score} av {max}",
        "mail_why": "Du får denne e-posten fordi du bruker {site}.",
        "mail_unsubscribe": "Meld meg av e-poster med undersøkelser",
    },
    "da": {
        "close": "Luk",
        "send": "Send",
        "skip": "Spring over",
        "thanks": "Tak for din feedback!",
        "placeholder": "Fortæl os mere (valgfrit)",
        "followup": "Hvad er den vigtigste grund til din vurdering?",
        "title": "Din feedback",
        "asked_by": "Et spørgsmål fra {site}",
        "choose": "Vælg en vurdering fra {min} til {max}.",
        "score_label": "{score} på en skala fra {min} til {max}",
        "scale_label": "Vurdering",
        "chosen": "Tak! Du valgte {score}.",
        "change": "Har du skiftet mening? Vælg en anden vurdering ovenfor.",
        "optional": "valgfrit",
        "max_chars": "Højst {max} tegn.",
        "too_long": "Kommentaren må højst være {max} tegn lang.",
        "done_title": "Tak for din feedback!",
        "done_body": "Dit svar er gemt. Du kan lukke denne side.",
        "final": "Du har allerede svaret {score}. Tak!",
        "closed_title": "Denne undersøgelse er lukket",
        "closed_body": "Tak for din interesse. Linket tager ikke længere imod svar.",
        "invalid_title": "Linket virker ikke",
        "invalid_body": "Tjek, at du har åbnet hele linket fra beskeden.",
        "bad_score": "Vælg en vurdering fra {min} til {max}.",
        "mail_greeting": "Hej {name},",
        "mail_greeting_anonymous": "Hej,",
        "mail_hint": "Vælg en vurdering – ét klik er nok.",
        "mail_score_label": "{score} ud af {max}",
        "mail_why": "Du får denne e-mail, fordi du bruger {site}.",
        "mail_unsubscribe": "Afmeld e-mails med undersøgelser",
    },
}

Texts = Mapping[str, Mapping[str, str]] | None


def canonical(tag: str | None) -> str | None:
    """A language tag in the case :data:`TAG` stores (``pt_br`` → ``pt-BR``, ``ZH-hant`` →
    ``zh-Hant``), or ``None`` for what is not one."""
    if not tag:
        return None
    parts = tag.replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:3]:
        out.append(part.title() if len(part) == 4 and part.isalpha() else part.upper())
    tag = "-".join(out)
    while tag and not TAG.match(tag):  # drop what cannot be kept (variants, extensions)
        tag = tag.rpartition("-")[0]
    return tag or None


def language(tag: str | None) -> str | None:
    """The language part of a locale tag, lower case: ``fi-FI`` → ``fi``; ``None`` stays."""
    if not tag:
        return None
    return tag.replace("_", "-").split("-", 1)[0].lower() or None


def builtin(locale: str | None) -> str:
    """The built-in locale closest to ``locale`` (English when there is none)."""
    lang = language(locale)
    lang = ALIASES.get(lang, lang)
    return lang if lang in LOCALES else FALLBACK


def has_builtin(locale: str | None) -> bool:
    lang = language(locale)
    return ALIASES.get(lang, lang) in LOCALES


def candidates(requested: str | None, default: str | None) -> list[str]:
    """The locales to try, in order: the requested tag, its language, the site's default (tag,
    then language), English."""
    out: list[str] = []
    for tag in (canonical(requested), canonical(default)):
        for candidate in (tag, language(tag)):
            if candidate and candidate not in out:
                out.append(candidate)
    if FALLBACK not in out:
        out.append(FALLBACK)
    return out


def _layers(locale: str, survey_texts: Texts, site_texts: Texts) -> list[Mapping[str, str]]:
    """Where a text of ``locale`` comes from, first wins: the survey's, the site's (the exact tag,
    then its language), the built-in one of its language."""
    lang = language(locale)
    layers = []
    for tag in dict.fromkeys((locale, lang)):
        for given in (survey_texts, site_texts):
            if given and isinstance(given.get(tag), Mapping):
                layers.append(given[tag])
    if has_builtin(locale):
        layers.append(_BUILTIN[builtin(locale)])
    return layers


def complete(
    locale: str, keys: Iterable[str], survey_texts: Texts = None, site_texts: Texts = None
) -> bool:
    """Every one of ``keys`` exists in ``locale`` (end labels: a team's, or built in per kind)."""
    layers = _layers(locale, survey_texts, site_texts)
    builtin_labels = has_builtin(locale)
    for key in keys:
        if key in ("low_label", "high_label") and builtin_labels:
            continue
        if not any(key in layer for layer in layers):
            return False
    return True


def negotiate(
    requested: str | None,
    available: Iterable[str],
    default: str | None,
    *,
    keys: Iterable[str] = CARD_KEYS,
    survey_texts: Texts = None,
    site_texts: Texts = None,
) -> str:
    """The locale a person reads a survey in: the first of :func:`candidates` that the survey
    has a question in (``available``) and that has every one of ``keys``; else English.

    The one rule for the widget, the answer page and e-mail: ``fi-FI`` → ``fi`` → the site's
    default locale → ``en``. A locale without texts (``pt-BR`` with no team texts) is passed
    over as a whole, never shown half in English."""
    have = set(available)
    keys = tuple(keys)
    for candidate in candidates(requested, default):
        if candidate in have and complete(candidate, keys, survey_texts, site_texts):
            return candidate
    return FALLBACK


def pick_locale(requested: str | None, available: Iterable[str], default: str | None) -> str:
    """:func:`negotiate` for the question alone (the built-in texts' languages and English)."""
    return negotiate(requested, available, default, keys=())


def strings(
    locale: str,
    kind: str,
    keys: Iterable[str] = CARD_KEYS,
    survey_texts: Texts = None,
    site_texts: Texts = None,
) -> dict[str, str]:
    """``keys`` in ``locale``: the survey's texts, else the site's, else built in (the end labels
    built in per kind); English only for a key no layer has (a locale :func:`negotiate` chose
    has them all)."""
    layers = _layers(locale, survey_texts, site_texts)
    out = {}
    lang = builtin(locale) if has_builtin(locale) else FALLBACK
    labels = _SCALE_LABELS[kind][lang]
    for key in keys:
        found = next((layer[key] for layer in layers if key in layer), None)
        if found is None:
            if key in ("low_label", "high_label"):
                found = labels[0 if key == "low_label" else 1]
            else:
                found = _BUILTIN[FALLBACK][key]
        out[key] = found
    return out


def scale_labels(kind: str, locale: str | None) -> tuple[str, str]:
    """The built-in labels of the lowest and highest scale point of a survey ``kind``."""
    return _SCALE_LABELS[kind][builtin(locale)]


def default_followup(locale: str | None) -> str:
    return _BUILTIN[builtin(locale)]["followup"]


def followup(survey_texts: dict[str, str] | None, locale: str, default: str | None = None) -> str:
    """The follow-up question: the survey's own in ``locale`` (or its language), else
    ``default`` (the texts' ``followup`` in ``locale``), else the built-in one in that language
    (better than switching language mid-card), else the survey's English one."""
    texts = survey_texts or {}
    for tag in (locale, language(locale)):
        if tag in texts:
            return texts[tag]
    if default is not None:
        return default
    if has_builtin(locale):
        return default_followup(locale)
    return texts.get(FALLBACK) or default_followup(FALLBACK)


def band_followup(
    by_band: Mapping[str, Mapping[str, str]] | None, band: str, locale: str
) -> str | None:
    """A band's own follow-up question in ``locale`` (or its language); ``None``: the plain one."""
    own = (by_band or {}).get(band) or {}
    for tag in (locale, language(locale)):
        if tag in own:
            return own[tag]
    return None


def label(labels: Mapping[str, str], locale: str) -> str:
    """A reason choice's label in ``locale``, its language, else English (always given)."""
    for tag in (locale, language(locale), FALLBACK):
        if tag in labels:
            return labels[tag]
    return next(iter(labels.values()), "")


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(text: str, **values) -> str:
    """``{name}`` replaced by its value; anything else in a team's text is kept as written (a
    text may leave a placeholder out, and a stray brace is no error)."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m[1], m[0])), text)


def page(locale: str | None) -> dict[str, str]:
    """The hosted answer page's built-in strings in the built-in locale closest to ``locale``."""
    return dict(_BUILTIN[builtin(locale)])


def missing(locale: str, given: Mapping[str, str]) -> list[str]:
    """The card texts a team must give for ``locale`` when none are built in for its language."""
    if has_builtin(locale):
        return []
    return [key for key in CARD_KEYS if key not in given]
