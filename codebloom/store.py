"""All SQL of the sync in one place. Each function is one statement (or a very small, named group).

Correctness comes from the database, not from Python read-then-write: unique keys, ``ON CONFLICT``,
``score = score + :p``, guarded status updates and ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from codebloom.leetcode.types import ProblemInfo, SubmissionDetails
from models import Difficulty

#: The sync's statements run on a session (one transaction) or on an autocommit connection (each statement
#: its own transaction); both execute text() the same way.
Executor = Session | Connection

# ---------------------------------------------------------------------------------------------------
# users and leaderboards


def add_user(session: Session, username: str) -> tuple[int, bool]:
    """Register a LeetCode username (case-insensitively unique). Returns (id, created)."""
    row = session.execute(text(
        "INSERT INTO users (leetcode_username) VALUES (:u) "
        "ON CONFLICT ((lower(leetcode_username))) DO NOTHING RETURNING id"), {"u": username}).first()
    if row is not None:
        return int(row[0]), True
    existing = session.execute(text("SELECT id FROM users WHERE lower(leetcode_username) = lower(:u)"),
                               {"u": username}).scalar_one()
    return int(existing), False


def list_users(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(text(
        "SELECT u.id, u.leetcode_username, u.active, u.last_synced_at, u.last_sync_error, "
        "       COALESCE(s.score, 0) AS score "
        "FROM users u LEFT JOIN leaderboard_score s ON s.user_id = u.id "
        "     AND s.leaderboard_id = (SELECT id FROM leaderboard WHERE ended_at IS NULL) "
        "ORDER BY u.id")).mappings()
    return [dict(r) for r in rows]


def user_id_by_name(session: Session, username: str) -> int | None:
    return session.execute(text("SELECT id FROM users WHERE lower(leetcode_username) = lower(:u)"),
                           {"u": username}).scalar()


def open_leaderboard(session: Session, name: str, started_at: datetime) -> int:
    """End the current board and open a new one, atomically (one transaction, caller commits)."""
    session.execute(text("UPDATE leaderboard SET ended_at = now() WHERE ended_at IS NULL"))
    return int(session.execute(text(
        "INSERT INTO leaderboard (name, started_at) VALUES (:n, :s) RETURNING id"),
        {"n": name, "s": started_at}).scalar_one())


def current_leaderboard(session: Session) -> dict[str, Any] | None:
    row = session.execute(text(
        "SELECT id, name, started_at FROM leaderboard WHERE ended_at IS NULL")).mappings().first()
    return dict(row) if row else None


def leaderboard_top(session: Session, limit: int) -> list[dict[str, Any]]:
    rows = session.execute(text(
        "SELECT u.leetcode_username, s.score, "
        "  (SELECT count(*) FROM submission x WHERE x.user_id = u.id AND x.leaderboard_id = s.leaderboard_id "
        "     AND x.points > 0) AS solved "
        "FROM leaderboard_score s JOIN users u ON u.id = s.user_id "
        "WHERE s.leaderboard_id = (SELECT id FROM leaderboard WHERE ended_at IS NULL) "
        "ORDER BY s.score DESC, u.leetcode_username LIMIT :n"), {"n": limit}).mappings()
    return [dict(r) for r in rows]


# ---------------------------------------------------------------------------------------------------
# sync


@dataclass(frozen=True)
class SyncContext:
    user_id: int
    username: str
    active: bool
    board_id: int | None
    board_started_at: datetime | None
    potd: dict[date, tuple[str, Fraction]]
    synced_before: bool = False


POTD_DAYS_IN_CONTEXT = 35


def load_sync_contexts(session: Executor, user_ids: list[int],
                       potd_days: int = POTD_DAYS_IN_CONTEXT) -> dict[int, SyncContext]:
    """The users, the current board and recent problems of the day, in one statement for any number of users.
    Users that do not exist are absent from the result."""
    rows = session.execute(text(
        "WITH board AS (SELECT id, started_at FROM leaderboard WHERE ended_at IS NULL), "
        "potd AS (SELECT COALESCE(json_agg(json_build_array(p.day, p.slug, p.multiplier::text)), '[]'::json) "
        "         AS days FROM problem_of_day p WHERE p.day >= current_date - :days) "
        "SELECT u.id, u.leetcode_username, u.active, b.id AS board_id, b.started_at, "
        "  (u.last_synced_at IS NOT NULL AND u.last_sync_error IS NULL) AS synced_before, potd.days AS potd "
        "FROM users u LEFT JOIN board b ON true CROSS JOIN potd WHERE u.id = ANY(:ids)"),
        {"ids": list(user_ids), "days": potd_days}).mappings().all()
    potd = _potd_map(rows[0]["potd"]) if rows else {}
    return {int(row["id"]): SyncContext(
        user_id=int(row["id"]), username=row["leetcode_username"], active=bool(row["active"]),
        board_id=row["board_id"], board_started_at=row["started_at"], potd=potd,
        synced_before=bool(row["synced_before"])) for row in rows}


def potd_between(session: Executor, first: date, last: date) -> dict[date, tuple[str, Fraction]]:
    rows = session.execute(text(
        "SELECT COALESCE(json_agg(json_build_array(day, slug, multiplier::text)), '[]'::json) "
        "FROM problem_of_day WHERE day BETWEEN :a AND :b"), {"a": first, "b": last}).scalar()
    return _potd_map(rows)


def _potd_map(rows: Any) -> dict[date, tuple[str, Fraction]]:
    if isinstance(rows, str):
        rows = json.loads(rows)
    return {date.fromisoformat(day): (slug, Fraction(mult)) for day, slug, mult in rows or []}


def cached_problems(session: Executor, slugs: list[str]) -> dict[str, ProblemInfo]:
    rows = session.execute(text(
        "SELECT slug, title, difficulty, ac_rate, question_id, frontend_id, paid_only, topics "
        "FROM problem WHERE slug = ANY(:slugs)"), {"slugs": slugs}).mappings()
    return {r["slug"]: ProblemInfo(
        slug=r["slug"], title=r["title"], difficulty=Difficulty(r["difficulty"]),
        ac_rate=Fraction(r["ac_rate"]) if r["ac_rate"] is not None else None,
        question_id=r["question_id"], frontend_id=r["frontend_id"], paid_only=r["paid_only"],
        topics=r["topics"]) for r in rows}


def upsert_problems(session: Executor, problems: list[ProblemInfo]) -> None:
    """Refresh the problem cache with what LeetCode just told us (one statement)."""
    if not problems:
        return
    payload = json.dumps([{
        "slug": p.slug, "title": p.title, "difficulty": p.difficulty.value,
        "ac_rate": _decimal_text(p.ac_rate), "question_id": p.question_id, "frontend_id": p.frontend_id,
        "paid_only": p.paid_only, "topics": p.topics} for p in problems])
    session.execute(text(
        "INSERT INTO problem (slug, title, difficulty, ac_rate, question_id, frontend_id, paid_only, topics) "
        "SELECT slug, title, difficulty::difficulty, ac_rate::numeric, question_id, frontend_id, paid_only, "
        "       COALESCE(topics, '[]'::jsonb) "
        "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(slug text, title text, difficulty text, "
        "     ac_rate text, question_id text, frontend_id text, paid_only boolean, topics jsonb) "
        "ON CONFLICT (slug) DO UPDATE SET title = EXCLUDED.title, difficulty = EXCLUDED.difficulty, "
        "  ac_rate = EXCLUDED.ac_rate, question_id = EXCLUDED.question_id, "
        "  frontend_id = EXCLUDED.frontend_id, paid_only = EXCLUDED.paid_only, topics = EXCLUDED.topics, "
        "  fetched_at = now()"), {"rows": payload})


def _decimal_text(value: Fraction | None) -> str | None:
    if value is None:
        return None
    return str(Decimal(value.numerator) / Decimal(value.denominator))


@dataclass(frozen=True)
class IncomingSubmission:
    """A submission ready to ingest; ``potential_points`` is what it earns if it is the first solve."""

    id: int
    slug: str
    title: str
    difficulty: str
    ac_rate: Fraction
    multiplier: Fraction
    submitted_at: datetime
    lang: str | None
    potential_points: int


@dataclass(frozen=True)
class IngestResult:
    new_submissions: int
    points: int
    jobs: int


# A CTE that makes its statement's transaction commit without waiting for the WAL flush (synchronous_commit off
# for that transaction only; the statement must select from it so that it runs). For statements whose loss in a
# crash is harmless: the ingest and the feed's marking below.
NO_FLUSH_WAIT = "no_flush_wait AS (SELECT set_config('synchronous_commit', 'off', true) AS setting)"

# The ingest does not wait for its flush: a crash of PostgreSQL in the next fraction of a second loses the whole
# ingest atomically, as if this sync had not run, and the next cycle ingests the same submissions again (they are
# still among the user's recent ones); no point is ever awarded twice, no Job is half-made. It saves one disk
# flush per user synced.
INGEST_SQL = text(f"""
WITH {NO_FLUSH_WAIT},
incoming AS (
    SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(
        id bigint, slug text, title text, difficulty text, ac_rate text, multiplier text,
        submitted_at timestamptz, lang text, potential integer)
),
fresh AS (
    SELECT i.* FROM incoming i WHERE NOT EXISTS (SELECT 1 FROM submission s WHERE s.id = i.id)
),
first_solve AS (
    -- The oldest new solve of each problem claims it; a problem the user ever solved before is not claimed.
    INSERT INTO user_problem (user_id, slug, first_submission_id, first_solved_at)
    SELECT DISTINCT ON (slug) :uid, slug, id, submitted_at FROM fresh ORDER BY slug, submitted_at, id
    ON CONFLICT (user_id, slug) DO NOTHING
    RETURNING first_submission_id
),
inserted AS (
    INSERT INTO submission (id, user_id, leaderboard_id, slug, title, difficulty, ac_rate, multiplier,
                            submitted_at, points, list_lang)
    SELECT f.id, :uid, :board, f.slug, f.title, f.difficulty::difficulty, f.ac_rate::numeric,
           f.multiplier::numeric, f.submitted_at,
           CASE WHEN fs.first_submission_id IS NULL THEN 0 ELSE f.potential END, f.lang
    FROM fresh f LEFT JOIN first_solve fs ON fs.first_submission_id = f.id
    ON CONFLICT (id) DO NOTHING
    RETURNING id, points
),
jobs AS (
    INSERT INTO job (submission_id) SELECT id FROM inserted ORDER BY id RETURNING id
),
score AS (
    INSERT INTO leaderboard_score (leaderboard_id, user_id, score)
    SELECT :board, :uid, COALESCE(sum(points), 0) FROM inserted
    ON CONFLICT (leaderboard_id, user_id) DO UPDATE SET score = leaderboard_score.score + EXCLUDED.score
    RETURNING score
),
touched_user AS (
    UPDATE users SET last_synced_at = now(), last_sync_error = :error WHERE id = :uid RETURNING id
),
run AS (
    UPDATE sync_run SET status = :status, finished_at = now(), error = :error,
           new_submissions = (SELECT count(*) FROM inserted),
           points = (SELECT COALESCE(sum(points), 0) FROM inserted)
    WHERE user_id = :uid AND finished_at IS NULL RETURNING id
)
SELECT (SELECT count(*) FROM inserted) AS new_submissions,
       (SELECT COALESCE(sum(points), 0) FROM inserted) AS points,
       (SELECT count(*) FROM jobs) AS jobs,
       (SELECT count(*) FROM score) + (SELECT count(*) FROM touched_user) + (SELECT count(*) FROM run) AS _,
       (SELECT setting FROM no_flush_wait) AS synchronous_commit
