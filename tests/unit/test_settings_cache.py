"""The per-process settings cache: a value lives its TTL, then is read again."""

from __future__ import annotations

from collector.services.settings_cache import SettingsCache


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_value_is_read_once_per_ttl():
    clock, reads = Clock(), []
    cache = SettingsCache(ttl=5, clock=clock)

    def load():
        reads.append(clock.now)
        return f"read at {clock.now}"

    assert cache.get("site", load) == "read at 100.0"
    clock.now += 4.9
    assert cache.get("site", load) == "read at 100.0"
    clock.now += 0.1
    assert cache.get("site", load) == "read at 105.0"
    assert reads == [100.0, 105.0]


def test_unknown_keys_are_remembered_too():
    reads = []
    cache = SettingsCache(ttl=5, clock=Clock())
    assert cache.get("pk_made_up", lambda: reads.append(1)) is None
    assert cache.get("pk_made_up", lambda: reads.append(1)) is None
    assert reads == [1]


def test_clear_forgets_everything():
    cache = SettingsCache(ttl=5, clock=Clock())
    cache.get("a", lambda: 1)
    cache.clear()
    assert cache.get("a", lambda: 2) == 2


def test_a_value_read_before_a_change_is_not_kept_after_it():
    """Another thread commits a change (and clears the cache) while this one is still reading
    the old value: the old value answers this call, but is not kept for the next ones."""
    cache = SettingsCache(ttl=5, clock=Clock())

    def stale_read():
        cache.clear()  # the other thread's commit lands during this read
        return "old"

    assert cache.get("site", stale_read) == "old"
    assert cache.get("site", lambda: "new") == "new"


def test_the_cache_stays_within_its_size():
    clock = Clock()
    cache = SettingsCache(ttl=5, clock=clock, max_entries=3)
    for n in range(10):
        cache.get(f"pk_{n}", lambda: None)
        assert len(cache) <= 3
    cache.clear()
    for n in range(3):
        cache.get(f"pk_{n}", lambda: None)
    clock.now += 10  # all three expired: they make room, and only they go
    cache.get("pk_new", lambda: "site")
    assert len(cache) == 1
    assert cache.get("pk_new", lambda: "read again") == "site"
