"""Test data: many Jobs at once, straight in SQL (no LeetCode needed)."""

from __future__ import annotations

from sqlalchemy import text

from codebloom.db import get_engine
from tests.conftest import add_users, open_board


def insert_jobs(db: str, count: int, first_id: int = 5_000_000_000, username: str = "bulk_user") -> list[int]:
    """``count`` submissions of one user and one INCOMPLETE Job each; returns the job ids."""
    with get_engine(db).begin() as conn:
        user_id = conn.execute(text("SELECT id FROM users WHERE leetcode_username = :u"), {"u": username}).scalar()
        board = conn.execute(text("SELECT id FROM leaderboard WHERE ended_at IS NULL")).scalar()
    if user_id is None:
        [user_id] = add_users(db, [username])
    if board is None:
        board = open_board(db)
    with get_engine(db).begin() as conn:
        conn.execute(text("INSERT INTO problem (slug, title, difficulty, ac_rate) VALUES ('bulk', 'Bulk', 'Easy', 0.5) "
                          "ON CONFLICT DO NOTHING"))
        conn.execute(text(
            "INSERT INTO submission (id, user_id, leaderboard_id, slug, title, difficulty, ac_rate, "
            "                        submitted_at, points) "
            "SELECT g, :u, :b, 'bulk', 'Bulk', 'Easy', 0.5, now(), 0 FROM generate_series(:a, :z) g"),
            {"u": user_id, "b": board, "a": first_id, "z": first_id + count - 1})
        return conn.execute(text(
            "INSERT INTO job (submission_id) SELECT g FROM generate_series(:a, :z) g RETURNING id"),
            {"a": first_id, "z": first_id + count - 1}).scalars().all()
