"""Built-in strings in English, Finnish and Swedish, and which locale a person gets.

A survey brings its own question (and maybe its own follow-up) per locale; everything else a
person reads — the scale's end labels, the default follow-up question, the hosted answer page —
comes from here. Each kind's end labels follow its question: CSAT asks for satisfaction, CES asks
how much one agrees that "X was easy to handle", NPS asks how likely one is to recommend.
"""

from __future__ import annotations

from collections.abc import Iterable

LOCALES: tuple[str, ...] = ("en", "fi", "sv")
FALLBACK = "en"

_SCALE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "csat": {
        "en": ("Very dissatisfied", "Very satisfied"),
        "fi": ("Erittäin tyytymätön", "Erittäin tyytyväinen"),
        "sv": ("Mycket missnöjd", "Mycket nöjd"),
    },
    "ces": {
        "en": ("Strongly disagree", "Strongly agree"),
        "fi": ("Täysin eri mieltä", "Täysin samaa mieltä"),
        "sv": ("Instämmer inte alls", "Instämmer helt"),
    },
    "nps": {
        "en": ("Not at all likely", "Extremely likely"),
        "fi": ("En lainkaan todennäköisesti", "Erittäin todennäköisesti"),
        "sv": ("Inte alls sannolikt", "Mycket sannolikt"),
    },
}

_FOLLOWUP: dict[str, str] = {
    "en": "What is the main reason for your score?",
    "fi": "Mikä on tärkein syy antamaasi arvioon?",
    "sv": "Vad är den främsta anledningen till ditt betyg?",
}

#: The hosted answer page (``/r/<token>``). ``{min}``, ``{max}``, ``{score}`` and ``{site}`` are
#: filled in by the page.
_PAGE: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your feedback",
        "asked_by": "A question from {site}",
        "choose": "Choose a score from {min} to {max}.",
        "score_label": "{score} on a scale from {min} to {max}",
        "scale_label": "Score",
        "chosen": "Thank you! You chose {score}.",
        "change": "Changed your mind? Pick another score above.",
        "optional": "optional",
        "send": "Send",
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
    },
    "fi": {
        "title": "Palautteesi",
        "asked_by": "Kysymys palvelulta {site}",
        "choose": "Valitse arvio väliltä {min}–{max}.",
        "score_label": "{score} asteikolla {min}–{max}",
        "scale_label": "Arvio",
        "chosen": "Kiitos! Valitsit {score}.",
        "change": "Muutitko mielesi? Valitse toinen arvio yltä.",
        "optional": "vapaaehtoinen",
        "send": "Lähetä",
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
    },
    "sv": {
        "title": "Din återkoppling",
        "asked_by": "En fråga från {site}",
        "choose": "Välj ett betyg från {min} till {max}.",
        "score_label": "{score} på en skala från {min} till {max}",
        "scale_label": "Betyg",
        "chosen": "Tack! Du valde {score}.",
        "change": "Ändrat dig? Välj ett annat betyg ovan.",
        "optional": "valfritt",
        "send": "Skicka",
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
    },
}


def language(tag: str | None) -> str | None:
    """The language part of a locale tag, lower case: ``fi-FI`` → ``fi``; ``None`` stays."""
    if not tag:
        return None
    return tag.replace("_", "-").split("-", 1)[0].lower() or None


def pick_locale(requested: str | None, available: Iterable[str], default: str | None) -> str:
    """The locale a person reads a survey in: the requested one if the survey has it (the exact
    tag, then its language), else the site's default locale, else English."""
    have = set(available)
    for candidate in (requested, language(requested), default, language(default)):
        if candidate and candidate in have:
            return candidate
    return FALLBACK


def builtin(locale: str | None) -> str:
    """The built-in locale closest to ``locale`` (English when there is none)."""
    lang = language(locale)
    return lang if lang in LOCALES else FALLBACK


def scale_labels(kind: str, locale: str | None) -> tuple[str, str]:
    """The labels of the lowest and highest scale point of a survey ``kind``."""
    return _SCALE_LABELS[kind][builtin(locale)]


def default_followup(locale: str | None) -> str:
    return _FOLLOWUP[builtin(locale)]


def followup(survey_texts: dict[str, str] | None, locale: str) -> str:
    """The follow-up question: the survey's own in ``locale``, else the built-in one in that
    language (better than switching language mid-card), else the survey's English one."""
    texts = survey_texts or {}
    if locale in texts:
        return texts[locale]
    if builtin(locale) == language(locale):
        return default_followup(locale)
    return texts.get(FALLBACK) or default_followup(FALLBACK)


def page(locale: str | None) -> dict[str, str]:
    """The hosted answer page's strings in the built-in locale closest to ``locale``."""
    return _PAGE[builtin(locale)]
