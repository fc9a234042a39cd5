"""Plan a sync cycle: one sync_run per active user per slot, in batches spread over a window.

Batches, not one message per user: 10,000 users make 200 messages, so the sync workers never hold thousands
of countdown messages in memory (failure mode F4) and the per-message overhead is paid once per batch."""

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


def batches(user_ids: list[int], size: int) -> list[list[int]]:
    size = max(1, size)
    return [user_ids[i:i + size] for i in range(0, len(user_ids), size)]


def plan_sync(database_url: str, interval: float, window: float, batch_size: int,
              enqueue: Callable[[list[int], float], None], slot: int | None = None) -> list[int]:
    """Create this slot's sync runs and enqueue (after commit) one batch task per ``batch_size`` new runs."""
    slot = current_slot(interval) if slot is None else slot
    with session_scope(database_url) as session:
        user_ids = store.plan_sync_runs(session, slot)
    groups = batches(user_ids, batch_size)
    for group, delay in zip(groups, spread_delays(len(groups), window), strict=True):
        enqueue(group, delay)
    return user_ids
