"""Fetch one submission's details: claim the Job, take a token, call LeetCode, write back."""

from __future__ import annotations

import logging
from enum import StrEnum

from codebloom import store
from codebloom.db import autocommit_connection
from codebloom.lane import DetailLane
from codebloom.leetcode.client import LeetCodeClient
from codebloom.logs import fields
from codebloom.retry_policy import decide
from codebloom.settings import Settings

log = logging.getLogger("codebloom.details")


class Outcome(StrEnum):
    COMPLETE = "complete"
    RESCHEDULED = "rescheduled"
    FAILED = "failed"
    NOT_CLAIMED = "not_claimed"      # already done, claimed by someone else, or not due: a duplicate delivery
    HANDED_BACK = "handed_back"      # no token in time or the lane is paused: the feed will send it again
    LOST_CLAIM = "lost_claim"        # our lease expired and someone reclaimed the job meanwhile


def fetch_submission_details(settings: Settings, job_id: int, client: LeetCodeClient,
                             lane: DetailLane) -> Outcome:
    """Every database step is one guarded statement on an autocommit connection (no BEGIN/COMMIT round trips),
    checked out for that step only: no connection is held during the HTTP call, so a PostgreSQL restart
    meanwhile costs nothing (the pool's pre-ping replaces the dead connection at the next check-out)."""
    url = settings.database_url
    assert url is not None, "DATABASE_URL is not set"
    if lane.paused() is not None:
        with autocommit_connection(url) as conn:
            store.unmark_enqueued(conn, [job_id])
        return Outcome.HANDED_BACK
    with autocommit_connection(url) as conn:
        claim = store.claim_job(conn, job_id, settings.detail_lease)
    if claim is None:
        log.info("job not claimable (duplicate delivery or not due) %s", fields(job_id=job_id))
        return Outcome.NOT_CLAIMED
    if not lane.acquire(settings.detail_token_wait):
        with autocommit_connection(url) as conn:
            store.hand_back(conn, claim)
        return Outcome.HANDED_BACK
    try:
        details = client.submission_details(claim.submission_id)
    except Exception as exc:  # every error is classified by the retry policy
        decision = decide(exc, claim.attempts, settings)
        if decision.pause is not None:
            lane.pause(decision.pause[0], decision.pause[1], decision.error)
        with autocommit_connection(url) as conn:
            if decision.action == "fail":
                held = store.fail_job(conn, claim, decision.error)
            else:
                held = store.reschedule_job(conn, claim, delay_seconds=decision.delay,
                                            error=decision.error, count_attempt=decision.count_attempt)
        level = logging.WARNING if decision.action == "fail" or decision.count_attempt else logging.INFO
        log.log(level, "detail fetch %s %s", "failed" if decision.action == "fail" else "rescheduled",
                fields(job_id=job_id, submission_id=claim.submission_id, attempt=claim.attempts + 1,
                       delay=round(decision.delay, 1), error=decision.error))
        if not held:
            return Outcome.LOST_CLAIM
        return Outcome.FAILED if decision.action == "fail" else Outcome.RESCHEDULED
    with autocommit_connection(url) as conn:
        held = store.complete_job(conn, claim, details)
    if not held:
        log.warning("claim lost before the result was written; discarded %s", fields(job_id=job_id))
        return Outcome.LOST_CLAIM
    log.info("details stored %s", fields(job_id=job_id, submission_id=claim.submission_id,
                                         language=details.language, code_bytes=len(details.code)))
    return Outcome.COMPLETE
