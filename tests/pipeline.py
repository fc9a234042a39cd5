"""Helpers for fault tests on real processes: a backlog of real Jobs, worker fleets, simulator stats."""

from __future__ import annotations

from typing import Any

import requests
from sqlalchemy import text

from bench.harness import make_backlog, max_calls_in_window  # noqa: F401 - re-exported for the tests
from codebloom.db import get_engine
from codebloom.processes import Supervisor, worker_command


def sim_post(sim: Any, path: str, body: Any) -> Any:
    reply = requests.post(sim.url + path, json=body, timeout=10)
    reply.raise_for_status()
    return reply.json()


def sim_stats(sim: Any) -> dict[str, Any]:
    return requests.get(sim.url + "/_sim/stats", timeout=10).json()


def plain_slugs(sim: Any) -> list[str]:
    catalogue = requests.get(sim.url + "/_sim/catalogue", timeout=10).json()
    return [p["titleSlug"] for p in catalogue if not p["titleSlug"].startswith("sim-")]


def backlog(db: str, sim: Any, jobs: int, prefix: str = "backlog") -> list[int]:
    """``jobs`` real INCOMPLETE Jobs: scripted users with 20 submissions each, synced in-process."""
    return make_backlog(db, sim.url, jobs, prefix)


def job_status_counts(db: str) -> dict[str, int]:
    with get_engine(db).connect() as conn:
        return dict(conn.execute(text("SELECT status::text, count(*) FROM job GROUP BY 1")).all())


def all_complete(db: str, total: int) -> bool:
    return job_status_counts(db).get("COMPLETE", 0) == total


def start_detail_workers(supervisor: Supervisor, count: int, concurrency: int = 2) -> list[str]:
    names = [f"detail-worker-{i}" for i in range(count)]
    for name in names:
        supervisor.start(name, worker_command("leetcode-details", name, concurrency))
    for name in names:
        supervisor.wait_for_log(name, "ready.", 60)
    return names
