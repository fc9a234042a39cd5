"""The detail lane's shared state in Redis: the fleet-wide rate limiter and the pause flag.

Celery's ``rate_limit`` is per worker instance, so N workers would make N times the calls. The global budget
is a moving window in Redis (the ``limits`` library's Lua-backed ``MovingWindowRateLimiter``): any window of
``seconds + margin`` seconds holds at most ``calls`` detail calls, whichever worker makes them. The margin
absorbs the time between taking a token and the request reaching LeetCode.

A pause (429 with Retry-After, an HTML challenge, an expired session) stops every worker of the lane until
it ends; it is a Redis key with a TTL, so it ends by itself.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import redis
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from codebloom.logs import fields

log = logging.getLogger("codebloom.lane")

PAUSE_KEY = "codebloom:lane:leetcode-details:pause"
# Set while due jobs may be waiting in the Job table because the lane was full: only then does a finishing
# detail task refill the lane (otherwise the bridge and the sweep have already sent everything due).
BACKLOG_KEY = "codebloom:lane:leetcode-details:backlog"
BACKLOG_TTL = 600  # a stale flag costs one needless refill query per task, never a lost job
LIMITER_NAMESPACE = "leetcode-details"


@dataclass(frozen=True)
class Pause:
    reason: str
    kind: str
    until: float

    @property
    def remaining(self) -> float:
        return max(0.0, self.until - time.time())


class DetailLane:
    """Token source and pause switch shared by every detail worker."""

    def __init__(self, redis_url: str, calls: int, seconds: int, margin: int = 1) -> None:
        self.calls, self.seconds, self.margin = calls, seconds, margin
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        self._limiter = MovingWindowRateLimiter(storage_from_string(redis_url))
        self._item = RateLimitItemPerSecond(calls, seconds + margin)

    # -- pause --------------------------------------------------------------------------------------

    def paused(self) -> Pause | None:
        raw = self._redis.get(PAUSE_KEY)
        if raw is None:
            return None
        data = json.loads(raw)
        pause = Pause(reason=data["reason"], kind=data["kind"], until=float(data["until"]))
        return pause if pause.remaining > 0 else None

    def pause(self, seconds: float, kind: str, reason: str) -> bool:
        """Pause the lane for ``seconds`` (never shortens a longer pause). True when this call set it."""
        seconds = max(1.0, seconds)
        until = time.time() + seconds
        current = self.paused()
        if current is not None and current.until >= until:
            return False
        payload = json.dumps({"reason": reason, "kind": kind, "until": until})
        self._redis.set(PAUSE_KEY, payload, px=int(seconds * 1000))
        if current is not None and current.kind == kind:
            return False  # the same pause, extended: one log line per pause, not one per worker
        level = logging.ERROR if kind in ("blocked", "auth") else logging.WARNING
        log.log(level, "%s %s", "ALERT lane paused" if level == logging.ERROR else "lane paused",
                fields(kind=kind, seconds=round(seconds, 1), reason=reason))
        return True

    def resume(self) -> None:
        self._redis.delete(PAUSE_KEY)

    # -- backlog ------------------------------------------------------------------------------------

    def mark_backlog(self, waiting: bool) -> None:
        if waiting:
            self._redis.set(BACKLOG_KEY, b"1", ex=BACKLOG_TTL)
        else:
            self._redis.delete(BACKLOG_KEY)

    def refill_wanted(self) -> bool:
        """Due jobs may be waiting for room and the lane is not paused (one round trip for both)."""
        pause, backlog = self._redis.mget(PAUSE_KEY, BACKLOG_KEY)
        return backlog is not None and pause is None

    # -- tokens -------------------------------------------------------------------------------------

    def try_acquire(self) -> bool:
        return bool(self._limiter.hit(self._item, LIMITER_NAMESPACE))

    def acquire(self, wait: float) -> bool:
        """Take one token, waiting up to ``wait`` seconds; False on timeout or while the lane is paused."""
        deadline = time.monotonic() + wait
        while True:
            if self.paused() is not None:
                return False
            if self.try_acquire():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            reset_at, _remaining = self._limiter.get_window_stats(self._item, LIMITER_NAMESPACE)
            time.sleep(min(left, max(0.05, reset_at - time.time()), 1.0))

    def reset(self) -> None:
        """Forget spent tokens and any pause (tests and `codebloom lane reset`)."""
        self._limiter.clear(self._item, LIMITER_NAMESPACE)
        self.resume()
