"""Scoring: the worked table of the reference (exact-decimal values), determinism, and the rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from codebloom.scoring import (
    ScoringContext,
    ScoringError,
    base_points,
    deviation,
    parse_percent,
    points,
    potd_multiplier,
    score_submission,
)
from models import Difficulty

E, M, H = Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD
JUST_UNDER = Fraction(105, 100) - Fraction(1, 10**12)

# difficulty, r, base, m=1.3, m=1.5, m=1.8 (exact-decimal), d=0.95, d->1.05-
TABLE = [
    (E, "0.001", 99, 128, 148, 178, 94, 103),
    (E, "0.25", 93, 120, 139, 167, 88, 97),
    (E, "0.494", 87, 113, 130, 156, 82, 91),
    (E, "0.5", 87, 113, 130, 156, 82, 91),
    (E, "0.6", 85, 110, 127, 153, 80, 89),
    (E, "0.75", 81, 105, 121, 145, 76, 85),
    (E, "1.0", 75, 97, 112, 135, 71, 78),
    (M, "0.1", 273, 354, 409, 491, 259, 286),
    (M, "0.25", 246, 319, 369, 442, 233, 258),
    (M, "0.5", 216, 280, 324, 388, 205, 226),
    (M, "0.75", 198, 257, 297, 356, 188, 207),
    (M, "1.0", 187, 243, 280, 336, 177, 196),
    (H, "0.1", 547, 711, 820, 984, 519, 574),
    (H, "0.25", 492, 639, 738, 885, 467, 516),
    (H, "0.5", 433, 562, 649, 779, 411, 454),
    (H, "0.75", 397, 516, 595, 714, 377, 416),
    (H, "1.0", 375, 487, 562, 675, 356, 393),
]


@pytest.mark.parametrize(("difficulty", "rate", "base", "m13", "m15", "m18", "low", "high"), TABLE)
def test_reference_table(difficulty, rate, base, m13, m15, m18, low, high) -> None:
    r = Fraction(rate)
    assert base_points(difficulty, r) == base
    assert points(difficulty, r, Fraction("1.3")) == m13
    assert points(difficulty, r, Fraction("1.5")) == m15
    assert points(difficulty, r, Fraction("1.8")) == m18
    assert points(difficulty, r, dev=Fraction("0.95")) == low
    assert points(difficulty, r, dev=JUST_UNDER) == high


def test_original_sanity_ranges_at_half_rate_and_multiplier_five() -> None:
    for difficulty, lo, hi in ((E, 413, 456), (M, 1026, 1133), (H, 2056, 2273)):
        values = {points(difficulty, Fraction(1, 2), Fraction(5), deviation(i)) for i in range(2000)}
        assert lo <= min(values) and max(values) <= hi


def test_deviation_is_deterministic_and_in_range() -> None:
    ids = [2_200_000_000 + i * 7919 for i in range(5000)]
    values = [deviation(i) for i in ids]
    assert values == [deviation(i) for i in ids]
    assert all(Fraction(95, 100) <= v < Fraction(105, 100) for v in values)
    assert min(values) < Fraction(96, 100) and max(values) > Fraction(104, 100)  # spread over the range


def test_parse_percent() -> None:
    assert parse_percent("49.4%") == Fraction(494, 1000)
    assert parse_percent("0%") == 0
    with pytest.raises(ScoringError, match="not a percentage"):
        parse_percent("49.4")
    with pytest.raises(ScoringError, match="not a number"):
        parse_percent("abc%")


def test_rate_outside_unit_interval_and_unknown_difficulty_are_errors() -> None:
    with pytest.raises(ScoringError, match="outside"):
        base_points(E, Fraction(3, 2))
    with pytest.raises(ScoringError, match="unknown difficulty"):
        base_points("Impossible", Fraction(1, 2))


def test_zero_acceptance_scores_the_maximum_base() -> None:
    assert (base_points(E, Fraction(0)), base_points(M, Fraction(0)), base_points(H, Fraction(0))) == (100, 300, 600)


def test_potd_multiplier_ranges() -> None:
    for difficulty, lo, hi in ((E, "1.23", "1.37"), (M, "1.42", "1.58"), (H, "1.71", "1.89")):
        values = {potd_multiplier(difficulty, seed) for seed in range(3000)}
        assert Fraction(lo) <= min(values) and max(values) <= Fraction(hi)
        assert all((v * 100).denominator == 1 for v in values)  # two decimals


BOARD_START = datetime(2026, 11, 1, tzinfo=UTC)


def test_submission_before_the_board_scores_zero() -> None:
    ctx = ScoringContext(board_started_at=BOARD_START, potd_by_day={})
    early = BOARD_START - timedelta(seconds=1)
    assert score_submission(ctx, submission_id=1, slug="a", difficulty=E, rate=Fraction(1, 2),
                            submitted_at=early)[0] == 0
    assert score_submission(ctx, submission_id=1, slug="a", difficulty=E, rate=Fraction(1, 2),
                            submitted_at=BOARD_START)[0] > 0


def test_potd_multiplier_is_judged_by_the_submission_day() -> None:
    potd = {date(2026, 11, 5): ("two-sum", Fraction("1.5"))}
    ctx = ScoringContext(board_started_at=BOARD_START, potd_by_day=potd)
    on_day = datetime(2026, 11, 5, 23, 59, tzinfo=UTC)
    next_day = datetime(2026, 11, 6, 0, 1, tzinfo=UTC)
    kwargs = {"submission_id": 42, "slug": "two-sum", "difficulty": M, "rate": Fraction(1, 2)}
    with_bonus, m1 = score_submission(ctx, submitted_at=on_day, **kwargs)
    without, m2 = score_submission(ctx, submitted_at=next_day, **kwargs)
    assert (m1, m2) == (Fraction("1.5"), 1)
    assert with_bonus == points(M, Fraction(1, 2), Fraction("1.5"), deviation(42))
    assert without == points(M, Fraction(1, 2), Fraction(1), deviation(42))
    other_slug, m3 = score_submission(ctx, submitted_at=on_day, **{**kwargs, "slug": "three-sum"})
    assert m3 == 1
