"""Configuration from the environment (DESIGN §9).

Every setting is read from a ``FIILIS_*`` variable; ``create_app(config)`` may override any key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_KEYS = {
    "ENV": "FIILIS_ENV",
    "DATABASE_URL": "FIILIS_DATABASE_URL",
    "SECRET_KEY": "FIILIS_SECRET_KEY",
    "SECRET_KEY_FALLBACKS": "FIILIS_SECRET_KEY_FALLBACKS",
    "RATELIMIT_STORAGE_URI": "FIILIS_RATELIMIT_STORAGE_URI",
    "RATELIMIT_WIDGET": "FIILIS_RATELIMIT_WIDGET",
    "RATELIMIT_WIDGET_PER_IP": "FIILIS_RATELIMIT_WIDGET_PER_IP",
    "RATELIMIT_MANAGEMENT": "FIILIS_RATELIMIT_MANAGEMENT",
    "RATELIMIT_AUTH_FAILURES": "FIILIS_RATELIMIT_AUTH_FAILURES",
    "PUBLIC_URL": "FIILIS_PUBLIC_URL",
    "TRUSTED_PROXIES": "FIILIS_TRUSTED_PROXIES",
    # Background work, mail and webhooks (DESIGN §10-§12)
    "QUEUE_URL": "FIILIS_QUEUE_URL",
    "SMTP_URL": "FIILIS_SMTP_URL",
    "MAIL_FROM": "FIILIS_MAIL_FROM",
    "ALLOW_PRIVATE_WEBHOOKS": "FIILIS_ALLOW_PRIVATE_WEBHOOKS",
    "WEBHOOK_RETRY_SCHEDULE": "FIILIS_WEBHOOK_RETRY_SCHEDULE",
    "MAIL_RETRY_SCHEDULE": "FIILIS_MAIL_RETRY_SCHEDULE",
    "ALERT_GRACE_SECONDS": "FIILIS_ALERT_GRACE_SECONDS",
    "MAIL_FOLDER": "FIILIS_MAIL_FOLDER",
}

DEFAULTS = {
    "ENV": "production",
    "DATABASE_URL": None,  # SQLite file under the instance folder
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": [],
    "RATELIMIT_STORAGE_URI": "memory://",
    # Per client IP and site key on the browser API, per secret key on the management API.
    "RATELIMIT_WIDGET": "300/minute",
    "RATELIMIT_WIDGET_PER_IP": "3000/minute",
    "RATELIMIT_MANAGEMENT": "1200/minute",
    # Failed authentications (401) on the management API per client IP.
    "RATELIMIT_AUTH_FAILURES": "30/minute",
    "PUBLIC_URL": None,
    "TRUSTED_PROXIES": 0,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Background work: redis://… or sqlite:///path; default a SQLite file next to the database.
    "QUEUE_URL": None,
    "QUEUE_NAME": "fiilis",
    #: an outbox event not dispatched this many seconds after its enqueue is enqueued again
    "OUTBOX_SWEEP_AFTER": 120,
    #: seconds a web process gathers the events it commits into one dispatch on the queue (one
    #: queue write per window, not per answer); 0: one dispatch per commit, at once
    "OUTBOX_DISPATCH_WINDOW": 1.0,
    "OUTBOX_KEEP_DAYS": 30,
    # Mail: smtp://user:pass@host:587 (STARTTLS) or smtps://…:465; without it, .eml files in dev.
    "SMTP_URL": None,
    "MAIL_FROM": "Fiilis <fiilis@localhost>",
    "MAIL_FOLDER": None,  # development mail (.eml files); default instance/mail
    #: seconds between tries of a mail that met a temporary failure
    "MAIL_RETRY_SCHEDULE": [60, 300, 1800, 7200, 21600],
    "ALLOW_PRIVATE_WEBHOOKS": False,
    #: seconds between tries of a webhook delivery, each jittered (DESIGN §11)
    "WEBHOOK_RETRY_SCHEDULE": [5, 300, 1800, 7200, 18000, 36000, 36000],
    #: seconds of failing without one success before a webhook is turned off (3 days)
    "WEBHOOK_DISABLE_AFTER": 3 * 86400,
    #: seconds a receiver has to answer (DESIGN §11: 10)
    "WEBHOOK_TIMEOUT": 10.0,
    # How long an instant alert waits for the comment that usually follows the score.
    "ALERT_GRACE_SECONDS": 120,
    # Seconds before each new try of an alert that did not reach Slack or the mail server.
    "ALERT_RETRY_SCHEDULE": [5, 60, 300, 1800, 7200],
    # Seconds a worker has for one alert send (Slack answers within 10 s; an e-mail takes a few
    # 10-second SMTP steps) before the sweep takes the send for interrupted and tries again.
    "ALERT_SEND_LEASE": 300,
    # The UTC hour digest alerts are sent at (weekly ones on Mondays).
    "DIGEST_HOUR": 8,
    #: days before an action's due date its owner is reminded (once per due date)
    "ACTION_REMINDER_DAYS": 2,
}


#: Characters of FIILIS_SECRET_KEY at the least (token_urlsafe(48) makes 64): it signs sessions
#: and prompt tokens, so a short one can be guessed offline from any token.
MIN_SECRET_KEY = 32


class ConfigError(RuntimeError):
    """The collector cannot start with this configuration."""


def from_env(environ: os._Environ | dict = os.environ) -> dict:
    config = dict(DEFAULTS)
    for key, var in ENV_KEYS.items():
        if environ.get(var):
            config[key] = environ[var]
    if isinstance(config["SECRET_KEY_FALLBACKS"], str):
        config["SECRET_KEY_FALLBACKS"] = [
            k.strip() for k in config["SECRET_KEY_FALLBACKS"].split(",") if k.strip()
        ]
    config["TRUSTED_PROXIES"] = int(config["TRUSTED_PROXIES"] or 0)
    for key in ("MAIL_RETRY_SCHEDULE", "WEBHOOK_RETRY_SCHEDULE"):
        if isinstance(config[key], str):
            config[key] = seconds_list(config[key], ENV_KEYS[key])
    if isinstance(config["ALLOW_PRIVATE_WEBHOOKS"], str):
        config["ALLOW_PRIVATE_WEBHOOKS"] = config["ALLOW_PRIVATE_WEBHOOKS"].lower() in (
            "1",
            "true",
            "yes",
        )
    config["ALERT_GRACE_SECONDS"] = float(config["ALERT_GRACE_SECONDS"])
    key = environ.get("FIILIS_SECRET_KEY")
    if key and len(key) < MIN_SECRET_KEY and config["ENV"] != "development":
        raise ConfigError(
            f"FIILIS_SECRET_KEY has {len(key)} characters; it needs at least {MIN_SECRET_KEY} "
            "outside development. Make one with `python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'`."
        )
    return config


def seconds_list(text: str, name: str) -> list[float]:
    """``"5,300,1800"`` → ``[5.0, 300.0, 1800.0]``."""
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{name} must be seconds separated by commas, e.g. 5,300,1800") from None
    if not values or any(v < 0 for v in values):
        raise ConfigError(f"{name} must be seconds separated by commas, e.g. 5,300,1800")
    return values


def resolve(config: dict, instance_path: str, log) -> dict:
    """Fill in what depends on the instance folder: the database file and, in dev, the secret key."""
    dev = config["ENV"] == "development"
    config["DEV"] = dev
    if not config.get("DATABASE_URL"):
        Path(instance_path).mkdir(parents=True, exist_ok=True)
        config["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / 'fiilis.db'}"
    if not config.get("SECRET_KEY"):
        if not dev:
            raise ConfigError(
                "FIILIS_SECRET_KEY is not set. Set it (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`), or set FIILIS_ENV=development to use a "
                "generated key kept in the instance folder."
            )
        config["SECRET_KEY"] = _dev_secret_key(Path(instance_path), log)
    return config


def _dev_secret_key(instance: Path, log) -> str:
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
        log(f"Development mode: created a secret key in {path}")
    return path.read_text().strip()
