"""The detail-fetch task on the rate-limited ``leetcode-details`` queue.

When a Job is retried is decided in ``codebloom/retry_policy.py`` (through the Job table's
``next_attempt_at``, not Celery countdowns, so a backoff never parks messages in worker memory).
The fleet-wide budget is the Redis limiter (``codebloom/lane.py``); Celery's per-worker ``rate_limit`` is
off unless DETAIL_RATE_LIMIT sets it.
"""

from __future__ import annotations

from codebloom.celery import DETAIL_QUEUE, DETAIL_TASK, app
from codebloom.services import details
from codebloom.services.feed import feed_lane
from tasks.base import CodebloomTask

SOFT_TIME_LIMIT = 90
TIME_LIMIT = 120


@app.task(base=CodebloomTask, bind=True, name=DETAIL_TASK, acks_late=True,
          soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def fetch_submission_details(self: CodebloomTask, job_id: int) -> str:
    outcome = details.fetch_submission_details(self.settings, job_id, self.client(), self.lane())
    finished = outcome in (details.Outcome.COMPLETE, details.Outcome.FAILED, details.Outcome.RESCHEDULED)
    if finished and self.lane().refill_wanted():
        feed_lane(self.settings, self.lane(), enqueue_detail)  # a place is free and jobs are waiting: refill
    return outcome.value


def enqueue_detail(job_id: int) -> None:
    fetch_submission_details.apply_async((job_id,), queue=DETAIL_QUEUE)
