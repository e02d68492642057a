"""``client.site``: the settings of the site the secret key belongs to (``/v1/site``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fiilis._core import Call
from fiilis._models import Site
from fiilis._params import NOT_GIVEN, NotGiven, body
from fiilis.resources._base import AsyncResource, SyncResource

#: A BCP 47 tag such as "fi", "pt-BR" or "zh-Hant"; en, fi, sv, de, fr, es, nb and da have
#: built-in texts, another needs the site's ``texts`` for it.
Locale = str


def _update(fields: dict[str, Any]) -> Call:
    payload = body(**fields)
    if not payload:
        raise ValueError("site.update() needs at least one setting to change")
    if payload.get("allowed_origins") is not None:
        payload["allowed_origins"] = list(payload["allowed_origins"])
    if payload.get("theme") is not None:
        payload["theme"] = dict(payload["theme"])
    if payload.get("segments") is not None:
        payload["segments"] = list(payload["segments"])
    return Call("PATCH", "/v1/site", json=payload)


class SiteResource(SyncResource):
    def get(self) -> Site:
        """The site's settings."""
        return self._fetch(Call("GET", "/v1/site"), Site)

    def update(
        self,
        *,
        name: str | NotGiven = NOT_GIVEN,
        allowed_origins: Iterable[str] | NotGiven = NOT_GIVEN,
        default_locale: Locale | NotGiven = NOT_GIVEN,
        theme: Mapping[str, Any] | NotGiven = NOT_GIVEN,
        cooldown_days: int | NotGiven = NOT_GIVEN,
        require_identity: bool | NotGiven = NOT_GIVEN,
        retention_days: int | NotGiven | None = NOT_GIVEN,
        texts: Mapping[str, Mapping[str, str]] | NotGiven | None = NOT_GIVEN,
        segments: Iterable[str] | NotGiven = NOT_GIVEN,
    ) -> Site:
        """Change the given settings. ``theme`` is merged into the stored theme;
        ``retention_days=None`` keeps answers forever; ``texts`` (``{locale: {key: text}}``)
        replaces the site's own built-in strings; ``segments`` (at most 5 trait names) replaces
        the traits whose answers are counted per day, so that ``group_by="trait:<name>"`` on them
        stays fast (a new one counts every stored answer before this returns)."""
        fields = dict(
            name=name,
            allowed_origins=allowed_origins,
            default_locale=default_locale,
            theme=theme,
            cooldown_days=cooldown_days,
            require_identity=require_identity,
            retention_days=retention_days,
            texts=texts,
            segments=segments,
        )
        return self._fetch(_update(fields), Site)


class AsyncSiteResource(AsyncResource):
    async def get(self) -> Site:
        """The site's settings."""
        return await self._fetch(Call("GET", "/v1/site"), Site)

    async def update(
        self,
        *,
        name: str | NotGiven = NOT_GIVEN,
        allowed_origins: Iterable[str] | NotGiven = NOT_GIVEN,
        default_locale: Locale | NotGiven = NOT_GIVEN,
        theme: Mapping[str, Any] | NotGiven = NOT_GIVEN,
        cooldown_days: int | NotGiven = NOT_GIVEN,
        require_identity: bool | NotGiven = NOT_GIVEN,
        retention_days: int | NotGiven | None = NOT_GIVEN,
        texts: Mapping[str, Mapping[str, str]] | NotGiven | None = NOT_GIVEN,
        segments: Iterable[str] | NotGiven = NOT_GIVEN,
    ) -> Site:
        """Change the given settings (see ``Fiilis.site.update``)."""
        fields = dict(
            name=name,
            allowed_origins=allowed_origins,
            default_locale=default_locale,
            theme=theme,
            cooldown_days=cooldown_days,
            require_identity=require_identity,
            retention_days=retention_days,
            texts=texts,
            segments=segments,
        )
        return await self._fetch(_update(fields), Site)