""")


def ingest_submissions(session: Executor, user_id: int, board_id: int, rows: list[IncomingSubmission],
                       error: str | None = None) -> IngestResult:
    """Store new submissions, claim first solves, add points and create one Job each: one statement."""
    row = session.execute(INGEST_SQL, ingest_parameters(user_id, board_id, rows, error)).one()
    return IngestResult(new_submissions=int(row[0]), points=int(row[1]), jobs=int(row[2]))


def ingest_parameters(user_id: int, board_id: int, rows: list[IncomingSubmission],
                      error: str | None = None) -> dict[str, Any]:
    payload = json.dumps([{
        "id": r.id, "slug": r.slug, "title": r.title, "difficulty": r.difficulty,
        "ac_rate": _decimal_text(r.ac_rate), "multiplier": _decimal_text(r.multiplier),
        "submitted_at": r.submitted_at.isoformat(), "lang": r.lang, "potential": r.potential_points}
        for r in sorted(rows, key=lambda r: (r.submitted_at, r.id))])
    return {"rows": payload, "uid": user_id, "board": board_id, "error": error,
            "status": "partial" if error else "ok"}


def record_sync_failure(session: Executor, user_id: int, error: str) -> None:
    session.execute(text(
        "WITH u AS (UPDATE users SET last_sync_error = :e WHERE id = :uid RETURNING id) "
        "UPDATE sync_run SET status = 'failed', finished_at = now(), error = :e "
        "WHERE user_id = :uid AND finished_at IS NULL"), {"uid": user_id, "e": error})


def plan_sync_runs(session: Session, slot: int) -> list[int]:
    """One sync_run per active user for this slot; a second plan of the same slot returns nobody."""
    rows = session.execute(text(
        "INSERT INTO sync_run (user_id, slot) SELECT id, :slot FROM users WHERE active "
        "ON CONFLICT (user_id, slot) DO NOTHING RETURNING user_id"), {"slot": slot}).scalars()
    return sorted(int(r) for r in rows)


def last_cycle(session: Session) -> dict[str, Any] | None:
    row = session.execute(text(
        "SELECT slot, count(*) AS users, count(*) FILTER (WHERE status IN ('ok','partial')) AS synced, "
        "  count(*) FILTER (WHERE status = 'failed') AS failed, "
        "  count(*) FILTER (WHERE finished_at IS NULL) AS pending, min(queued_at) AS started, "
        "  max(finished_at) AS finished "
        "FROM sync_run WHERE slot = (SELECT max(slot) FROM sync_run) GROUP BY slot")).mappings().first()
    return dict(row) if row else None


def upsert_problem_of_day(session: Session, day: date, slug: str, title: str, difficulty: str,
                          multiplier: Fraction) -> bool:
    """Record the day's problem once; returns True when it was new."""
    row = session.execute(text(
        "INSERT INTO problem_of_day (day, slug, title, difficulty, multiplier) "
        "VALUES (:d, :s, :t, CAST(:diff AS difficulty), CAST(:m AS numeric)) "
        "ON CONFLICT (day) DO NOTHING RETURNING day"),
        {"d": day, "s": slug, "t": title, "diff": difficulty, "m": _decimal_text(multiplier)}).first()
    return row is not None


