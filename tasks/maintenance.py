"""Periodic upkeep: the Job-table sweep and the problem-of-the-day refresh."""

from __future__ import annotations

import logging

from codebloom.celery import app
from codebloom.leetcode.errors import LeetCodeError
from codebloom.logs import fields
from codebloom.retry_policy import describe
from codebloom.services.feed import sweep as sweep_jobs
from codebloom.services.potd import refresh_problem_of_day
from tasks.base import CodebloomTask
from tasks.details import enqueue_detail

log = logging.getLogger("codebloom.tasks.maintenance")


@app.task(base=CodebloomTask, bind=True, name="maintenance.sweep")
def sweep(self: CodebloomTask) -> dict[str, int]:
    """Reclaim expired leases and enqueue due Jobs: recovers lost notifications, a dead bridge, a Redis flush."""
    reclaimed, enqueued = sweep_jobs(self.settings, self.lane(), enqueue_detail)
    return {"reclaimed": reclaimed, "enqueued": enqueued}


@app.task(base=CodebloomTask, bind=True, name="maintenance.refresh_potd")
def refresh_potd(self: CodebloomTask) -> bool:
    try:
        return refresh_problem_of_day(self.database_url, self.client())
    except LeetCodeError as exc:
        log.warning("problem of the day not refreshed %s", fields(error=describe(exc)))
        return False
