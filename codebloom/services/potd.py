"""Record LeetCode's problem of the day with its multiplier."""

from __future__ import annotations

from codebloom import store
from codebloom.db import session_scope
from codebloom.leetcode.client import LeetCodeClient
from codebloom.scoring import potd_multiplier


def refresh_problem_of_day(database_url: str, client: LeetCodeClient) -> bool:
    """True when a new day's problem was stored. The multiplier is fixed once per day."""
    daily = client.question_of_today()
    seed = int(daily.day.strftime("%Y%m%d"))
    multiplier = potd_multiplier(daily.difficulty, seed)
    with session_scope(database_url) as session:
        return store.upsert_problem_of_day(session, daily.day, daily.slug, daily.title,
                                           daily.difficulty.value, multiplier)