# ---------------------------------------------------------------------------------------------------
# jobs: claim, finish, reschedule


@dataclass(frozen=True)
class Claim:
    job_id: int
    submission_id: int
    token: uuid.UUID
    attempts: int


def claim_job(session: Executor, job_id: int, lease_seconds: float) -> Claim | None:
    """Guarded claim: only an INCOMPLETE, due job becomes PROCESSING; a second delivery gets None."""
    token = uuid.uuid4()
    row = session.execute(text(
        "UPDATE job SET status = 'PROCESSING', claimed_at = now(), claim_token = :t, "
        "  lease_expires_at = now() + make_interval(secs => :lease) "
        "WHERE id = :id AND status = 'INCOMPLETE' AND next_attempt_at <= now() "
        "RETURNING submission_id, attempts"), {"id": job_id, "t": token, "lease": lease_seconds}).first()
    if row is None:
        return None
    return Claim(job_id=job_id, submission_id=int(row[0]), token=token, attempts=int(row[1]))


def complete_job(session: Executor, claim: Claim, details: SubmissionDetails) -> bool:
    """Write the details and mark the job COMPLETE in one statement, only while we still hold the claim."""
    row = session.execute(text(
        "WITH j AS (UPDATE job SET status = 'COMPLETE', completed_at = now(), enqueued_at = NULL, "
        "             lease_expires_at = NULL, last_error = NULL, attempts = attempts + 1 "
        "           WHERE id = :id AND status = 'PROCESSING' AND claim_token = :t RETURNING submission_id) "
        "UPDATE submission s SET code = :code, runtime_ms = :rt, runtime_display = :rtd, "
        "  runtime_percentile = :rtp, memory_bytes = :mem, memory_display = :memd, "
        "  memory_percentile = :memp, language = :lang, language_display = :langd, "
        "  details_fetched_at = now() "
        "FROM j WHERE s.id = j.submission_id RETURNING s.id"),
        {"id": claim.job_id, "t": claim.token, "code": details.code, "rt": details.runtime_ms,
         "rtd": details.runtime_display, "rtp": details.runtime_percentile, "mem": details.memory_bytes,
         "memd": details.memory_display, "memp": details.memory_percentile, "lang": details.language,
         "langd": details.language_display}).first()
    return row is not None


