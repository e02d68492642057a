"""HTML forms in, the API's JSON shape out: the schemas of the API then validate both alike.

Nothing here decides what is valid; it only turns form fields (strings, checkboxes, one text per
line) into the values the marshmallow schemas read, and their error messages back into fields.
"""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from collector.dashboard import schedule_form

#: The question languages the survey editor always shows; others appear once a survey has them.
LOCALES = ("en", "fi", "sv")

_SEPARATORS = re.compile(r"[,\n]+")


def texts(form: MultiDict, prefix: str) -> dict[str, str]:
    """``question_en``, ``question_de`` … → ``{"en": …, "de": …}``, blank ones left out. Every
    locale posted counts, not only the built-in ones: a survey made over the API in German keeps
    its German through an edit of its name."""
    out = {}
    field = re.compile(rf"^{re.escape(prefix)}_([A-Za-z]{{2,3}}(?:-[A-Za-z0-9]{{2,8}}){{0,2}})$")
    for name in form:
        match = field.match(name)
        value = form.get(name, "").strip()
        if match and value:
            out[match.group(1)] = value
    return out


def extra_locales(*texts: dict | None) -> list[str]:
    """The locales of these texts beyond the built-in ones, in order: the form shows them too."""
    seen = [code for t in texts for code in (t or {}) if code not in LOCALES]
    return list(dict.fromkeys(seen))


def words(value: str) -> list[str]:
    """Items separated by commas or lines. A space is not a separator: "invoice paid" is one
    (invalid) name to point at, not two events."""
    return [w.strip() for w in _SEPARATORS.split(value) if w.strip()]


def keep_conditions(names: list[str], stored: list) -> list:
    """The form's event names, each with the conditions it has stored (``{event, where}``)."""
    filtered: dict[str, list] = {}
    for trigger in stored or ():
        if isinstance(trigger, dict):
            filtered.setdefault(trigger["event"], []).append(trigger)
    return [t for name in dict.fromkeys(names) for t in filtered.get(name, [name])]


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def number(form: MultiDict, name: str, into: dict, *, blank=...) -> None:
    """Copy a number field as typed (the schema says whether it is one); blank → ``blank`` or absent."""
    value = form.get(name, "").strip()
    if value:
        into[name] = value
    elif blank is not ...:
        into[name] = blank


def survey(form: MultiDict) -> dict:
    """The survey form as the body of ``POST /v1/surveys``."""
    data: dict = {
        "question": texts(form, "question"),
        "trigger_events": words(form.get("trigger_events", "")),
        "active": form.get("active") == "on",
    }
    if form.get("kind"):
        data["kind"] = form["kind"]
    name = form.get("name", "").strip()
    if name:
        data["name"] = name
    followup = texts(form, "followup")
    data["followup"] = followup or None
    # Checkboxes: none ticked is a policy too (no answer opens a follow-up).
    data["followup_bands"] = form.getlist("followup_bands")
    for field in ("sample_rate", "delay_ms", "recontact_days", "dismiss_snooze_days", "priority"):
        number(form, field, data)
    number(form, "max_responses", data, blank=None)
    card_fields(form, data)
    data["schedule"] = schedule_form.parse(form)
    return data


BANDS = ("low", "mid", "high")
MAX_REASONS = 8
TEXT_FIELD = re.compile(r"^text_(?P<locale>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,2})_([a-z_]+)$")


def card_fields(form: MultiDict, into: dict) -> None:
    """The editor's follow-ups by band, reasons and texts (``_editor_texts.html``), when the form
    has them: ``band_low_en``…, ``reason_id_0`` + ``reason_label_0_en``…, ``text_de_send``…
    A choice without an id takes one made from its English label ("Too slow" → ``too-slow``)."""
    if not form.get("card_fields"):
        return
    by_band = {band: texts(form, f"band_{band}") for band in BANDS}
    into["followup_by_band"] = {band: t for band, t in by_band.items() if t} or None
    choices = []
    for i in range(MAX_REASONS):
        labels = texts(form, f"reason_label_{i}")
        given = form.get(f"reason_id_{i}", "").strip()
        if given or labels:
            choices.append({"id": given or slug(labels.get("en", "")), "label": labels})
    into["reasons"] = (
        {
            "choices": choices,
            "multiple": form.get("reasons_multiple") == "on",
            "bands": form.getlist("reasons_bands") or None,
        }
        if choices
        else None
    )
    own: dict[str, dict[str, str]] = {}
    for name in form:
        match = TEXT_FIELD.match(name)
        value = form.get(name, "").strip()
        if match and value:
            own.setdefault(match.group(1), {})[match.group(2)] = value
    into["texts"] = own or None


def slug(label: str) -> str:
    """A reason id from its label: lower case, words joined by ``-``."""
    return "-".join(re.findall(r"[a-z0-9]+", label.lower()))[:40]


def site(form: MultiDict) -> dict:
    """The settings form as the body of ``PATCH /v1/site``."""
    data: dict = {
        "allowed_origins": lines(form.get("allowed_origins", "")),
        "require_identity": form.get("require_identity") == "on",
        "theme": {},
    }
    for field in ("name", "default_locale"):
        if form.get(field, "").strip():
            data[field] = form[field].strip()
    number(form, "cooldown_days", data)
    if "segments" in form:  # a set of names: in order, so an unchanged list is no change
        data["segments"] = sorted(lines(form["segments"]))
    for field in ("accent", "position"):
        if form.get(field, "").strip():
            data["theme"][field] = form[field].strip()
    return data


def errors(messages, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages as ``{"question.fi": "first message"}``."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            # Dict fields report "value"/"key" below the item; the item is what the form shows.
            part = "" if key in ("_schema", "value", "key") else str(key)
            path = ".".join(p for p in (prefix, part) if p)
            for name, message in errors(value, path).items():
                out.setdefault(name, message)
    elif isinstance(messages, list) and messages:
        if all(isinstance(m, str) for m in messages):
            out[prefix] = messages[0]
        else:
            for item in messages:
                for name, message in errors(item, prefix).items():
                    out.setdefault(name, message)
    elif isinstance(messages, str):
        out[prefix] = messages
    return out


def field_error(found: dict[str, str] | None, name: str, items: bool = True) -> str | None:
    """The message for field ``name``: its own, else (``items``) the first of ``name.0``, …"""
    if not found:
        return None
    if name in found or not items:
        return found.get(name)
    for key, message in found.items():
        if key.startswith(name + "."):
            return message
    return None


def alert(form: MultiDict) -> dict:
    """The new-alert form as the body of ``POST /v1/alerts``."""
    data: dict = {
        "channel": form.get("channel", "").strip(),
        "target": form.get("target", "").strip(),
        "digest": form.get("digest", "").strip() or None,
        "filter": {},
    }
    if form.get("survey", "").strip():
        data["filter"]["survey"] = form["survey"].strip()
    number(form, "min_score", data["filter"])
    number(form, "max_score", data["filter"])
    comment = form.get("has_comment", "")
    if comment in ("yes", "no"):
        data["filter"]["has_comment"] = comment == "yes"
    return data
