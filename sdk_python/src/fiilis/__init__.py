"""Fiilis: ask the right user the right question, and read what they said.

>>> import fiilis
>>> client = fiilis.Fiilis()          # FIILIS_API_KEY and FIILIS_BASE_URL from the environment
>>> client.prompts.create(user_id="u42", survey="srv_…", context={"ticket": "T-1"})
"""

from fiilis import webhooks
from fiilis._client import AsyncFiilis, Fiilis
from fiilis._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    FiilisError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from fiilis._identity import user_hash
from fiilis._models import (
    Action,
    Alert,
    AlertFilter,
    AlertTest,
    Deleted,
    Eligibility,
    EligibilityRule,
    ErasureResult,
    FollowupChange,
    ImportProblem,
    ImportReport,
    Metrics,
    MetricsGroup,
    MetricsPoint,
    Page,
    Prompt,
    Response,
    Review,
    Site,
    Survey,
    TargetingRule,
    UserExport,
    UserRecord,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookFilter,
)
from fiilis._pagination import AsyncPaginator, Paginator
from fiilis._params import NOT_GIVEN, NotGiven
from fiilis._version import __version__
from fiilis.webhooks import WebhookVerificationError

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "Action",
    "Alert",
    "AlertFilter",
    "AlertTest",
    "AsyncFiilis",
    "AsyncPaginator",
    "AuthenticationError",
    "ConflictError",
    "Deleted",
    "Eligibility",
    "EligibilityRule",
    "ErasureResult",
    "Fiilis",
    "FiilisError",
    "FollowupChange",
    "ImportProblem",
    "ImportReport",
    "Metrics",
    "MetricsGroup",
    "MetricsPoint",
    "NotFoundError",
    "NotGiven",
    "Page",
    "Paginator",
    "PermissionDeniedError",
    "Prompt",
    "RateLimitError",
    "Response",
    "Review",
    "ServerError",
    "Site",
    "Survey",
    "TargetingRule",
    "UserExport",
    "UserRecord",
    "ValidationError",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookFilter",
    "WebhookVerificationError",
    "__version__",
    "user_hash",
    "webhooks",
]