def reschedule_job(session: Executor, claim: Claim, *, delay_seconds: float, error: str | None,
                   count_attempt: bool) -> bool:
    """Back to INCOMPLETE, due after ``delay_seconds``; ``count_attempt`` burns one attempt."""
    row = session.execute(text(
        "UPDATE job SET status = 'INCOMPLETE', claim_token = NULL, claimed_at = NULL, "
        "  lease_expires_at = NULL, enqueued_at = NULL, "
        "  attempts = attempts + CASE WHEN :burn THEN 1 ELSE 0 END, "
        "  last_error = COALESCE(:e, last_error), "
        "  next_attempt_at = now() + make_interval(secs => :delay) "
        "WHERE id = :id AND status = 'PROCESSING' AND claim_token = :t RETURNING id"),
        {"id": claim.job_id, "t": claim.token, "burn": count_attempt, "e": error,
         "delay": delay_seconds}).first()
    return row is not None


def fail_job(session: Executor, claim: Claim, error: str) -> bool:
    row = session.execute(text(
        "UPDATE job SET status = 'FAILED', attempts = attempts + 1, last_error = :e, completed_at = now(), "
        "  claim_token = NULL, lease_expires_at = NULL, enqueued_at = NULL "
        "WHERE id = :id AND status = 'PROCESSING' AND claim_token = :t RETURNING id"),
        {"id": claim.job_id, "t": claim.token, "e": error}).first()
    return row is not None


