"""Background work on huey (DESIGN §10): one queue per collector, two backends.

``SqliteHuey`` in a file next to the database by default (one box, no extra service), ``RedisHuey``
when ``FIILIS_QUEUE_URL=redis://…`` (several instances share it). ``fiilis worker`` runs the
consumer, periodic tasks included.

A job is a plain function declared once with :func:`job` (or :func:`periodic`); each app
registers every job on its own huey instance and runs it inside an app context, so a job uses
``db.session()`` and ``current_app.config`` as a request does::

    @jobs.job()
    def deliver(delivery_id: int) -> None: ...

    jobs.enqueue(deliver, delivery_id)                 # now
    jobs.enqueue(deliver, delivery_id, delay=30)       # in 30 seconds
    jobs.enqueue_after_commit(db, deliver, delivery_id)  # when this transaction commits; never
                                                         # if it rolls back

Work that reports a change made in a transaction is enqueued only after that transaction
committed (:func:`enqueue_after_commit`): a rollback sends nothing. An enqueue that fails after
the commit (queue unreachable, process killed) is not lost when the work is also written down in
the database: the outbox sweep finds it (``collector/outbox.py``).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: Modules that declare jobs; imported when an app sets up its queue, so that the web process
#: and the worker know the same jobs.
JOB_MODULES = [
    "collector.outbox",
    "collector.mail",
    "collector.purge",
    "collector.webhooks.delivery",
    "collector.alerting",
    "collector.services.invites",
    "collector.reminders",
    "collector.services.import_jobs",
    "collector.schedule",
    "collector.services.survey_mail",
    "collector.services.segments",
    "collector.services.rollups",
]


@dataclass(frozen=True)
class Job:
    """A function the worker runs; ``schedule`` (a huey ``crontab``) makes it periodic."""

    func: Callable[..., Any]
    name: str
    schedule: Any = None
    options: dict = field(default_factory=dict)

    def __call__(self, *args, **kwargs):
        """Run it here and now (tests, the CLI)."""
        return self.func(*args, **kwargs)


_declared: dict[str, Job] = {}


def job(name: str | None = None, **options) -> Callable[[Callable], Job]:
    """Declare a job; ``options`` go to huey (``retries``, ``retry_delay``, ``priority``…)."""

    def declare(func: Callable) -> Job:
        declared = Job(func, name or f"{func.__module__}.{func.__name__}", options=options)
        _declared[declared.name] = declared
        return declared

    return declare


def periodic(schedule, name: str | None = None, **options) -> Callable[[Callable], Job]:
    """Declare a job the worker runs on ``schedule`` (``jobs.crontab(minute="*")``)."""

    def declare(func: Callable) -> Job:
        declared = Job(func, name or f"{func.__module__}.{func.__name__}", schedule, options)
        _declared[declared.name] = declared
        return declared

    return declare


__all__ = [
    "Job",
    "call_after_commit",
    "crontab",
    "enqueue",
    "enqueue_after_commit",
    "job",
    "periodic",
    "queue",
]


# -- one queue per app --------------------------------------------------------------------------


class Queue:
    """An app's huey instance and its registered tasks."""

    def __init__(self, app: Flask, huey: Huey):
        self.app = app
        self.huey = huey
        self._tasks: dict[str, Any] = {}

    def task(self, declared: Job):
        """The huey task for a declared job, registered on first use."""
        registered = self._tasks.get(declared.name)
        if registered is None:
            registered = self._register(declared)
        return registered

    def register_all(self) -> None:
        for module in JOB_MODULES:
            importlib.import_module(module)
        for declared in list(_declared.values()):
            self.task(declared)

    def _register(self, declared: Job):
        app, func = self.app, declared.func

        def in_app_context(*args, **kwargs):
            with app.app_context():
                return func(*args, **kwargs)

        in_app_context.__name__ = func.__name__
        if declared.schedule is not None:
            made = self.huey.periodic_task(
                declared.schedule, name=declared.name, **declared.options
            )
        else:
            made = self.huey.task(name=declared.name, **declared.options)
        registered = made(in_app_context)
        self._tasks[declared.name] = registered
        return registered

    def enqueue(self, declared: Job, *args, delay: float | None = None) -> None:
        task = self.task(declared)
        if delay:
            task.schedule(args=args, delay=delay)
        else:
            task(*args)


