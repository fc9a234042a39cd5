"""Feed the detail lane from the Job table, and sweep what fell through.

The bridge and the sweep both call ``feed_lane``: it enqueues only as many due jobs as the lane has room for
(``DETAIL_MAX_IN_FLIGHT``), so a backlog of any size stays in PostgreSQL, not in Redis or worker memory.
Enqueueing happens after the marking transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from codebloom import store
from codebloom.db import autocommit_connection
from codebloom.lane import DetailLane
from codebloom.logs import fields
from codebloom.settings import Settings

log = logging.getLogger("codebloom.feed")


def feed_lane(settings: Settings, lane: DetailLane | None, enqueue: Callable[[int], None]) -> int:
    """Enqueue due jobs up to the lane's free room; returns how many were sent."""
    assert settings.database_url is not None
    if lane is not None and lane.paused() is not None:
        return 0
    with autocommit_connection(settings.database_url) as conn:  # one statement, its own transaction
        claim = store.claim_for_enqueue(conn, settings.detail_max_in_flight, settings.detail_reenqueue_after)
    job_ids = claim.job_ids
    sent = 0
    for position, job_id in enumerate(job_ids):
        try:
            enqueue(job_id)
            sent += 1
        except Exception as exc:
            unsent = job_ids[position:]
            log.error("enqueue failed; jobs stay due in the table %s",
                      fields(jobs=len(unsent), error=f"{type(exc).__name__}: {exc}"))
            with autocommit_connection(settings.database_url) as conn:
                store.unmark_enqueued(conn, unsent)
            break
    # After the sends, not on their way (and a Redis failure here no longer strands claimed jobs unsent). The flag
    # is a hint to finishing tasks. It can be wrong for a while: tasks that finish before it is set, or a slower
    # concurrent feed that overwrites it. Every feed recomputes it from the table, so a wrong flag delays a refill
    # by one bridge poll (or sweep) at most and never loses a job.
    if lane is not None:
        lane.mark_backlog(claim.filled_the_lane)
    return sent


def sweep(settings: Settings, lane: DetailLane | None, enqueue: Callable[[int], None]) -> tuple[int, int]:
    """Reclaim expired leases, then feed. Returns (reclaimed, enqueued)."""
    assert settings.database_url is not None
    with autocommit_connection(settings.database_url) as conn:
        reclaimed = store.reclaim_expired_leases(conn, settings.detail_max_attempts)
    if reclaimed:
        log.warning("reclaimed jobs whose lease expired %s", fields(jobs=reclaimed))
    return reclaimed, feed_lane(settings, lane, enqueue)
