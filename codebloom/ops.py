"""What an operator wants to know, gathered once for `codebloom status` and the Prometheus endpoint."""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import redis
import requests
from sqlalchemy import text

from codebloom import store
from codebloom.db import get_engine, session_scope
from codebloom.lane import DetailLane, Pause
from codebloom.settings import Settings

QUEUES = ("sync", "leetcode-details")
CALLS_KEY = "codebloom:metrics:leetcode_calls"


# -- LeetCode call counters (written by every worker process, read by status and metrics) ---------------


class CallCounter:
    """Counts LeetCode calls per (operation, outcome) in one Redis hash, shared by the whole fleet.

    Counts are kept in memory and written by ``flush()``, which the base task calls when each task ends: a
    batch of 50 syncs costs one Redis round trip, not 50."""

    def __init__(self, redis_url: str) -> None:
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self._pending: Counter[str] = Counter()

    def __call__(self, operation: str, outcome: str) -> None:
        self._pending[f"{operation}|{outcome}"] += 1

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, Counter()
        with contextlib.suppress(redis.RedisError):  # metrics must never break a sync
            pipe = self._redis.pipeline(transaction=False)
            for field_name, count in pending.items():
                pipe.hincrby(CALLS_KEY, field_name, count)
            pipe.execute()

    def snapshot(self) -> dict[tuple[str, str], int]:
        raw = self._redis.hgetall(CALLS_KEY)
        result = {}
        for key, value in raw.items():
            name = key.decode() if isinstance(key, bytes) else str(key)
            operation, _, outcome = name.partition("|")
            result[(operation, outcome)] = int(value)
        return result


# -- the overview ------------------------------------------------------------------------------------------


@dataclass
class Overview:
    reachable: dict[str, str] = field(default_factory=dict)
    workers: dict[str, list[str]] = field(default_factory=dict)
    queue_lengths: dict[str, int | None] = field(default_factory=dict)
    jobs: dict[str, int] = field(default_factory=dict)
    oldest_due_age: float | None = None
    lane: Pause | None = None
    lane_limit: str = ""
    last_cycle: dict[str, Any] | None = None
    cycle_failures: list[dict[str, Any]] = field(default_factory=list)
    leaderboard: dict[str, Any] | None = None
    leaderboard_size: int = 0
    calls: dict[tuple[str, str], int] = field(default_factory=dict)


def _check(name: str, overview: Overview, probe: Any) -> bool:
    try:
        probe()
    except Exception as exc:
        overview.reachable[name] = f"DOWN ({type(exc).__name__}: {str(exc).strip().splitlines()[0][:80]})"
        return False
    overview.reachable[name] = "ok"
    return True


def gather(settings: Settings, *, with_workers: bool = True, with_leetcode: bool = True) -> Overview:
    overview = Overview()
    url = settings.database_url or ""
    db_ok = bool(url) and _check("postgresql", overview, lambda: get_engine(url).connect().close())
    redis_ok = bool(settings.redis_url) and _check(
        "redis", overview, lambda: redis.Redis.from_url(settings.redis_url or "", socket_timeout=2).ping())
    if settings.broker_url and settings.broker_url != settings.redis_url:
        _check("broker", overview, lambda: _broker_ping(settings.broker_url or ""))
    if with_leetcode:
        _check("leetcode", overview, lambda: requests.get(settings.leetcode_base_url, timeout=3))
    if db_ok:
        _database_part(url, overview)
    if redis_ok:
        calls, seconds = settings.detail_rate
        lane = DetailLane(settings.redis_url or "", calls, seconds, settings.detail_rate_margin)
        overview.lane = lane.paused()
        overview.lane_limit = f"{calls} calls per {seconds}s fleet-wide"
        overview.calls = CallCounter(settings.redis_url or "").snapshot()
    if settings.broker_url:
        overview.queue_lengths = queue_lengths(settings.broker_url)
        if with_workers:
            overview.workers = workers_by_queue()
    return overview


def _database_part(url: str, overview: Overview) -> None:
    with session_scope(url) as session:
        overview.jobs = store.job_counts(session)
        oldest = store.oldest_due_job(session)
        overview.oldest_due_age = oldest["overdue"].total_seconds() if oldest else None
        overview.last_cycle = store.last_cycle(session)
        overview.leaderboard = store.current_leaderboard(session)
        if overview.last_cycle is not None:
            overview.cycle_failures = [dict(r) for r in session.execute(text(
                "SELECT u.leetcode_username, r.error FROM sync_run r JOIN users u ON u.id = r.user_id "
                "WHERE r.slot = :slot AND r.status = 'failed' ORDER BY u.id LIMIT 5"),
                {"slot": overview.last_cycle["slot"]}).mappings()]
        overview.leaderboard_size = int(session.execute(text(
            "SELECT count(*) FROM leaderboard_score WHERE leaderboard_id = "
            "(SELECT id FROM leaderboard WHERE ended_at IS NULL)")).scalar() or 0)


def _broker_ping(broker_url: str) -> None:
    from kombu import Connection

    with Connection(broker_url, connect_timeout=3) as conn:
        conn.ensure_connection(max_retries=1)


def queue_lengths(broker_url: str) -> dict[str, int | None]:
    """Messages waiting in each queue (Redis or AMQP), through kombu's passive declare."""
    from kombu import Connection

    lengths: dict[str, int | None] = {}
    try:
        with Connection(broker_url, connect_timeout=3) as conn:
            channel = conn.channel()
            for queue in QUEUES:
                try:
                    lengths[queue] = int(channel.queue_declare(queue, passive=True).message_count)
                except Exception:
                    lengths[queue] = 0 if broker_url.startswith("redis") else None
    except Exception:
        return {queue: None for queue in QUEUES}
    return lengths


def workers_by_queue(timeout: float = 1.5) -> dict[str, list[str]]:
    from codebloom.celery import app

    replies = app.control.inspect(timeout=timeout).active_queues() or {}
    result: dict[str, list[str]] = {queue: [] for queue in QUEUES}
    for worker, queues in sorted(replies.items()):
        for queue in queues:
            result.setdefault(queue["name"], []).append(worker)
    return result


def age(seconds: float | None) -> str:
    if seconds is None:
        return "none"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def cycle_duration(cycle: dict[str, Any] | None) -> float | None:
    if not cycle or cycle.get("finished") is None or cycle.get("started") is None:
        return None
    return (cycle["finished"] - cycle["started"]).total_seconds()
