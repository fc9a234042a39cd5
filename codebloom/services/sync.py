"""Sync one user: one cheap GraphQL call, then score and store everything new in ONE transaction.

No transaction is held open during HTTP calls. A submission that cannot be scored (its problem is unknown
or has no acceptance rate) is left out and named in the user's error; the others are stored, and the left-out
one is tried again on the next sync because it was never stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from codebloom import store
from codebloom.db import session_scope
from codebloom.leetcode.client import LeetCodeClient
from codebloom.leetcode.errors import PermanentError
from codebloom.leetcode.types import ProblemInfo, RecentSubmission
from codebloom.logs import fields
from codebloom.scoring import ScoringContext, ScoringError, check_rate, score_submission

log = logging.getLogger("codebloom.sync")


class SyncError(Exception):
    """The user cannot be synced now; the message is stored on the user."""


@dataclass
class SyncResult:
    user_id: int
    username: str
    fetched: int = 0
    new_submissions: int = 0
    points: int = 0
    jobs: int = 0
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def sync_user(database_url: str, client: LeetCodeClient, user_id: int) -> SyncResult:
    with session_scope(database_url) as session:
        ctx = store.load_sync_context(session, user_id)
    if ctx is None:
        raise SyncError(f"user {user_id} does not exist")
    result = SyncResult(user_id=user_id, username=ctx.username)
    if not ctx.active:
        return result
    if ctx.board_id is None or ctx.board_started_at is None:
        raise SyncError("no current leaderboard: open one with `codebloom leaderboard open`")

    recent = client.recent_ac_submissions(ctx.username)
    result.fetched = len(recent)
    if not recent and not ctx.synced_before:
        # LeetCode answers [] for unknown users too: ask once, until the user has synced cleanly.
        client.canonical_username(ctx.username)

    with session_scope(database_url) as session:
        problems = store.cached_problems(session, sorted({s.slug for s in recent}))
    fetched_problems = _fetch_missing_problems(client, recent, problems, result)

    potd = ctx.potd
    oldest = min((s.submitted_at.date() for s in recent), default=None)
    if oldest is not None and (datetime.now(UTC).date() - oldest).days > store.POTD_DAYS_IN_CONTEXT - 1:
        with session_scope(database_url) as session:
            potd = store.potd_between(session, oldest, datetime.now(UTC).date())
    scoring = ScoringContext(board_started_at=ctx.board_started_at, potd_by_day=potd)
    incoming = _score(recent, problems, scoring, result)

    error = "; ".join(result.errors) if result.errors else None
    with session_scope(database_url) as session:
        store.upsert_problems(session, fetched_problems)
        ingested = store.ingest_submissions(session, user_id, ctx.board_id, incoming, error=error)
    result.new_submissions, result.points, result.jobs = (
        ingested.new_submissions, ingested.points, ingested.jobs)
    log.info("user synced %s", fields(user_id=user_id, username=ctx.username, fetched=result.fetched,
                                      new=result.new_submissions, points=result.points, jobs=result.jobs,
                                      skipped=len(result.errors)))
    return result


def _fetch_missing_problems(client: LeetCodeClient, recent: list[RecentSubmission],
                            problems: dict[str, ProblemInfo], result: SyncResult) -> list[ProblemInfo]:
    fetched: list[ProblemInfo] = []
    for slug in sorted({s.slug for s in recent} - problems.keys()):
        try:
            info = client.problem(slug)
        except PermanentError as exc:
            result.errors.append(f"problem {slug!r}: {exc}")
            continue
        problems[slug] = info
        fetched.append(info)
    return fetched


def _score(recent: list[RecentSubmission], problems: dict[str, ProblemInfo], scoring: ScoringContext,
           result: SyncResult) -> list[store.IncomingSubmission]:
    incoming = []
    for sub in recent:
        info = problems.get(sub.slug)
        if info is None:
            continue  # already named in result.errors
        try:
            if info.ac_rate is None:
                raise ScoringError(f"problem {sub.slug!r} has no acceptance rate")
            rate = check_rate(info.ac_rate)
            potential, multiplier = score_submission(
                scoring, submission_id=sub.id, slug=sub.slug, difficulty=info.difficulty, rate=rate,
                submitted_at=sub.submitted_at)
        except ScoringError as exc:
            result.errors.append(f"submission {sub.id}: {exc}")
            continue
        result.problems.append(sub.slug)
        incoming.append(store.IncomingSubmission(
            id=sub.id, slug=sub.slug, title=info.title or sub.title, difficulty=info.difficulty.value,
            ac_rate=rate, multiplier=multiplier, submitted_at=sub.submitted_at, lang=sub.lang,
            potential_points=potential))
    return incoming


def record_failure(database_url: str, user_id: int, error: BaseException | str) -> str:
    """Store a one-line error on the user and their open sync run; returns that line."""
    from codebloom.retry_policy import describe

    line = error if isinstance(error, str) else describe(error)
    with session_scope(database_url) as session:
        store.record_sync_failure(session, user_id, line)
    return line

