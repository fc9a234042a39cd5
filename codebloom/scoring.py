"""How a submission is scored. Pure functions, exact arithmetic.

r is the acceptance rate as a fraction in [0, 1], m the multiplier (1, or the problem of the day's).

    Easy   base = floor(100 * (1 - r/4))
    Medium base = floor(300 * B(r))        B(r) = 1/2 + 1 / (2 (1 + r)^2)
    Hard   base = floor(600 * B(r))
    points      = floor(base * d * m)      d in [0.95, 1.05), derived from the submission id

All of it is computed with ``Fraction`` on the exact decimal values (``"49.4%"`` is 494/1000, m = 1.8 is
9/5), so the results are the "exact-decimal" column of the reference table, not Java's float32 ones.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from models import Difficulty

DEVIATION_LOW = Fraction(95, 100)
DEVIATION_SPAN = Fraction(10, 100)
_HASH_SPACE = 2**64


class ScoringError(ValueError):
    """The inputs cannot be scored (unknown difficulty, rate outside [0, 1])."""


def to_fraction(value: Fraction | Decimal | int | str | float) -> Fraction:
    """Exact fraction of a rate or multiplier; floats go through their shortest decimal repr."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def parse_percent(text: str) -> Fraction:
    """``"49.4%"`` -> 494/1000. Raises ``ScoringError`` on anything else."""
    cleaned = text.strip()
    if not cleaned.endswith("%"):
        raise ScoringError(f"acceptance rate {text!r} is not a percentage")
    try:
        return Fraction(cleaned[:-1].strip()) / 100
    except ValueError:
        raise ScoringError(f"acceptance rate {text!r} is not a number") from None


def check_rate(rate: Fraction) -> Fraction:
    if not 0 <= rate <= 1:
        raise ScoringError(f"acceptance rate {float(rate):.4f} is outside [0, 1]")
    return rate


def blue(rate: Fraction) -> Fraction:
    return Fraction(1, 2) + 1 / (2 * (1 + rate) ** 2)


def purple(rate: Fraction) -> Fraction:
    return 1 - rate / 4


def base_points(difficulty: Difficulty | str, rate: Fraction) -> int:
    rate = check_rate(rate)
    if difficulty == Difficulty.EASY:
        return math.floor(100 * purple(rate))
    if difficulty == Difficulty.MEDIUM:
        return math.floor(300 * blue(rate))
    if difficulty == Difficulty.HARD:
        return math.floor(600 * blue(rate))
    raise ScoringError(f"unknown difficulty {difficulty!r}")


def deviation(submission_id: int) -> Fraction:
    """A deterministic d in [0.95, 1.05) from the submission id, so a re-run scores identically."""
    digest = hashlib.blake2b(str(submission_id).encode(), digest_size=8).digest()
    unit = Fraction(int.from_bytes(digest, "big"), _HASH_SPACE)
    return DEVIATION_LOW + DEVIATION_SPAN * unit


def points(difficulty: Difficulty | str, rate: Fraction, multiplier: Fraction = Fraction(1),
           dev: Fraction = Fraction(1)) -> int:
    return math.floor(base_points(difficulty, rate) * dev * multiplier)


@dataclass(frozen=True)
class ScoringContext:
    """What scoring needs besides the submission: the board's start and the problems of the day."""

    board_started_at: datetime
    potd_by_day: dict[date, tuple[str, Fraction]]  # UTC day -> (slug, multiplier)

    def multiplier_for(self, slug: str, submitted_at: datetime) -> Fraction:
        """The POTD multiplier, judged by the submission's own (UTC) day, not the sync's."""
        potd = self.potd_by_day.get(submitted_at.date())
        if potd is not None and potd[0] == slug:
            return potd[1]
        return Fraction(1)


def score_submission(ctx: ScoringContext, *, submission_id: int, slug: str, difficulty: Difficulty | str,
                     rate: Fraction, submitted_at: datetime) -> tuple[int, Fraction]:
    """Points this submission earns if it is the user's first solve of ``slug``; and its multiplier.

    A submission older than the board's start earns 0 (it still counts as the first solve).
    """
    multiplier = ctx.multiplier_for(slug, submitted_at)
    if submitted_at < ctx.board_started_at:
        return 0, multiplier
    return points(difficulty, rate, multiplier, deviation(submission_id)), multiplier


def potd_multiplier(difficulty: Difficulty | str, seed: int) -> Fraction:
    """The POTD multiplier: c * e rounded half-up to 2 decimals, e in [0.95, 1.05) from ``seed``."""
    base = {Difficulty.EASY: Fraction(13, 10), Difficulty.MEDIUM: Fraction(3, 2),
            Difficulty.HARD: Fraction(9, 5)}.get(Difficulty(difficulty), Fraction(1))
    value = base * deviation(seed) * 100
    return Fraction(math.floor(value + Fraction(1, 2)), 100)
