"""The detail service and the Job state machine, on real PostgreSQL, Redis and the simulator."""

from __future__ import annotations

import threading

import requests
from sqlalchemy import text

from codebloom.db import get_engine
from codebloom.lane import DetailLane
from codebloom.leetcode import LeetCodeClient
from codebloom.secrets import Secret
from codebloom.services.details import Outcome, fetch_submission_details
from codebloom.services.sync import sync_user
from tests.conftest import CSRF_TOKEN, SESSION_TOKEN, add_users, make_settings, open_board
from tests.test_client import active_user, fault


def setup_jobs(db: str, sim, min_count: int = 3) -> list[int]:
    name = active_user(sim, min_count)
    open_board(db)
    [user_id] = add_users(db, [name])
    sync_user(db, LeetCodeClient(sim.url, 5), user_id)
    with get_engine(db).connect() as conn:
        return conn.execute(text("SELECT id FROM job ORDER BY id")).scalars().all()


def job(db: str, job_id: int) -> dict:
    with get_engine(db).connect() as conn:
        return dict(conn.execute(text(
            "SELECT j.status::text AS status, j.attempts, j.last_error, j.next_attempt_at > now() AS later, "
            "       s.code, s.runtime_ms, s.memory_bytes, s.language, s.details_fetched_at "
            "FROM job j JOIN submission s ON s.id = j.submission_id WHERE j.id = :i"), {"i": job_id}).mappings().one())


def parts(services, sim, **overrides):
    s = make_settings(services, sim.url, **overrides)
    calls, seconds = s.detail_rate
    lane = DetailLane(s.redis_url, calls, seconds, s.detail_rate_margin)
    client = LeetCodeClient(sim.url, 5, session=Secret(SESSION_TOKEN), csrf=Secret(CSRF_TOKEN))
    return s, client, lane


def test_a_job_completes_with_what_the_simulator_served(db, services, simulator) -> None:
    [job_id, *_] = setup_jobs(db, simulator)
    s, client, lane = parts(services, simulator)
    assert fetch_submission_details(s, job_id, client, lane) is Outcome.COMPLETE
    row = job(db, job_id)
    served = requests.get(simulator.url + "/_sim/stats", timeout=5).json()["served_details"]
    [(sid, info)] = served.items()
    assert row["status"] == "COMPLETE" and row["attempts"] == 1
    assert (row["runtime_ms"], row["memory_bytes"], row["language"], len(row["code"])) == (
        info["runtime"], info["memory"], info["lang"], info["code_length"])


def test_a_second_delivery_does_nothing(db, services, simulator) -> None:
    [job_id, *_] = setup_jobs(db, simulator)
    s, client, lane = parts(services, simulator)
    outcomes = []
    barrier = threading.Barrier(3)

    def deliver() -> None:
        barrier.wait()
        outcomes.append(fetch_submission_details(s, job_id, client, lane))

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == sorted([Outcome.COMPLETE, Outcome.NOT_CLAIMED, Outcome.NOT_CLAIMED])
    calls = requests.get(simulator.url + "/_sim/stats", timeout=5).json()["calls"]
    assert calls.get("submissionDetails") == 1


def test_429_pauses_the_lane_and_keeps_the_attempt(db, services, simulator) -> None:
    [job_id, other, *_] = setup_jobs(db, simulator)
    s, client, lane = parts(services, simulator)
    fault(simulator, op="submissionDetails", kind="http_429", count=1, retry_after=30)
    assert fetch_submission_details(s, job_id, client, lane) is Outcome.RESCHEDULED
    row = job(db, job_id)
    assert (row["status"], row["attempts"], row["later"]) == ("INCOMPLETE", 0, True)
    pause = lane.paused()
    assert pause is not None and pause.kind == "rate_limited" and 25 < pause.remaining <= 30
    assert fetch_submission_details(s, other, client, lane) is Outcome.HANDED_BACK  # the whole lane waits
    assert job(db, other)["attempts"] == 0


def test_html_challenge_and_expired_session_pause_without_failing(db, services, simulator) -> None:
    [first, second, *_] = setup_jobs(db, simulator)
    s, client, lane = parts(services, simulator)
    fault(simulator, op="submissionDetails", kind="html_403", count=1)
    assert fetch_submission_details(s, first, client, lane) is Outcome.RESCHEDULED
    assert lane.paused().kind == "blocked"
    lane.resume()
    requests.post(simulator.url + "/_sim/session", json={"token": "rotated", "csrf": "x"}, timeout=5)
    assert fetch_submission_details(s, second, client, lane) is Outcome.RESCHEDULED
    assert lane.paused().kind == "auth"
    assert {job(db, first)["status"], job(db, second)["status"]} == {"INCOMPLETE"}
    assert job(db, second)["code"] is None


def test_transient_errors_back_off_then_fail_with_the_last_error(db, services, simulator) -> None:
    [job_id, *_] = setup_jobs(db, simulator)
    s, client, lane = parts(services, simulator, detail_max_attempts=2, detail_backoff_base=0.01)
    fault(simulator, op="submissionDetails", kind="http_502", count=2)
    assert fetch_submission_details(s, job_id, client, lane) is Outcome.RESCHEDULED
    row = job(db, job_id)
    assert (row["status"], row["attempts"]) == ("INCOMPLETE", 1) and "502" in row["last_error"]
    with get_engine(db).begin() as conn:
        conn.execute(text("UPDATE job SET next_attempt_at = now()"))
    assert fetch_submission_details(s, job_id, client, lane) is Outcome.FAILED
    row = job(db, job_id)
    assert (row["status"], row["attempts"]) == ("FAILED", 2) and "UpstreamError" in row["last_error"]


def test_permanent_errors_fail_at_once(db, services, simulator) -> None:
    [job_id, *_] = setup_jobs(db, simulator)
    s, client, lane = parts(services, simulator)
    fault(simulator, op="submissionDetails", kind="malformed_json", count=1)
    assert fetch_submission_details(s, job_id, client, lane) is Outcome.FAILED
    assert "malformed" in job(db, job_id)["last_error"]
