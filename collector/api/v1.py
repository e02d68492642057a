"""The management API: every endpoint under ``/v1`` needs a secret key (``Authorization: Bearer``)."""

from flask import Blueprint

from collector.api import (
    alerts,
    eligibility,
    imports,
    metrics,
    people,
    prompts,
    responses,
    reviews,
    site,
    suppressions,
    surveys,
    users,
    webhooks,
)
from collector.api.auth import require_secret_key

management = Blueprint("v1", __name__, url_prefix="/v1")
management.before_request(require_secret_key)

for child in (
    surveys.bp,
    site.bp,
    prompts.bp,
    eligibility.bp,
    imports.bp,
    responses.bp,
    metrics.bp,
    users.bp,
    people.bp,
    suppressions.bp,
    alerts.bp,
    webhooks.bp,
    reviews.bp,
    reviews.actions_bp,
):
    management.register_blueprint(child)
