"""Nothing lost, nothing doubled, never over LeetCode's limit: each guarantee with its fault injected into
real processes (PostgreSQL, Redis, Celery workers, beat, the bridge, the simulator as LeetCode).

docs/reliability.md maps each guarantee to the test here that proves it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from typing import Any

import psutil
import psycopg
import pytest
import redis
from sqlalchemy import text

from codebloom.db import get_engine, libpq_url
from codebloom.processes import celery_command, codebloom_command, worker_command
from tests.conftest import (
    CSRF_TOKEN,
    SESSION_TOKEN,
    add_users,
    assert_no_secrets,
    purge_broker,
    queue_length,
    wait_until,
)
from tests.expected import expected_points
from tests.pipeline import (
    all_complete,
    backlog,
    job_status_counts,
    max_calls_in_window,
    plain_slugs,
    sim_post,
    sim_stats,
    start_detail_workers,
)

FAST = {"DETAIL_RATE": "6000/60", "DETAIL_RATE_LIMIT": "60000/m", "BRIDGE_POLL_INTERVAL": "1",
        "SYNC_RETRY_BASE": "0.2", "SESSION_REFRESH": "1"}


def use(supervisor, simulator, **env: str) -> None:
    supervisor.env.update({"LEETCODE_BASE_URL": simulator.url, **FAST, **env})


def start_bridge(supervisor) -> None:
    supervisor.start("bridge", codebloom_command("bridge"))
    supervisor.wait_for_log("bridge", "bridge listening", 30)


def start_beat_and_sync_worker(supervisor, tmp_path, concurrency: int = 2) -> None:
    supervisor.start("sync-worker", worker_command("sync", "sync", concurrency))
    supervisor.wait_for_log("sync-worker", "ready.", 60)
    supervisor.start("beat", celery_command("beat", "-s", str(tmp_path / "beat-schedule"), "-l", "INFO"))


def jobs_cli(supervisor) -> str:
    env = {**os.environ, **supervisor.env, "COLUMNS": "200"}
    return subprocess.run(codebloom_command("jobs"), capture_output=True, text=True, env=env, timeout=60).stdout


def job_rows(db: str) -> dict[int, dict[str, Any]]:
    with get_engine(db).connect() as conn:
        rows = conn.execute(text(
            "SELECT j.id, j.status::text AS status, j.attempts, j.last_error, s.id AS submission_id, "
            "       s.code, s.runtime_ms, s.memory_bytes FROM job j JOIN submission s ON s.id = j.submission_id"
        )).mappings().all()
    return {r["id"]: dict(r) for r in rows}


def assert_details_match_what_was_served(db: str, simulator) -> None:
    served = sim_stats(simulator)["served_details"]
    for row in job_rows(db).values():
        info = served[str(row["submission_id"])]
        assert (row["runtime_ms"], row["memory_bytes"], len(row["code"])) == (
            info["runtime"], info["memory"], info["code_length"])


# -- 1. fleet-wide rate limit ------------------------------------------------------------------------------


def test_fleet_wide_rate_limit_holds_with_three_workers(db, simulator, supervisor) -> None:
    limit, window = 40, 5
    ids = backlog(db, simulator, 200)
    sim_post(simulator, "/_sim/rate-limits", {"submissionDetails": {"limit": limit, "window": window}})
    cap = 20
    # Each worker's own Celery rate_limit (480/m) would allow 3 x 480/m: only the Redis limiter holds the line.
    # A 2 s margin: on a loaded 2-core machine a worker can stall for over a second between taking its token
    # and its request reaching the simulator (production: 1 s on a 60 s window).
    use(supervisor, simulator, DETAIL_RATE=f"{limit}/{window}", DETAIL_RATE_LIMIT=f"{limit * 60 // window}/m",
        DETAIL_MAX_IN_FLIGHT=str(cap), DETAIL_RATE_MARGIN="2")
    start_detail_workers(supervisor, 3, concurrency=2)
    from kombu import Connection

    queue_lengths: list[int] = []
    done = threading.Event()

    def sample() -> None:
        with Connection(supervisor.env["CELERY_BROKER_URL"]) as conn:
            channel = conn.channel()
            while not done.is_set():
                try:
                    queue_lengths.append(int(channel.queue_declare("leetcode-details", passive=True).message_count))
                except Exception:  # an empty queue does not exist on Redis
                    queue_lengths.append(0)
                    channel = conn.channel()
                done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start_bridge(supervisor)
    try:
        wait_until(lambda: all_complete(db, len(ids)), 120, "all 200 jobs complete", interval=0.5)
    finally:
        done.set()
        sampler.join(5)
    stats = sim_stats(simulator)
    timeline = stats["timeline"]["submissionDetails"]
    assert max_calls_in_window(timeline, window) <= limit
    assert stats["rate_limited"].get("submissionDetails", 0) == 0
    assert stats["calls"]["submissionDetails"] == 200
    assert max(queue_lengths) <= cap  # the backlog stayed in PostgreSQL, not in Redis


# -- 2. 429 with Retry-After, and the HTML challenge breaker -----------------------------------------------


def test_429_retry_after_pauses_every_worker_and_keeps_attempts(db, simulator, supervisor) -> None:
    ids = backlog(db, simulator, 40)
    sim_post(simulator, "/_sim/faults", {"op": "submissionDetails", "kind": "http_429", "count": 1,
                                         "retry_after": 4})
    # 5 calls per 2 s: without a pause the 40 jobs would take about 16 s, with calls in every second.
    use(supervisor, simulator, DETAIL_RATE="5/1")
    start_detail_workers(supervisor, 2, concurrency=2)
    start_bridge(supervisor)
    wait_until(lambda: all_complete(db, len(ids)), 90, "all jobs complete after the pause", interval=0.5)
    seconds = sorted(int(s) for s in sim_stats(simulator)["timeline"]["submissionDetails"])
    first = seconds[0]
    assert not [s for s in seconds if first + 1 <= s <= first + 3], "a worker called during the pause"
    assert seconds[-1] >= first + 4  # and the lane resumed by itself
    assert {row["attempts"] for row in job_rows(db).values()} == {1}  # the 429 burned no attempt
    logs = "".join(supervisor.log_path(n).read_text() for n in ("detail-worker-0", "detail-worker-1"))
    assert logs.count("lane paused") == 1


def test_html_challenge_trips_the_breaker_with_an_alert(db, simulator, supervisor) -> None:
    ids = backlog(db, simulator, 10)
    sim_post(simulator, "/_sim/faults", {"op": "submissionDetails", "kind": "html_403", "count": 1})
    use(supervisor, simulator, DETAIL_BLOCKED_PAUSE="8")
    start_detail_workers(supervisor, 1)
    start_bridge(supervisor)
    wait_until(lambda: "PAUSED (blocked)" in jobs_cli(supervisor), 30, "`codebloom jobs` to show the breaker")
    assert "ALERT lane paused" in supervisor.log_path("detail-worker-0").read_text()
    assert job_status_counts(db).get("COMPLETE", 0) <= 1
    wait_until(lambda: all_complete(db, len(ids)), 60, "the backlog to drain after the pause", interval=0.5)
    assert {row["attempts"] for row in job_rows(db).values()} == {1}


# -- 3. expired session ------------------------------------------------------------------------------------


def test_expired_session_pauses_the_lane_until_a_new_session_is_set(db, simulator, supervisor) -> None:
    ids = backlog(db, simulator, 20)
    sim_post(simulator, "/_sim/session", {"token": "eyJ.brand-new-session-77", "csrf": "new-csrf-77"})
    use(supervisor, simulator, DETAIL_AUTH_PAUSE="3")
    start_detail_workers(supervisor, 2)
    start_bridge(supervisor)
    wait_until(lambda: "PAUSED (auth)" in jobs_cli(supervisor), 30, "`codebloom jobs` to show the auth pause")
    wait_until(lambda: sum(supervisor.log_path(n).read_text().count("ALERT lane paused kind=auth")
                           for n in ("detail-worker-0", "detail-worker-1")) >= 2, 30, "a second pause")
    counts = job_status_counts(db)
    assert counts.get("COMPLETE", 0) == 0 and counts.get("FAILED", 0) == 0
    with get_engine(db).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM submission WHERE code IS NOT NULL")).scalar() == 0
    env = {**os.environ, **supervisor.env, "LEETCODE_SESSION": "eyJ.brand-new-session-77",
           "LEETCODE_CSRF_TOKEN": "new-csrf-77"}
    subprocess.run(codebloom_command("session", "set"), check=True, env=env, capture_output=True, timeout=60)
    subprocess.run(codebloom_command("lane-resume"), check=True, env=env, capture_output=True, timeout=60)
    wait_until(lambda: all_complete(db, len(ids)), 60, "the backlog to drain with the new session", interval=0.5)
    with get_engine(db).connect() as conn:  # the new session lives in the database, not in any log
        conn.execute(text("DELETE FROM leetcode_session"))
        conn.commit()


# -- 4. worker killed mid-task -----------------------------------------------------------------------------


def _wait_for_held_fetch(db: str, simulator) -> int:
    def processing() -> int | None:
        with get_engine(db).connect() as conn:
            return conn.execute(text("SELECT id FROM job WHERE status = 'PROCESSING'")).scalar()

    job_id = wait_until(processing, 30, "a job to be claimed")
    wait_until(lambda: sim_stats(simulator)["calls"].get("submissionDetails", 0) >= 1, 30, "the fetch to start")
    return int(job_id)


@pytest.mark.parametrize("target", ["pool process", "whole worker"])
def test_worker_killed_mid_task_job_is_reclaimed_and_completes_once(db, simulator, supervisor, tmp_path,
                                                                   target) -> None:
    ids = backlog(db, simulator, 3)
    sim_post(simulator, "/_sim/faults", {"op": "submissionDetails", "kind": "timeout", "count": 1,
                                         "hold_seconds": 60})
    use(supervisor, simulator, DETAIL_LEASE="3", SWEEP_INTERVAL="1", LEETCODE_TIMEOUT="90")
    start_beat_and_sync_worker(supervisor, tmp_path)
    [worker] = start_detail_workers(supervisor, 1, concurrency=1)
    start_bridge(supervisor)
    held = _wait_for_held_fetch(db, simulator)
    main = psutil.Process(supervisor.children[worker].pid)
    if target == "pool process":
        for child in main.children(recursive=True):
            child.kill()
    else:
        supervisor.signal(worker, signal.SIGKILL, group=True)
        supervisor.children[worker].wait(10)
        start_detail_workers(supervisor, 1, concurrency=1)  # a replacement, as a restart policy would
    wait_until(lambda: all_complete(db, len(ids)), 90, "every job complete after the kill", interval=0.5)
    rows = job_rows(db)
    assert rows[held]["attempts"] == 2  # the lost attempt (reclaimed after its lease) + the one that worked
    assert all(r["attempts"] == 1 for i, r in rows.items() if i != held)
    assert_details_match_what_was_served(db, simulator)
    assert "reclaimed jobs whose lease expired" in supervisor.log_path("sync-worker").read_text()


# -- 5. bridge down ----------------------------------------------------------------------------------------


def test_bridge_down_backlog_is_caught_up_at_restart_without_losing_new_notifications(
        db, simulator, supervisor) -> None:
    ids = backlog(db, simulator, 500)  # inserted while no bridge runs
    use(supervisor, simulator, DETAIL_MAX_IN_FLIGHT="100")
    start_detail_workers(supervisor, 2, concurrency=4)
    start_bridge(supervisor)
    more = backlog(db, simulator, 60, prefix="during_catch_up")  # notifications while it catches up
    assert len(set(more) - set(ids)) == 60
    wait_until(lambda: all_complete(db, 560), 120, "all 560 jobs complete", interval=0.5)


def test_bridge_down_sweep_alone_processes_the_backlog(db, simulator, supervisor, tmp_path) -> None:
    ids = backlog(db, simulator, 500)
    use(supervisor, simulator, DETAIL_MAX_IN_FLIGHT="100", SWEEP_INTERVAL="2")
    start_detail_workers(supervisor, 2, concurrency=4)
    start_beat_and_sync_worker(supervisor, tmp_path)  # no bridge at all
    wait_until(lambda: all_complete(db, len(ids)), 150, "all 500 jobs complete through the sweep", interval=0.5)


# -- 6. PostgreSQL restart ---------------------------------------------------------------------------------


def _restart_postgres(services) -> None:
    if services.pg is not None:
        services.pg.restart()
    else:  # an external server we may not restart: cut every connection to the test database instead
        with psycopg.connect(libpq_url(services.admin_url), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (services.database,))


def test_postgres_restart_under_bridge_and_workers_loses_nothing(db, services, simulator, supervisor,
                                                                tmp_path) -> None:
    ids = backlog(db, simulator, 30)
    slugs = plain_slugs(simulator)
    now = int(time.time())
    late = [f"late_user_{i}" for i in range(3)]
    for name in late:
        sim_post(simulator, "/_sim/users", {"username": name, "submissions": [
            {"titleSlug": slugs[i], "lang": "cpp", "timestamp": now - 100 + i} for i in range(5)]})
    late_ids = add_users(db, late)
    use(supervisor, simulator, DETAIL_RATE="10/1")
    start_beat_and_sync_worker(supervisor, tmp_path, concurrency=3)
    start_detail_workers(supervisor, 1)
    start_bridge(supervisor)
    wait_until(lambda: job_status_counts(db).get("COMPLETE", 0) >= 5, 30, "work under way")
    sim_post(simulator, "/_sim/latency", {"ms": 1500})  # sync tasks are mid-flight during the restart
    from tasks.sync import sync_users

    sync_users.delay(late_ids)  # one batch, as the beat sends them; it holds one connection across the restart
    time.sleep(0.5)  # let the batch reach its LeetCode calls before the restart
    _restart_postgres(services)
    sim_post(simulator, "/_sim/latency", {"ms": 0})
    wait_until(lambda: all_complete(db, len(ids) + 15), 90, "every job, old and new, complete", interval=0.5)
    with get_engine(db).connect() as conn:
        synced = conn.execute(text("SELECT count(*) FROM users WHERE id = ANY(:ids) AND last_synced_at IS NOT NULL "
                                   "AND last_sync_error IS NULL"), {"ids": late_ids}).scalar()
    assert synced == 3
    bridge_log = supervisor.log_path("bridge").read_text()
    assert "connects=2" in bridge_log


# -- 7. Redis restart --------------------------------------------------------------------------------------


def test_redis_restart_with_tasks_queued_and_reserved_every_job_completes(db, services, simulator, supervisor,
                                                                         tmp_path) -> None:
    ids = backlog(db, simulator, 60)
    sim_post(simulator, "/_sim/latency", {"ms": 300})
    use(supervisor, simulator, DETAIL_REENQUEUE_AFTER="4", SWEEP_INTERVAL="1", DETAIL_MAX_IN_FLIGHT="30")
    start_detail_workers(supervisor, 1, concurrency=2)
    start_bridge(supervisor)
    wait_until(lambda: queue_length(services.broker_url, "leetcode-details") > 5
               and job_status_counts(db).get("COMPLETE", 0) >= 1, 30, "tasks both queued and reserved")
    if services.redis_server is not None:
        services.redis_server.restart()
    else:
        redis.Redis.from_url(services.redis_url).flushall()
    if services.broker_url != services.redis_url:
        purge_broker(services.broker_url)  # the broker is not Redis: lose its queued messages the same way
    sim_post(simulator, "/_sim/latency", {"ms": 0})
    start_beat_and_sync_worker(supervisor, tmp_path)
    wait_until(lambda: all_complete(db, len(ids)), 120, "every job complete after the Redis restart", interval=0.5)
    assert_details_match_what_was_served(db, simulator)


# -- 8. duplicates -----------------------------------------------------------------------------------------


def test_duplicate_beats_syncs_and_deliveries_award_and_write_once(db, simulator, supervisor, tmp_path) -> None:
    from tests.test_client import active_user

    names = [active_user(simulator, 5)]
    names += [n for n in (f"sim_user_{i:04d}" for i in range(1, 50)) if n not in names][:3]
    from tests.conftest import open_board

    open_board(db, days_ago=8)
    user_ids = add_users(db, names)
    use(supervisor, simulator, SYNC_SPREAD="0")
    supervisor.start("sync-worker", worker_command("sync", "sync", 3))
    supervisor.wait_for_log("sync-worker", "ready.", 60)
    from tasks.details import fetch_submission_details
    from tasks.sync import plan_sync, sync_user

    plan_sync.delay()
    plan_sync.delay()  # two beats firing the same plan
    for _ in range(3):
        sync_user.delay(user_ids[0])  # the same user synced by three tasks at once
    with get_engine(db).connect() as conn:
        # every planned sync finished (the three extra sync_user tasks do not plan runs of their own)
        wait_until(lambda: conn.execute(text("SELECT count(*) FROM sync_run WHERE finished_at IS NOT NULL")).scalar()
                   >= len(names), 30, "every planned sync to finish")
        assert conn.execute(text("SELECT count(*) FROM sync_run")).scalar() == len(names)  # one plan, not two
        job_ids = conn.execute(text("SELECT id FROM job")).scalars().all()
    start_detail_workers(supervisor, 1, concurrency=4)
    for job_id in job_ids:
        fetch_submission_details.delay(job_id)
        fetch_submission_details.delay(job_id)  # the same detail task delivered twice
    wait_until(lambda: all_complete(db, len(job_ids)), 60, "every job complete", interval=0.5)
    stats = sim_stats(simulator)
    assert stats["calls"]["submissionDetails"] == len(job_ids)  # each job's details fetched and written once
    with get_engine(db).connect() as conn:
        board_start = conn.execute(text("SELECT started_at FROM leaderboard")).scalar()
        scores = dict(conn.execute(text("SELECT user_id, score FROM leaderboard_score")).all())
    for user_id, name in zip(user_ids, names, strict=True):
        assert scores.get(user_id, 0) == expected_points(simulator.url, name, board_start)[0]
    assert {r["attempts"] for r in job_rows(db).values()} == {1}


# -- 9. bad upstream data ----------------------------------------------------------------------------------


def test_bad_upstream_data_fails_only_the_affected_user_or_job(db, simulator, supervisor, tmp_path) -> None:
    from tests.conftest import open_board

    slugs = plain_slugs(simulator)
    now = int(time.time())
    good = [f"sim_user_{i:04d}" for i in range(1, 4)]
    faults = {"blocked_user": "html_403", "truncated_user": "truncated_json", "errors_user": "graphql_error",
              "drifted_user": "schema_drift"}
    for name, kind in faults.items():
        sim_post(simulator, "/_sim/users", {"username": name, "fault": kind,
                                            "submissions": [{"titleSlug": slugs[0], "lang": "cpp"}]})
    sim_post(simulator, "/_sim/users", {"username": "edge_user", "submissions": [
        {"titleSlug": "sim-missing-acceptance", "lang": "python3", "timestamp": now - 400},
        {"titleSlug": "sim-zero-acceptance", "lang": "python3", "timestamp": now - 300},
        {"titleSlug": "sim-quotes-emoji-rtl", "lang": "python3", "timestamp": now - 200},
        {"titleSlug": slugs[1], "lang": "java", "timestamp": now - 100, "codeBytes": 1_048_576}]})
    open_board(db, days_ago=8)
    names = [*good, *faults, "edge_user", "no_such_user_zz9"]
    user_ids = dict(zip(names, add_users(db, names), strict=True))
    use(supervisor, simulator, SYNC_SPREAD="0")
    start_beat_and_sync_worker(supervisor, tmp_path, concurrency=3)
    start_detail_workers(supervisor, 1)
    start_bridge(supervisor)
    from tasks.sync import plan_sync

    plan_sync.delay()
    with get_engine(db).connect() as conn:
        wait_until(lambda: conn.execute(text("SELECT count(*) FROM sync_run WHERE finished_at IS NOT NULL")).scalar()
                   == len(names), 90, "every user's sync to finish", interval=0.5)
        errors = dict(conn.execute(text("SELECT leetcode_username, last_sync_error FROM users")).all())
        runs = dict(conn.execute(text("SELECT u.leetcode_username, r.status FROM sync_run r "
                                      "JOIN users u ON u.id = r.user_id")).all())
    expected_messages = {"blocked_user": "Blocked", "truncated_user": "malformed or truncated JSON",
                         "errors_user": "GraphQL errors", "drifted_user": "titleSlug",
                         "no_such_user_zz9": "does not exist", "edge_user": "no acceptance rate"}
    for name, message in expected_messages.items():
        assert message in (errors[name] or ""), (name, errors[name])
    assert {runs[n] for n in good} == {"ok"} and runs["edge_user"] == "partial"
    assert {runs[n] for n in (*faults, "no_such_user_zz9")} == {"failed"}
    log = supervisor.log_path("sync-worker").read_text()
    for name in (*faults, "no_such_user_zz9"):
        assert f"user_id={user_ids[name]} " in log and "user sync failed" in log
    with get_engine(db).connect() as conn:
        total_jobs = conn.execute(text("SELECT count(*) FROM job")).scalar()
    wait_until(lambda: all_complete(db, total_jobs), 60, "every job of the synced users complete", interval=0.5)
    with get_engine(db).connect() as conn:
        big = conn.execute(text("SELECT length(code) FROM submission WHERE slug = :s"), {"s": slugs[1]}).scalar()
        titles = set(conn.execute(text("SELECT title FROM submission")).scalars())
        board_start = conn.execute(text("SELECT started_at FROM leaderboard")).scalar()
        scores = dict(conn.execute(text("SELECT user_id, score FROM leaderboard_score")).all())
    assert big == 1_048_576
    assert 'Say "Hello" 👋 to مرحبا' in titles
    for name in good:
        assert scores.get(user_ids[name], 0) == expected_points(simulator.url, name, board_start)[0]


# -- 10. exhausted retries ---------------------------------------------------------------------------------


def test_a_transient_error_in_a_sync_batch_retries_only_that_user(db, simulator, supervisor) -> None:
    names = [f"sim_user_{i:04d}" for i in range(1, 5)]
    from tests.conftest import open_board

    open_board(db, days_ago=8)
    user_ids = add_users(db, names)
    use(supervisor, simulator, SYNC_SPREAD="0", SYNC_BATCH_SIZE="10")
    supervisor.start("sync-worker", worker_command("sync", "sync", 2))
    supervisor.wait_for_log("sync-worker", "ready.", 60)
    sim_post(simulator, "/_sim/stats/reset", {})
    sim_post(simulator, "/_sim/faults", {"op": "recentAcSubmissionList", "kind": "http_502", "count": 1})
    from tasks.sync import plan_sync

    plan_sync.delay()
    with get_engine(db).connect() as conn:
        wait_until(lambda: conn.execute(text("SELECT count(*) FROM sync_run WHERE status = 'ok'")).scalar()
                   == len(names), 60, "every user of the batch synced, the unlucky one by its own retry")
        board_start = conn.execute(text("SELECT started_at FROM leaderboard")).scalar()
        scores = dict(conn.execute(text("SELECT user_id, score FROM leaderboard_score")).all())
    log = supervisor.log_path("sync-worker").read_text()
    assert log.count("sync will retry") == 1 and "UpstreamError" in log
    assert sim_stats(simulator)["calls"]["recentAcSubmissionList"] == len(names) + 1  # one retry, no more
    for user_id, name in zip(user_ids, names, strict=True):
        assert scores.get(user_id, 0) == expected_points(simulator.url, name, board_start)[0]


def test_exhausted_retries_end_failed_and_the_command_requeues_them(db, simulator, supervisor) -> None:
    ids = backlog(db, simulator, 4)
    sim_post(simulator, "/_sim/faults", {"op": "submissionDetails", "kind": "http_502", "count": 8})
    use(supervisor, simulator, DETAIL_MAX_ATTEMPTS="2", DETAIL_BACKOFF_BASE="0.2")
    start_detail_workers(supervisor, 1)
    start_bridge(supervisor)
    wait_until(lambda: job_status_counts(db).get("FAILED", 0) == len(ids), 60, "every job FAILED", interval=0.5)
    rows = job_rows(db).values()
    assert {r["attempts"] for r in rows} == {2}
    assert all("UpstreamError" in r["last_error"] and "502" in r["last_error"] for r in rows)
    env = {**os.environ, **supervisor.env}
    out = subprocess.run(codebloom_command("jobs", "retry", "--failed"), capture_output=True, text=True, env=env,
                         timeout=60).stdout
    assert "re-queued 4 failed job(s)" in out
    wait_until(lambda: all_complete(db, len(ids)), 60, "the re-queued jobs complete", interval=0.5)


# -- 11. secrets -------------------------------------------------------------------------------------------


def test_secrets_never_reach_logs_task_arguments_errors_or_exceptions(db, simulator, supervisor, tmp_path) -> None:
    """Every supervisor log and stored error of every test is also checked (see conftest); here the events
    Flower would show (task-sent/received args and kwargs) and exception texts of a run full of faults."""
    from codebloom.celery import app

    events: list[dict[str, Any]] = []
    ready = threading.Event()
    stop = threading.Event()
    receivers: list[Any] = []

    def capture() -> None:
        with app.connection() as conn:
            receiver = app.events.Receiver(conn, handlers={"*": events.append})
            receivers.append(receiver)
            ready.set()
            while not stop.is_set():
                try:
                    receiver.capture(limit=None, timeout=1.0, wakeup=False)
                except TimeoutError:  # a quiet second: look at the stop flag again
                    continue

    thread = threading.Thread(target=capture, daemon=True)
    thread.start()
    ready.wait(10)
    ids = backlog(db, simulator, 12)
    for kind in ("html_403", "http_502", "malformed_json", "null_details"):
        sim_post(simulator, "/_sim/faults", {"op": "submissionDetails", "kind": kind, "count": 1})
    use(supervisor, simulator, DETAIL_BLOCKED_PAUSE="1", DETAIL_BACKOFF_BASE="0.2")
    start_detail_workers(supervisor, 1)
    start_bridge(supervisor)
    from tasks.sync import sync_user

    with get_engine(db).connect() as conn:
        for user_id in conn.execute(text("SELECT id FROM users")).scalars():
            sync_user.delay(user_id)
    wait_until(lambda: sum(job_status_counts(db).get(s, 0) for s in ("COMPLETE", "FAILED")) == len(ids), 60,
               "every job finished")
    sim_post(simulator, "/_sim/session", {"token": "eyJ.other", "csrf": "other"})
    from codebloom.leetcode import LeetCodeClient, LeetCodeError
    from codebloom.secrets import Secret

    client = LeetCodeClient(simulator.url, 5, session=Secret(SESSION_TOKEN), csrf=Secret(CSRF_TOKEN))
    texts = []
    for job in list(job_rows(db).values())[:3]:
        try:
            client.submission_details(job["submission_id"])
        except LeetCodeError as exc:
            texts.append(f"{exc!r} {exc}")
    assert texts  # the revoked session produced errors, and none of them quote the secret
    wait_until(lambda: any(e.get("type") == "task-received" for e in events), 10, "events from the worker")
    stop.set()
    receivers[0].should_stop = True
    thread.join(10)
    assert not thread.is_alive()
    task_events = [e for e in events if e.get("type") in ("task-sent", "task-received")]
    assert task_events and all(set(str(e.get("args", ""))) <= set("0123456789(), []") for e in task_events)
    assert_no_secrets("task events", repr(task_events))
    assert_no_secrets("exception texts", " ".join(texts))
    assert_no_secrets("a Secret's repr", repr(client.session_cookie) + str(client.csrf))


# -- 12. graceful stop -------------------------------------------------------------------------------------


def test_sigterm_mid_fetch_finishes_the_job_within_bounded_time(db, simulator, supervisor) -> None:
    ids = backlog(db, simulator, 3)
    sim_post(simulator, "/_sim/latency", {"ms": 2500})
    use(supervisor, simulator)
    [worker] = start_detail_workers(supervisor, 1, concurrency=1)
    start_bridge(supervisor)
    held = _wait_for_held_fetch(db, simulator)
    started = time.monotonic()
    supervisor.signal(worker, signal.SIGTERM)
    code = supervisor.children[worker].wait(30)
    assert time.monotonic() - started < 15 and code == 0
    assert job_rows(db)[held]["status"] == "COMPLETE"
    sim_post(simulator, "/_sim/latency", {"ms": 0})
    start_detail_workers(supervisor, 1, concurrency=1)
    wait_until(lambda: all_complete(db, len(ids)), 60, "the rest complete on a new worker", interval=0.5)
    assert sim_stats(simulator)["calls"]["submissionDetails"] == len(ids)
    assert {r["attempts"] for r in job_rows(db).values()} == {1}
