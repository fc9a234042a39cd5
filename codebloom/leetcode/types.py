"""Typed results of the LeetCode client."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from models import Difficulty


@dataclass(frozen=True)
class RecentSubmission:
    id: int
    title: str
    slug: str
    submitted_at: datetime
    lang: str | None


@dataclass(frozen=True)
class ProblemInfo:
    slug: str
    title: str
    difficulty: Difficulty
    ac_rate: Fraction | None
    question_id: str | None = None
    frontend_id: str | None = None
    paid_only: bool = False
    topics: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SubmissionDetails:
    id: int
    code: str
    runtime_ms: int | None
    runtime_display: str | None
    runtime_percentile: float | None
    memory_bytes: int | None
    memory_display: str | None
    memory_percentile: float | None
    language: str | None
    language_display: str | None
    status_code: int | None


@dataclass(frozen=True)
class DailyQuestion:
    day: date
    slug: str
    title: str
    difficulty: Difficulty