def make_huey(config: dict, instance_path: str) -> Huey:
    """The queue the configuration names: ``FIILIS_QUEUE_URL`` = ``redis://…`` or
    ``sqlite:///path``; by default a SQLite file next to the database (or in the instance folder)."""
    name = config.get("QUEUE_NAME") or "fiilis"
    url = config.get("QUEUE_URL") or f"sqlite:///{default_queue_file(config, instance_path)}"
    options = {"results": False, "utc": True}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, **options)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # No fsync per enqueue (WAL, synchronous=OFF): a queue entry survives the process dying,
        # not the machine losing power; the outbox sweep re-enqueues what such a loss takes.
        return SqliteHuey(name, filename=str(path), fsync=False, **options)
    from collector.config import ConfigError

    raise ConfigError(
        f"FIILIS_QUEUE_URL must be redis://… or sqlite:///path, not {url.split(':')[0]}:…"
    )


def default_queue_file(config: dict, instance_path: str) -> Path:
    """``fiilis.db`` → ``fiilis-queue.db`` beside it; PostgreSQL → ``instance/fiilis-queue.db``."""
    url = make_url(config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return database.with_name(f"{database.stem}-queue.db")
    return Path(instance_path) / "fiilis-queue.db"


def init_app(app: Flask) -> None:
    queue_ = Queue(app, make_huey(app.config, app.instance_path))
    app.extensions["fiilis.jobs"] = queue_
    queue_.register_all()
    sessions = app.extensions["fiilis.sessionmaker"]
    event.listen(sessions, "after_commit", _enqueue_pending)
    event.listen(sessions, "after_soft_rollback", _drop_pending)


def queue(app: Flask | None = None) -> Queue:
    return (app or current_app).extensions["fiilis.jobs"]


def enqueue(declared: Job, *args, delay: float | None = None) -> None:
    """Run ``declared(*args)`` on the worker, now or after ``delay`` seconds."""
    queue().enqueue(declared, *args, delay=delay)


_PENDING = "fiilis.jobs.after_commit"
_CALLBACKS = "fiilis.jobs.call_after_commit"


def enqueue_after_commit(db: Session, declared: Job, *args, delay: float | None = None) -> None:
    """Enqueue when ``db``'s transaction commits; forget it if the transaction rolls back."""
    if not db.in_transaction():
        db.begin()  # no SQL yet: the transaction exists so that its rollback is seen
    db.info.setdefault(_PENDING, []).append((declared, args, delay))


def call_after_commit(db: Session, func: Callable[[], None]) -> None:
    """Call ``func()`` once when ``db``'s transaction commits (however often it was asked for in
    that transaction); never if it rolls back. ``func`` enqueues; its failure is logged."""
    if not db.in_transaction():
        db.begin()
    db.info.setdefault(_CALLBACKS, {})[func] = None


def _enqueue_pending(db: Session) -> None:
    if db.in_nested_transaction():  # a savepoint was released: the transaction goes on
        return
    pending = db.info.pop(_PENDING, None)
    callbacks = db.info.pop(_CALLBACKS, None)
    if not pending and not callbacks:
        return
    queue_ = queue()
    for declared, args, delay in pending or ():
        try:
            queue_.enqueue(declared, *args, delay=delay)
        except Exception:
            # Committed already: the caller's change stands. What was written to the outbox is
            # picked up by the sweep; say what was lost for anything else.
            log.exception("Could not enqueue %s%r after commit", declared.name, args)
    for func in callbacks or ():
        try:
            func()
        except Exception:
            log.exception("%s after commit failed", getattr(func, "__qualname__", func))


def _drop_pending(db: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        db.info.pop(_PENDING, None)
        db.info.pop(_CALLBACKS, None)
