"""Plan a sync cycle: one sync_run per active user per slot, spread over a window."""

from __future__ import annotations

import time
from collections.abc import Callable

from codebloom import store
from codebloom.db import session_scope


def current_slot(interval: float, now: float | None = None) -> int:
    """Cycles are numbered by wall-clock slot, so two beats firing in one slot plan it once."""
    return int((time.time() if now is None else now) // max(interval, 1.0))


def spread_delays(count: int, window: float) -> list[float]:
    """Evenly spaced countdowns so LeetCode sees a steady rate instead of a burst."""
    if count <= 1 or window <= 0:
        return [0.0] * count
    step = window / count
    return [round(i * step, 3) for i in range(count)]


def plan_sync(database_url: str, interval: float, window: float,
              enqueue: Callable[[int, float], None], slot: int | None = None) -> list[int]:
    """Create this slot's sync runs and enqueue (after commit) one ``sync_user`` per new run."""
    slot = current_slot(interval) if slot is None else slot
    with session_scope(database_url) as session:
        user_ids = store.plan_sync_runs(session, slot)
    for user_id, delay in zip(user_ids, spread_delays(len(user_ids), window), strict=True):
        enqueue(user_id, delay)
    return user_ids
