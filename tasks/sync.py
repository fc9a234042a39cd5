"""Sync tasks. Retry policy: LeetCode transient errors and database disconnects are retried with Celery's
own exponential backoff (3 times); anything permanent is recorded on the user at once."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import OperationalError

from codebloom.celery import app
from codebloom.leetcode.errors import LeetCodeError, RateLimited, TransientError
from codebloom.logs import fields
from codebloom.retry_policy import backoff, describe
from codebloom.services import plan
from codebloom.services import sync as sync_service
from tasks.base import CodebloomTask

log = logging.getLogger("codebloom.tasks.sync")
RETRYABLE = (TransientError, OperationalError)


@app.task(base=CodebloomTask, bind=True, name="sync.plan")
def plan_sync(self: CodebloomTask) -> int:
    """Plan this cycle: one sync.users task per SYNC_BATCH_SIZE active users, spread over SYNC_SPREAD seconds."""
    s = self.settings
    users = plan.plan_sync(self.database_url, s.sync_interval, s.sync_spread, s.sync_batch_size,
                           enqueue=lambda group, delay: sync_users.apply_async((group,), countdown=delay))
    log.info("sync cycle planned %s", fields(users=len(users)))
    return len(users)


@app.task(base=CodebloomTask, bind=True, name="sync.users", max_retries=3, acks_late=True)
def sync_users(self: CodebloomTask, user_ids: list[int]) -> dict[str, Any]:
    """Sync a batch of users. A user stopped by a transient error (or by a 429 that ended the batch) goes on
    to its own ``sync.user`` task, which retries with backoff; a permanent error is recorded on the user."""
    try:
        outcome = sync_service.sync_users(self.database_url, self.client(), user_ids)
    except OperationalError as exc:  # the database went away mid-batch: the batch is idempotent, run it again
        if self.request.retries < self.max_retries:
            delay = backoff(self.request.retries + 1, self.settings.sync_retry_base, 120.0)
            log.warning("sync batch will retry %s", fields(users=len(user_ids), delay=round(delay, 1),
                                                           error=describe(exc)))
            raise self.retry(countdown=delay, exc=None) from None
        for user_id in user_ids:
            _failed(self.database_url, user_id, exc)
        return {"users": len(user_ids), "ok": 0, "retrying": 0, "failed": len(user_ids)}
    retrying = failed = 0
    for user_id, error in outcome.errors.items():
        if isinstance(error, RETRYABLE):
            retrying += 1
            delay = backoff(1, self.settings.sync_retry_base, 120.0)
            if isinstance(error, RateLimited) and error.retry_after is not None:
                delay += error.retry_after  # never before LeetCode said; the jitter keeps the users apart
            log.warning("sync will retry %s", fields(user_id=user_id, delay=round(delay, 1), error=describe(error)))
            sync_user.apply_async((user_id,), countdown=delay, retries=1)  # this was its first attempt
        else:
            failed += 1
            _failed(self.database_url, user_id, error)
    return {"users": len(user_ids), "ok": len(outcome.results), "retrying": retrying, "failed": failed}


@app.task(base=CodebloomTask, bind=True, name="sync.user", max_retries=3, acks_late=True)
def sync_user(self: CodebloomTask, user_id: int) -> dict[str, Any]:
    """Fetch one user's recent accepted submissions, score the new ones, create their Jobs."""
    try:
        result = sync_service.sync_user(self.database_url, self.client(), user_id)
    except RETRYABLE as exc:
        if self.request.retries < self.max_retries:
            delay = backoff(self.request.retries + 1, self.settings.sync_retry_base, 120.0)
            log.warning("sync will retry %s", fields(user_id=user_id, delay=round(delay, 1), error=describe(exc)))
            raise self.retry(countdown=delay, exc=None) from None
        return _failed(self.database_url, user_id, exc)
    except (LeetCodeError, sync_service.SyncError) as exc:
        return _failed(self.database_url, user_id, exc)
    except Exception as exc:  # a bug or bad data we did not foresee: still one clear error on this user
        log.exception("user sync crashed %s", fields(user_id=user_id))
        return _failed(self.database_url, user_id, exc)
    return {"user_id": user_id, "status": "partial" if result.errors else "ok",
            "new": result.new_submissions, "points": result.points}


def _failed(database_url: str, user_id: int, exc: BaseException) -> dict[str, Any]:
    line = sync_service.record_failure(database_url, user_id, exc)
    log.error("user sync failed %s", fields(user_id=user_id, error=line))
    return {"user_id": user_id, "status": "failed", "error": line}
