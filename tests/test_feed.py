"""Feeding the lane from the Job table, and the sweep that recovers what fell through."""

from __future__ import annotations

from sqlalchemy import text

from codebloom import store
from codebloom.db import get_engine, session_scope
from codebloom.lane import DetailLane
from codebloom.services.feed import feed_lane, sweep
from tests.conftest import make_settings, wait_until
from tests.jobs import insert_jobs


def lane_for(s) -> DetailLane:
    calls, seconds = s.detail_rate
    return DetailLane(s.redis_url, calls, seconds, s.detail_rate_margin)


def test_feed_sends_no_more_than_the_lane_has_room_for(db, services) -> None:
    insert_jobs(db, 100)
    s = make_settings(services, detail_max_in_flight=10)
    sent: list[int] = []
    assert feed_lane(s, lane_for(s), sent.append) == 10
    assert feed_lane(s, lane_for(s), sent.append) == 0
    with get_engine(db).begin() as conn:
        conn.execute(text("UPDATE job SET status = 'COMPLETE', enqueued_at = NULL WHERE id = ANY(:ids)"),
                     {"ids": sent[:3]})
    assert feed_lane(s, lane_for(s), sent.append) == 3
    assert len(set(sent)) == 13


def test_a_lost_message_is_sent_again_after_the_reenqueue_delay(db, services) -> None:
    [job_id] = insert_jobs(db, 1)
    s = make_settings(services, detail_reenqueue_after=0.3)
    sent: list[int] = []
    feed_lane(s, None, sent.append)
    assert feed_lane(s, None, sent.append) == 0  # still in flight
    wait_until(lambda: feed_lane(s, None, sent.append), 5, "the job to be sent again")
    assert sent == [job_id, job_id]


def test_nothing_is_fed_while_the_lane_is_paused(db, services) -> None:
    insert_jobs(db, 5)
    s = make_settings(services)
    lane = lane_for(s)
    lane.pause(30, "rate_limited", "test")
    sent: list[int] = []
    assert feed_lane(s, lane, sent.append) == 0
    lane.resume()
    assert feed_lane(s, lane, sent.append) == 5


def test_a_failed_enqueue_leaves_the_jobs_due(db, services) -> None:
    insert_jobs(db, 3)
    s = make_settings(services)

    def broken(_job_id: int) -> None:
        raise ConnectionError("broker down")

    assert feed_lane(s, None, broken) == 0
    with get_engine(db).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM job WHERE enqueued_at IS NULL")).scalar() == 3


def test_sweep_reclaims_expired_leases_and_fails_at_the_cap(db, services) -> None:
    [a, b] = insert_jobs(db, 2)
    s = make_settings(services, detail_max_attempts=3)
    with session_scope(db) as session:
        store.claim_job(session, a, 0.1)
        store.claim_job(session, b, 0.1)
    with get_engine(db).begin() as conn:
        conn.execute(text("UPDATE job SET attempts = 2 WHERE id = :b"), {"b": b})
    wait_until(lambda: _leases_expired(db), 5, "both leases to run out")
    sent: list[int] = []
    reclaimed, enqueued = sweep(s, None, sent.append)
    assert (reclaimed, enqueued, sent) == (2, 1, [a])
    with get_engine(db).connect() as conn:
        rows = dict(conn.execute(text("SELECT id, status::text FROM job")).all())
        error = conn.execute(text("SELECT last_error FROM job WHERE id = :b"), {"b": b}).scalar()
    assert rows == {a: "INCOMPLETE", b: "FAILED"}
    assert "lease expired" in error


def _leases_expired(db: str) -> bool:
    with get_engine(db).connect() as conn:
        return bool(conn.execute(text("SELECT bool_and(lease_expires_at < now()) FROM job")).scalar())


def test_retry_failed_puts_jobs_back_with_fresh_attempts(db, services) -> None:
    [a, b] = insert_jobs(db, 2)
    with get_engine(db).begin() as conn:
        conn.execute(text("UPDATE job SET status = 'FAILED', attempts = 5, last_error = 'x'"))
    with session_scope(db) as session:
        assert store.retry_failed_jobs(session, [a]) == 1
        assert store.retry_failed_jobs(session, None) == 1
    with get_engine(db).connect() as conn:
        rows = conn.execute(text("SELECT DISTINCT status::text || attempts FROM job")).scalars().all()
    assert rows == ["INCOMPLETE0"]


def test_a_full_lane_asks_finishing_tasks_to_refill_and_an_emptied_table_stops_them(db, services) -> None:
    insert_jobs(db, 5)
    s = make_settings(services, detail_max_in_flight=2)
    lane = lane_for(s)
    lane.reset()
    sent: list[int] = []
    assert feed_lane(s, lane, sent.append) == 2
    assert lane.refill_wanted()  # three due jobs wait for room
    with get_engine(db).begin() as conn:
        conn.execute(text("UPDATE job SET status = 'COMPLETE', enqueued_at = NULL WHERE id = ANY(:ids)"),
                     {"ids": sent})
    assert feed_lane(s, lane, sent.append) == 2
    assert lane.refill_wanted()  # the lane is full again: one job still waits
    s = make_settings(services, detail_max_in_flight=10)
    assert feed_lane(s, lane, sent.append) == 1
    assert not lane.refill_wanted()  # everything due was sent: finishing tasks need not query the table
    lane.mark_backlog(True)
    lane.pause(30, "rate_limited", "test")
    assert not lane.refill_wanted()  # nor while the lane is paused
    lane.resume()


def test_the_feeds_marking_commits_without_waiting_for_the_wal_flush(db) -> None:
    """A mark lost in a crash only sends its job twice, which the guarded claim absorbs: the feed, on every job's
    way to its detail task, does not wait for the disk. Looked at inside a transaction of our own."""
    insert_jobs(db, 2)
    with get_engine(db).connect() as conn:
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
        assert len(store.claim_for_enqueue(conn, 10, 600).job_ids) == 2
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "off"
        conn.rollback()
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"  # that transaction only
