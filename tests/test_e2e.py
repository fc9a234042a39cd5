"""End to end on real processes: beat plans, sync workers score, the trigger notifies, the bridge feeds,
detail workers complete every Job. Points and stored details are checked against the simulator's own data."""

from __future__ import annotations

import hashlib
import time
from fractions import Fraction

import pytest
import requests
from sqlalchemy import text

from codebloom.db import get_engine
from codebloom.leetcode import LeetCodeClient
from codebloom.processes import celery_command, codebloom_command, worker_command
from codebloom.services.potd import refresh_problem_of_day
from codebloom.simulator import SimulatorConfig
from tests.conftest import add_users, open_board, wait_until
from tests.expected import expected_points, truth

USERS = 6


def _active_users(sim_url: str, count: int) -> list[str]:
    names = []
    for i in range(1, 200):
        name = f"sim_user_{i:04d}"
        if len(truth(sim_url, name)) >= 3:
            names.append(name)
        if len(names) == count:
            return names
    raise AssertionError("not enough active users in the world")


def _progress(db: str) -> dict[str, int]:
    with get_engine(db).connect() as conn:
        return dict(conn.execute(text(
            "SELECT 'synced', count(DISTINCT user_id) FROM sync_run WHERE status = 'ok' "
            "UNION ALL SELECT 'jobs', count(*) FROM job "
            "UNION ALL SELECT 'complete', count(*) FROM job WHERE status = 'COMPLETE'")).all())


@pytest.mark.parametrize("simulator", [SimulatorConfig(users=200, seed=5, frozen_at=time.time(),
                                                       rate_limits={"submissionDetails": (600, 60)})],
                         indirect=True)
def test_full_cycle_through_beat_bridge_and_workers(db, simulator, supervisor, tmp_path) -> None:
    names = _active_users(simulator.url, USERS)
    open_board(db, days_ago=6)
    user_ids = add_users(db, names)
    refresh_problem_of_day(db, LeetCodeClient(simulator.url, 5))
    env = {"LEETCODE_BASE_URL": simulator.url, "SYNC_INTERVAL": "3", "SYNC_SPREAD": "1", "SWEEP_INTERVAL": "5",
           "POTD_INTERVAL": "3600", "DETAIL_RATE": "600/60", "DETAIL_RATE_LIMIT": "6000/m",
           "BRIDGE_POLL_INTERVAL": "1"}
    supervisor.env.update(env)
    supervisor.start("sync-worker", worker_command("sync", "sync", 2))
    supervisor.start("detail-worker", worker_command("leetcode-details", "details", 3))
    supervisor.start("bridge", codebloom_command("bridge"))
    for name in ("sync-worker", "detail-worker"):
        supervisor.wait_for_log(name, "ready.", 60)
    supervisor.start("beat", celery_command("beat", "-s", str(tmp_path / "beat-schedule"), "-l", "INFO"))

    expected_jobs = sum(len(truth(simulator.url, n)) for n in names)
    wait_until(lambda: (p := _progress(db))["synced"] == USERS and p["complete"] == p["jobs"] == expected_jobs,
               120, "every user synced and every job complete", interval=0.5)

    with get_engine(db).connect() as conn:
        board_start = conn.execute(text("SELECT started_at FROM leaderboard WHERE ended_at IS NULL")).scalar()
        potd = {d: (s, Fraction(m)) for d, s, m in conn.execute(text(
            "SELECT day, slug, multiplier::text FROM problem_of_day")).all()}
        scores = dict(conn.execute(text("SELECT user_id, score FROM leaderboard_score")).all())
        statuses = conn.execute(text("SELECT status::text, count(*) FROM job GROUP BY 1")).all()
        stored = conn.execute(text(
            "SELECT id, code, runtime_ms, memory_bytes, runtime_display, memory_display, language FROM submission"
        )).all()
    for user_id, name in zip(user_ids, names, strict=True):
        assert scores[user_id] == expected_points(simulator.url, name, board_start, potd)[0], name
    assert statuses == [("COMPLETE", expected_jobs)]
    served = requests.get(simulator.url + "/_sim/stats", timeout=5).json()["served_details"]
    assert len(stored) == expected_jobs
    for sid, code, runtime, memory, runtime_display, memory_display, language in stored:
        info = served[str(sid)]
        assert hashlib.sha256(code.encode()).hexdigest() == info["code_sha256"]
        assert (runtime, memory, runtime_display, memory_display, language) == (
            info["runtime"], info["memory"], info["runtimeDisplay"], info["memoryDisplay"], info["lang"])
    assert "Sending due task plan-sync" in supervisor.log_path("beat").read_text()
