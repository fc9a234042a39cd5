"""`codebloom demo`: one full sync cycle, end to end, on real processes.

Embedded PostgreSQL and Redis (unless DATABASE_URL / REDIS_URL are set), the LeetCode simulator, a sync
worker, a detail worker, beat and the bridge; 25 simulated users; progress bars; the leaderboard; one
summary line; every process stopped at the end.
"""

from __future__ import annotations

import os
import secrets
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import text

from codebloom import embedded, store
from codebloom.db import dispose_engines, session_scope
from codebloom.devservices import start_embedded
from codebloom.processes import Supervisor, celery_command, codebloom_command, worker_command
from codebloom.settings import parse_rate

console = Console()
DEMO_DATABASE = "codebloom_demo"
BOARD_DAYS_AGO = 7


def run_demo(user_count: int = 25, detail_rate: str = "600/60", timeout: float = 240.0) -> int:
    calls, seconds = parse_rate(detail_rate, "--detail-rate")
    home = Path(os.environ.get("CODEBLOOM_HOME", ".codebloom")).resolve()
    started = time.monotonic()
    with ExitStack() as stack:
        sim_port = embedded.free_port()
        # Other shells (codebloom status, jobs) see the demo's budget and its LeetCode (the simulator).
        database_url, redis_url = start_embedded(home, stack, DEMO_DATABASE, reset=True, extra_env={
            "DETAIL_RATE": detail_rate, "LEETCODE_BASE_URL": f"http://127.0.0.1:{sim_port}"})
        session_token, csrf = secrets.token_urlsafe(24), secrets.token_hex(16)
        supervisor = Supervisor(log_dir=home / "logs", env={})
        stack.callback(_stop_all, supervisor)
        supervisor.start("simulator", codebloom_command(
            "simulate-leetcode", "--port", str(sim_port), "--seed", "7", "--users", str(max(user_count, 1)),
            f"--session-token={session_token}", f"--csrf-token={csrf}",
            "--rate-limit", f"submissionDetails={calls}/{seconds}"))
        supervisor.wait_for_log("simulator", "listening", 30)
        env = {
            "DATABASE_URL": database_url, "REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url,
            "LEETCODE_BASE_URL": f"http://127.0.0.1:{sim_port}", "LEETCODE_SESSION": session_token,
            "LEETCODE_CSRF_TOKEN": csrf, "DETAIL_RATE": f"{calls}/{seconds}",
            # Celery's per-worker bucket (capacity 1) holds an early arrival until the worker's next loop tick,
            # up to a second on Redis: at demo speed that, not LeetCode's budget, would set the pace. The
            # global Redis limiter still holds the demo's budget; production keeps both guards.
            "DETAIL_RATE_LIMIT": "off",
            "SYNC_SPREAD": "5", "BRIDGE_POLL_INTERVAL": "1", "CODEBLOOM_HOME": str(home),
        }
        os.environ.update(env)
        supervisor.env = env
        console.print(f"[bold]detail rate raised for the simulator:[/] {calls} calls per {seconds}s, held by the "
                      f"global Redis limiter (production default 20 per 60s); the simulator enforces the same "
                      f"limit")

        from codebloom.migrate import upgrade

        upgrade(database_url)
        usernames = [f"sim_user_{i:04d}" for i in range(1, user_count + 1)]
        with session_scope(database_url) as session:
            store.open_leaderboard(session, "Demo board", _days_ago(BOARD_DAYS_AGO))
            for name in usernames:
                store.add_user(session, name)
        console.print(f"opened a leaderboard started {BOARD_DAYS_AGO} days ago; registered {user_count} users")

        supervisor.start("sync-worker", worker_command("sync", "sync", 2))
        supervisor.start("detail-worker", worker_command("leetcode-details", "details", 4))
        supervisor.start("beat", celery_command("beat", "-s", str(home / "beat-schedule"), "-l", "INFO"))
        supervisor.start("bridge", codebloom_command("bridge"))
        for name in ("sync-worker", "detail-worker"):
            supervisor.wait_for_log(name, "ready.", 60)
        supervisor.wait_for_log("bridge", "bridge listening", 30)
        console.print("started: sync worker, detail worker, beat, bridge")

        from codebloom.leetcode.client import LeetCodeClient
        from codebloom.services.potd import refresh_problem_of_day
        from tasks.sync import plan_sync

        refresh_problem_of_day(database_url, LeetCodeClient(env["LEETCODE_BASE_URL"], 10))
        console.print("recorded today's problem of the day; planning the sync cycle now "
                      "(beat repeats it every SYNC_INTERVAL)")
        plan_sync.delay()
        finished = _watch(database_url, user_count, timeout)
        summary = _summary(database_url)
        with session_scope(database_url) as session:
            board = store.current_leaderboard(session)
            top = store.leaderboard_top(session, 10)
        from codebloom.cli import lane_status, print_leaderboard

        if board is not None:
            print_leaderboard(board, top)
        console.print(f"detail lane: {lane_status(_settings_now())}")
        dispose_engines()
    ok = finished and summary["failed"] == 0 and summary["complete"] == summary["jobs"] \
        and summary["synced"] == user_count
    console.print(f"wall time {time.monotonic() - started:.1f}s; logs in {home / 'logs'}")
    print(f"demo: synced {summary['synced']}/{user_count} users, scored {summary['submissions']} submissions "
          f"({summary['points']} points), details {summary['complete']}/{summary['jobs']} complete, "
          f"{summary['failed']} failed", flush=True)
    return 0 if ok else 1


def _settings_now() -> Any:
    from codebloom.settings import load_settings

    return load_settings()


def _days_ago(days: float) -> Any:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(days=days)


def _stop_all(supervisor: Supervisor) -> None:
    supervisor.stop_all()
    console.print("stopped every process the demo started")


def _counts(database_url: str) -> dict[str, int]:
    with session_scope(database_url) as session:
        row = session.execute(text(
            "SELECT (SELECT count(*) FROM sync_run WHERE status IN ('ok', 'partial')) AS synced, "
            "       (SELECT count(*) FROM sync_run WHERE status = 'failed') AS sync_failed, "
            "       (SELECT count(*) FROM sync_run WHERE finished_at IS NULL) AS sync_pending, "
            "       (SELECT count(*) FROM job) AS jobs, "
            "       (SELECT count(*) FROM job WHERE status = 'COMPLETE') AS complete, "
            "       (SELECT count(*) FROM job WHERE status = 'FAILED') AS failed")).mappings().one()
    return {k: int(v) for k, v in row.items()}


def _watch(database_url: str, user_count: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        users = progress.add_task("users synced    ", total=user_count)
        details = progress.add_task("details fetched ", total=None)
        while time.monotonic() < deadline:
            c = _counts(database_url)
            progress.update(users, completed=c["synced"] + c["sync_failed"])
            progress.update(details, completed=c["complete"] + c["failed"], total=max(c["jobs"], 1))
            users_done = c["synced"] + c["sync_failed"] >= user_count and c["sync_pending"] == 0
            if users_done and c["complete"] + c["failed"] >= c["jobs"]:
                return True
            time.sleep(0.5)
    console.print(f"[red]the cycle did not finish within {timeout:g}s[/]")
    return False


def _summary(database_url: str) -> dict[str, int]:
    c = _counts(database_url)
    with session_scope(database_url) as session:
        row = session.execute(text("SELECT count(*), COALESCE(sum(points), 0) FROM submission")).one()
    return {**c, "submissions": int(row[0]), "points": int(row[1])}
