"""Sync users: one cheap GraphQL call each, then score in Python and store each user's new submissions,
points and Jobs in ONE statement. Users are synced in batches, so the database work per user is about one
statement (docs/performance.md); ``sync_user`` is the batch of one.

No transaction is held open during HTTP calls. A submission that cannot be scored (its problem is unknown
or has no acceptance rate) is left out and named in the user's error; the others are stored, and the left-out
one is tried again on the next sync because it was never stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from codebloom import store
from codebloom.db import autocommit_connection, session_scope
from codebloom.leetcode.client import LeetCodeClient
from codebloom.leetcode.errors import LeetCodeError, RateLimited, TransientError
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


@dataclass
class BatchOutcome:
    """What a batch did, per user: synced (``results``) or not (``errors``, not yet recorded anywhere: the
    caller decides between a retry and a failure). ``stopped_by`` is set when a 429 ended the batch early."""

    results: dict[int, SyncResult] = field(default_factory=dict)
    errors: dict[int, BaseException] = field(default_factory=dict)
    stopped_by: RateLimited | None = None


@dataclass
class _Fetched:
    ctx: store.SyncContext
    recent: list[RecentSubmission]
    result: SyncResult


def sync_user(database_url: str, client: LeetCodeClient, user_id: int) -> SyncResult:
    """Sync one user; raises what stopped it (SyncError, a LeetCodeError, a database error)."""
    outcome = sync_users(database_url, client, [user_id])
    if user_id in outcome.errors:
        raise outcome.errors[user_id]
    return outcome.results[user_id]


def sync_users(database_url: str, client: LeetCodeClient, user_ids: list[int]) -> BatchOutcome:
    """Sync several users with the fewest database round trips: one statement reads every user's context,
    one reads the problem cache for all their submissions, one refreshes it, and one per user stores,
    scores and creates the Jobs. One user's bad answer or bad data stays on that user.

    Autocommit connections: every step is one statement (the ingest is atomic on its own), with no BEGIN or
    COMMIT round trips, and no connection is held while we wait on LeetCode (a PostgreSQL restart meanwhile
    costs nothing: the pool's pre-ping replaces the dead connection). A connection lost mid-statement
    raises: the whole batch is safe to run again (ingest is idempotent)."""
    outcome = BatchOutcome()
    with autocommit_connection(database_url) as conn:
        contexts = store.load_sync_contexts(conn, user_ids)
    fetched = _fetch_recent(client, user_ids, contexts, outcome)  # HTTP: no connection held meanwhile
    slugs = sorted({s.slug for f in fetched for s in f.recent})
    with autocommit_connection(database_url) as conn:
        problems = store.cached_problems(conn, slugs) if slugs else {}
    new_problems, failed_slugs = _fetch_missing_problems(client, slugs, problems)
    with autocommit_connection(database_url) as conn:
        store.upsert_problems(conn, new_problems)  # the shared cache; independent of the ingests below
        potd = _potd_for(conn, fetched)
        for f in fetched:
            transient = next((failed_slugs[s.slug] for s in f.recent
                              if isinstance(failed_slugs.get(s.slug), TransientError)), None)
            if transient is not None:
                outcome.errors[f.ctx.user_id] = transient  # retried later, with the problem call
                continue
            f.result.errors.extend(f"problem {slug!r}: {failed_slugs[slug]}"
                                   for slug in sorted({s.slug for s in f.recent} & failed_slugs.keys()))
            try:
                _ingest(conn, f, problems, potd)
            except OperationalError:
                raise  # the connection is gone: the batch is retried as a whole
            except Exception as exc:  # bad data of this user: on this user, not on the batch
                log.exception("user sync crashed %s", fields(user_id=f.ctx.user_id))
                outcome.errors[f.ctx.user_id] = exc
                continue
            outcome.results[f.ctx.user_id] = f.result
    return outcome


def _fetch_recent(client: LeetCodeClient, user_ids: list[int], contexts: dict[int, store.SyncContext],
                  outcome: BatchOutcome) -> list[_Fetched]:
    """Each user's recent accepted submissions (one cheap call each). A 429 stops the batch: the users not
    asked yet get the same error, so they are retried after the Retry-After, not hammered now."""
    fetched: list[_Fetched] = []
    for index, user_id in enumerate(user_ids):
        ctx = contexts.get(user_id)
        try:
            if ctx is None:
                raise SyncError(f"user {user_id} does not exist")
            result = SyncResult(user_id=user_id, username=ctx.username)
            if not ctx.active:
                outcome.results[user_id] = result
                continue
            if ctx.board_id is None or ctx.board_started_at is None:
                raise SyncError("no current leaderboard: open one with `codebloom leaderboard open`")
            recent = client.recent_ac_submissions(ctx.username)
            result.fetched = len(recent)
            if not recent and not ctx.synced_before:
                # LeetCode answers [] for unknown users too: ask once, until the user has synced cleanly.
                client.canonical_username(ctx.username)
        except RateLimited as exc:
            outcome.stopped_by = exc
            for later in user_ids[index:]:
                outcome.errors[later] = exc
            break
        except (LeetCodeError, SyncError) as exc:
            outcome.errors[user_id] = exc
            continue
        except Exception as exc:  # a bug or an answer we did not foresee: on this user, not on the batch
            log.exception("user sync crashed %s", fields(user_id=user_id))
            outcome.errors[user_id] = exc
            continue
        fetched.append(_Fetched(ctx, recent, result))
    return fetched


def _fetch_missing_problems(client: LeetCodeClient, slugs: list[str], problems: dict[str, ProblemInfo]
                            ) -> tuple[list[ProblemInfo], dict[str, LeetCodeError]]:
    """Ask LeetCode once per problem the cache does not know; returns the new ones and the failures."""
    new: list[ProblemInfo] = []
    failed: dict[str, LeetCodeError] = {}
    for slug in slugs:
        if slug in problems:
            continue
        try:
            info = client.problem(slug)
        except LeetCodeError as exc:
            failed[slug] = exc
            continue
        problems[slug] = info
        new.append(info)
    return new, failed


def _potd_for(conn: Connection, fetched: list[_Fetched]) -> dict[date, tuple[str, Fraction]]:
    """Problems of the day covering every submission of the batch (the context holds the recent ones)."""
    potd = fetched[0].ctx.potd if fetched else {}
    oldest = min((s.submitted_at.date() for f in fetched for s in f.recent), default=None)
    today = datetime.now(UTC).date()
    if oldest is not None and (today - oldest).days > store.POTD_DAYS_IN_CONTEXT - 1:
        potd = store.potd_between(conn, oldest, today)
    return potd


def _ingest(conn: Connection, f: _Fetched, problems: dict[str, ProblemInfo],
            potd: dict[date, tuple[str, Fraction]]) -> None:
    ctx, result = f.ctx, f.result
    assert ctx.board_id is not None and ctx.board_started_at is not None  # checked in _fetch_recent
    scoring = ScoringContext(board_started_at=ctx.board_started_at, potd_by_day=potd)
    incoming = _score(f.recent, problems, scoring, result)
    error = "; ".join(result.errors) if result.errors else None
    ingested = store.ingest_submissions(conn, ctx.user_id, ctx.board_id, incoming, error=error)
    result.new_submissions, result.points, result.jobs = (
        ingested.new_submissions, ingested.points, ingested.jobs)
    log.info("user synced %s", fields(user_id=ctx.user_id, username=ctx.username, fetched=result.fetched,
                                      new=result.new_submissions, points=result.points, jobs=result.jobs,
                                      skipped=len(result.errors)))


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

