"""SQLAlchemy 2 typed models. Data only: the rules live in codebloom/ (services and store)."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JOB_CHANNEL = "codebloom_job_inserted"


class Base(DeclarativeBase):
    pass


class JobStatus(enum.StrEnum):
    INCOMPLETE = "INCOMPLETE"
    PROCESSING = "PROCESSING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"


class Difficulty(enum.StrEnum):
    EASY = "Easy"
    MEDIUM = "Medium"
    HARD = "Hard"


def _now() -> Any:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("uq_users_username_ci", func.lower(text("leetcode_username")), unique=True),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    leetcode_username: Mapped[str] = mapped_column(String(128), nullable=False)
    active: Mapped[bool] = mapped_column(server_default=text("true"), nullable=False)
    created_at: Mapped[datetime] = _now()
    last_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_sync_error: Mapped[str | None] = mapped_column(Text)


class Leaderboard(Base):
    __tablename__ = "leaderboard"
    __table_args__ = (
        # At most one current board: every row with ended_at NULL shares the same index key.
        Index("uq_leaderboard_one_current", text("(ended_at IS NULL)"), unique=True,
              postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()


class LeaderboardScore(Base):
    __tablename__ = "leaderboard_score"
    __table_args__ = (CheckConstraint("score >= 0", name="ck_score_non_negative"),)

    leaderboard_id: Mapped[int] = mapped_column(
        ForeignKey("leaderboard.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer, server_default=text("0"), nullable=False)


class Problem(Base):
    """Cache of LeetCode problem metadata, keyed by slug."""

    __tablename__ = "problem"

    slug: Mapped[str] = mapped_column(String(256), primary_key=True)
    question_id: Mapped[str | None] = mapped_column(String(32))
    frontend_id: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text, nullable=False)
    difficulty: Mapped[Difficulty] = mapped_column(
        Enum(Difficulty, name="difficulty", values_callable=lambda e: [m.value for m in e]), nullable=False)
    ac_rate: Mapped[Decimal | None] = mapped_column(Numeric(20, 18))
    topics: Mapped[list[Any]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"), nullable=False)
    paid_only: Mapped[bool] = mapped_column(server_default=text("false"), nullable=False)
    fetched_at: Mapped[datetime] = _now()


class UserProblem(Base):
    """First solve of a problem by a user, ever: the key that makes points awarded at most once."""

    __tablename__ = "user_problem"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    slug: Mapped[str] = mapped_column(String(256), primary_key=True)
    first_submission_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    first_solved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Submission(Base):
    """One accepted LeetCode submission; id is LeetCode's own (64-bit)."""

    __tablename__ = "submission"
    __table_args__ = (Index("ix_submission_user", "user_id", "submitted_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    leaderboard_id: Mapped[int | None] = mapped_column(ForeignKey("leaderboard.id", ondelete="SET NULL"))
    slug: Mapped[str] = mapped_column(ForeignKey("problem.slug"), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    difficulty: Mapped[Difficulty] = mapped_column(
        Enum(Difficulty, name="difficulty", create_type=False,
             values_callable=lambda e: [m.value for m in e]), nullable=False)
    ac_rate: Mapped[Decimal] = mapped_column(Numeric(20, 18), nullable=False)
    multiplier: Mapped[Decimal] = mapped_column(Numeric(6, 3), server_default=text("1"), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    list_lang: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = _now()
    # Filled in by the detail task.
    code: Mapped[str | None] = mapped_column(Text)
    runtime_ms: Mapped[int | None] = mapped_column(Integer)
    runtime_display: Mapped[str | None] = mapped_column(String(32))
    runtime_percentile: Mapped[float | None] = mapped_column(Float)
    memory_bytes: Mapped[int | None] = mapped_column(BigInteger)
    memory_display: Mapped[str | None] = mapped_column(String(32))
    memory_percentile: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(32))
    language_display: Mapped[str | None] = mapped_column(String(64))
    details_fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProblemOfDay(Base):
    __tablename__ = "problem_of_day"
    __table_args__ = (CheckConstraint("multiplier >= 1 AND multiplier <= 5", name="ck_potd_multiplier"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    slug: Mapped[str] = mapped_column(String(256), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    difficulty: Mapped[Difficulty] = mapped_column(
        Enum(Difficulty, name="difficulty", create_type=False,
             values_callable=lambda e: [m.value for m in e]), nullable=False)
    multiplier: Mapped[Decimal] = mapped_column(Numeric(6, 3), nullable=False)
    created_at: Mapped[datetime] = _now()


class Job(Base):
    """Deferred detail fetch for one submission. The Job table, not Redis, is the record of pending work."""

    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_due", "next_attempt_at", "id", postgresql_where=text("status = 'INCOMPLETE'")),
        Index("ix_job_lease", "lease_expires_at", postgresql_where=text("status = 'PROCESSING'")),
        Index("ix_job_enqueued", "enqueued_at", postgresql_where=text("enqueued_at IS NOT NULL")),
        Index("ix_job_status", "status"),
        CheckConstraint("attempts >= 0", name="ck_job_attempts"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), unique=True, nullable=False)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, name="job_status", values_callable=lambda e: [m.value for m in e]),
        server_default=text("'INCOMPLETE'"), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"), nullable=False)
    next_attempt_at: Mapped[datetime] = _now()
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SyncRun(Base):
    """One planned sync of one user in one cycle slot; the unique key absorbs a doubled beat."""

    __tablename__ = "sync_run"
    __table_args__ = (UniqueConstraint("user_id", "slot", name="uq_sync_run_user_slot"),
                      Index("ix_sync_run_slot", "slot"),
                      # the ingest finds a user's open run here, not among every run the user ever had
                      Index("ix_sync_run_open", "user_id", postgresql_where=text("finished_at IS NULL")))

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    slot: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'queued'"), nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    new_submissions: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[int | None] = mapped_column(Integer)
    queued_at: Mapped[datetime] = _now()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LeetcodeSession(Base):
    """The LeetCode session the detail workers use; the newest row wins over the env vars."""

    __tablename__ = "leetcode_session"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    token: Mapped[str] = mapped_column(Text, nullable=False)
    csrf: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()


__all__ = [
    "JOB_CHANNEL", "Base", "Difficulty", "Job", "JobStatus", "Leaderboard", "LeaderboardScore",
    "LeetcodeSession", "Problem", "ProblemOfDay", "Submission", "SyncRun", "User", "UserProblem",
]
