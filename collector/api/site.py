"""``/v1/site``: the settings of the site the secret key belongs to."""

from flask import Blueprint

from collector import db
from collector.api.auth import current_site
from collector.api.body import json_body
from collector.openapi import doc
from collector.schemas import SiteSchema
from collector.services import sites

bp = Blueprint("site", __name__, url_prefix="/site")
site_schema = SiteSchema()


@bp.get("")
@doc("Read the site's settings", response=site_schema, tag="site")
def get():
    return current_site()


@bp.patch("")
@doc("Change the site's settings", body=site_schema, response=site_schema, tag="site")
def update():
    changes = json_body(site_schema, partial=True)
    site = current_site()
    if "theme" in changes:
        changes["theme"] = {**site.theme, **changes["theme"]}
    return sites.update(db.session(), site, changes)
