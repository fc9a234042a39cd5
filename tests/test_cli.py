"""The `codebloom` command as a user runs it: real processes, one-line errors."""

from __future__ import annotations

import os
import subprocess

from sqlalchemy import text

from codebloom.db import get_engine
from codebloom.processes import codebloom_command
from tests.conftest import ROOT, SESSION_TOKEN
from tests.jobs import insert_jobs
from tests.test_client import active_user


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(codebloom_command(*args), capture_output=True, text=True, env=full_env, cwd=ROOT,
                          timeout=60)


def test_a_user_error_is_one_line_without_traceback(db) -> None:
    result = run("sync", "nobody_here")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: unknown user 'nobody_here': add it with `codebloom users add nobody_here`"]


def test_no_database_is_a_clear_error(tmp_path) -> None:
    result = run("jobs", env={"DATABASE_URL": "", "CODEBLOOM_HOME": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: no database: set DATABASE_URL")
    assert "Traceback" not in result.stderr


def test_users_board_inline_sync_and_jobs(db, simulator) -> None:
    name = active_user(simulator, 3)
    env = {"LEETCODE_BASE_URL": simulator.url}
    unknown = run("users", "add", "no_such_user_zz9", env=env)
    assert unknown.returncode == 1 and "does not exist" in unknown.stderr and len(unknown.stderr.splitlines()) == 1
    assert run("users", "add", name.upper(), env=env).stdout.startswith(f"added: {name}")
    assert "opened leaderboard 'Spring'" in run("leaderboard", "open", "Spring", "--days-ago", "30").stdout
    synced = run("sync", name, "--inline", env=env)
    assert synced.returncode == 0 and f"synced {name}:" in synced.stdout
    board = run("leaderboard")
    assert name in board.stdout and "Spring" in board.stdout
    jobs = run("jobs")
    assert "jobs: INCOMPLETE" in jobs.stdout and "detail lane: running" in jobs.stdout
    assert SESSION_TOKEN not in synced.stdout + synced.stderr + jobs.stdout


def test_jobs_retry_failed(db) -> None:
    insert_jobs(db, 3)
    with get_engine(db).begin() as conn:
        conn.execute(text("UPDATE job SET status = 'FAILED', attempts = 5, last_error = 'UpstreamError: boom'"))
    listing = run("jobs")
    assert "FAILED 3" in listing.stdout and "UpstreamError: boom" in listing.stdout
    assert run("jobs", "retry").returncode == 1
    assert "re-queued 3 failed job(s)" in run("jobs", "retry", "--failed").stdout
    with get_engine(db).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM job WHERE status = 'INCOMPLETE'")).scalar() == 3