def reclaim_expired_leases(session: Executor, max_attempts: int) -> int:
    """PROCESSING jobs whose lease ran out (worker died): back to INCOMPLETE, or FAILED at the cap."""
    return len(session.execute(text(RECLAIM_EXPIRED_SQL), {"max": max_attempts}).all())


# The feed's marking commits without waiting for its WAL flush, like the ingest: if a crash loses it, the jobs
# it marked are due again and may be sent twice, which the detail task's guarded claim already makes harmless.
# The flush it saves is on every job's way from its insert to its detail task.
CLAIM_FOR_ENQUEUE_SQL = f"""
WITH {NO_FLUSH_WAIT},
in_flight AS (
    SELECT count(*) AS n FROM job
    WHERE enqueued_at > now() - make_interval(secs => :stale) AND status IN ('INCOMPLETE', 'PROCESSING')
),
picked AS (
    SELECT id FROM job
    WHERE status = 'INCOMPLETE' AND next_attempt_at <= now()
      AND (enqueued_at IS NULL OR enqueued_at <= now() - make_interval(secs => :stale))
    ORDER BY next_attempt_at, id
    LIMIT GREATEST(:cap - (SELECT n FROM in_flight), 0)
    FOR UPDATE SKIP LOCKED
),
marked AS (
    UPDATE job SET enqueued_at = now() WHERE id = ANY(ARRAY(SELECT id FROM picked)) RETURNING id
)
SELECT (SELECT GREATEST(:cap - n, 0) FROM in_flight) AS room, ARRAY(SELECT id FROM marked) AS ids,
       (SELECT setting FROM no_flush_wait) AS synchronous_commit
"""


@dataclass(frozen=True)
class EnqueueClaim:
    job_ids: list[int]
    room: int  # free places in the lane before this claim

    @property
    def filled_the_lane(self) -> bool:
        """True when the lane took all it had room for, so due jobs may still be waiting in the table."""
        return len(self.job_ids) >= self.room


def claim_for_enqueue(session: Executor, max_in_flight: int, reenqueue_after: float) -> EnqueueClaim:
    """Pick due jobs for the broker, no more than the lane's free room; mark them enqueued.

    A job counts as in flight from ``enqueued_at`` until it finishes, or until ``reenqueue_after`` has passed
    (its message was lost: Redis restart, flush), when it becomes eligible again. Served by ``ix_job_due``
    in index order and ``ix_job_enqueued``: a few milliseconds with 100,000 due jobs.
    """
    row = session.execute(text(CLAIM_FOR_ENQUEUE_SQL), {"cap": max_in_flight, "stale": reenqueue_after}).one()
    return EnqueueClaim(job_ids=sorted(int(r) for r in row[1]), room=int(row[0]))


