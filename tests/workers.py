"""A real huey consumer for tests: the ``worker`` fixture runs the app's queue in this process.

It is the consumer ``fiilis worker`` runs (threads, the scheduler for delayed tasks), started
without signal handlers. ``worker.drain()`` waits until nothing is queued, scheduled or running
and fails the test when a job raised, or when something queued never ran in time: a task that is
enqueued but never runs does not pass unnoticed. Immediate mode is not used anywhere: it would run
a job inside the transaction that enqueued it, which is exactly what must not happen.
"""

from __future__ import annotations

import threading
import time

from huey import signals

from collector import jobs


class Worker:
    def __init__(self, app, *, threads: int = 2):
        self.app = app
        self.huey = jobs.queue(app).huey
        self.errors: list[tuple[str, BaseException]] = []
        self.done: list[str] = []
        self._running = 0
        self._lock = threading.Lock()
        self.huey.signal(signals.SIGNAL_EXECUTING)(self._started)
        self.huey.signal(
            signals.SIGNAL_COMPLETE,
            signals.SIGNAL_ERROR,
            signals.SIGNAL_CANCELED,
            signals.SIGNAL_EXPIRED,
            signals.SIGNAL_INTERRUPTED,
            signals.SIGNAL_REVOKED,
            signals.SIGNAL_TIMEOUT,
        )(self._ended)
        self.consumer = self.huey.create_consumer(
            workers=threads,
            worker_type="thread",
            periodic=False,  # tests run the periodic jobs when they mean to
            initial_delay=0.01,
            backoff=1.2,
            max_delay=0.05,
            scheduler_interval=1,
            check_worker_health=False,
        )
        self.consumer._set_signal_handlers = lambda: None  # pytest keeps its own
        self.started = False

    def start(self) -> Worker:
        self.consumer.start()
        self.started = True
        return self

    def stop(self) -> None:
        if self.started:
            self.consumer.stop(graceful=True)
            self.started = False

    def _started(self, signal, task, *args):
        with self._lock:
            self._running += 1

    def _ended(self, signal, task, exc=None, *args):
        with self._lock:
            self._running -= 1
            if signal == signals.SIGNAL_ERROR:
                self.errors.append((task.name, exc))
            elif signal == signals.SIGNAL_COMPLETE:
                self.done.append(task.name)

    def idle(self) -> bool:
        with self._lock:
            running = self._running
        return running == 0 and self.huey.pending_count() == 0 and self.huey.scheduled_count() == 0

    def drain(self, timeout: float = 20.0) -> None:
        """Wait until every queued and scheduled job ran; fail on a job's error or a timeout."""
        deadline = time.monotonic() + timeout
        quiet_since = None
        while True:
            self.raise_errors()
            if self.idle():
                # Idle twice in a row: a job that enqueues another has had time to do so.
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= 0.1:
                    return
            else:
                quiet_since = None
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"jobs still waiting after {timeout} s: {self.huey.pending_count()} queued, "
                    f"{self.huey.scheduled_count()} scheduled, {self._running} running"
                )
            time.sleep(0.02)

    def raise_errors(self) -> None:
        if self.errors:
            name, exc = self.errors[0]
            raise AssertionError(f"job {name} failed: {exc!r}") from exc

    def run(self, declared: jobs.Job, *args) -> None:
        """Enqueue ``declared`` as the app would, and wait for it (and what it enqueues)."""
        with self.app.app_context():
            jobs.enqueue(declared, *args)
        self.drain()