RECLAIM_EXPIRED_SQL = """
UPDATE job SET attempts = attempts + 1, claim_token = NULL, claimed_at = NULL,
  lease_expires_at = NULL, enqueued_at = NULL, next_attempt_at = now(),
  last_error = 'lease expired: the worker holding the job stopped or hung',
  status = CASE WHEN attempts + 1 >= :max THEN 'FAILED'::job_status ELSE 'INCOMPLETE'::job_status END,
  completed_at = CASE WHEN attempts + 1 >= :max THEN now() END
WHERE id IN (SELECT id FROM job WHERE status = 'PROCESSING' AND lease_expires_at < now() FOR UPDATE SKIP LOCKED)
RETURNING id
"""


def unmark_enqueued(session: Executor, job_ids: list[int]) -> None:
    session.execute(text("UPDATE job SET enqueued_at = NULL WHERE id = ANY(:ids) AND status = 'INCOMPLETE'"),
                    {"ids": job_ids})


def hand_back(session: Executor, claim: Claim) -> bool:
    """Release a claim without counting an attempt (no token in time, or the lane paused meanwhile)."""
    return reschedule_job(session, claim, delay_seconds=0, error=None, count_attempt=False)


def retry_failed_jobs(session: Session, job_ids: list[int] | None = None) -> int:
    """FAILED jobs back to INCOMPLETE with fresh attempts (all of them, or the given ids)."""
    rows = session.execute(text(
        "UPDATE job SET status = 'INCOMPLETE', attempts = 0, next_attempt_at = now(), completed_at = NULL, "
        "  enqueued_at = NULL "
        "WHERE status = 'FAILED' AND (CAST(:ids AS bigint[]) IS NULL OR id = ANY(CAST(:ids AS bigint[]))) "
        "RETURNING id"), {"ids": job_ids}).all()
    return len(rows)


def job_counts(session: Session) -> dict[str, int]:
    rows = session.execute(text("SELECT status::text, count(*) FROM job GROUP BY status")).all()
    counts = {s: 0 for s in ("INCOMPLETE", "PROCESSING", "COMPLETE", "FAILED")}
    counts.update({str(s): int(n) for s, n in rows})
    return counts


def oldest_due_job(session: Session) -> dict[str, Any] | None:
    row = session.execute(text(
        "SELECT id, submission_id, next_attempt_at, attempts, now() - next_attempt_at AS overdue "
        "FROM job WHERE status = 'INCOMPLETE' AND next_attempt_at <= now() "
        "ORDER BY next_attempt_at, id LIMIT 1")).mappings().first()
    return dict(row) if row else None


def recent_job_errors(session: Session, limit: int = 5) -> list[dict[str, Any]]:
    rows = session.execute(text(
        "SELECT id, submission_id, status::text AS status, attempts, last_error FROM job "
        "WHERE last_error IS NOT NULL AND status <> 'COMPLETE' "
        "ORDER BY COALESCE(completed_at, next_attempt_at) DESC LIMIT :n"), {"n": limit}).mappings()
    return [dict(r) for r in rows]


def recent_sync_errors(session: Session, limit: int = 5) -> list[dict[str, Any]]:
    rows = session.execute(text(
        "SELECT id, leetcode_username, last_sync_error FROM users WHERE last_sync_error IS NOT NULL "
        "ORDER BY last_synced_at DESC NULLS LAST LIMIT :n"), {"n": limit}).mappings()
    return [dict(r) for r in rows]


# ---------------------------------------------------------------------------------------------------
# the LeetCode session


def set_leetcode_session(session: Session, token: str, csrf: str | None) -> None:
    session.execute(text("INSERT INTO leetcode_session (token, csrf) VALUES (:t, :c)"), {"t": token, "c": csrf})


def latest_leetcode_session(session: Session) -> tuple[str, str | None] | None:
    row = session.execute(text(
        "SELECT token, csrf FROM leetcode_session ORDER BY created_at DESC, id DESC LIMIT 1")).first()
    return (row[0], row[1]) if row else None
