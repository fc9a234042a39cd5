"""Mutable server-side controls: sliding-window rate limits, injected faults, and call statistics."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

FAULT_KINDS = frozenset({
    "http_429", "html_403", "http_502", "http_499", "timeout", "malformed_json", "truncated_json",
    "null_details", "graphql_error", "schema_400",
})


class RateLimiter:
    """Per-operation sliding window; rejected calls do not consume the window."""

    def __init__(self, limits: dict[str, tuple[int, float]] | None = None) -> None:
        self._lock = threading.Lock()
        self._limits: dict[str, tuple[int, float]] = dict(limits or {})
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def set(self, op: str, limit: int | None, window: float | None = None) -> None:
        """Set (or with ``limit=None`` remove) the limit of one operation."""
        with self._lock:
            if limit is None:
                self._limits.pop(op, None)
                self._hits.pop(op, None)
            else:
                if limit < 0 or not window or window <= 0:
                    raise ValueError("limit must be >= 0 and window > 0")
                self._limits[op] = (int(limit), float(window))

    def snapshot(self) -> dict[str, dict[str, float]]:
        """Current limits as ``{op: {"limit": n, "window": s}}``."""
        with self._lock:
            return {op: {"limit": lim, "window": win} for op, (lim, win) in self._limits.items()}

    def acquire(self, op: str, now: float | None = None) -> float | None:
        """Take a slot; return None when allowed, else seconds until a slot frees."""
        now = time.monotonic() if now is None else now
        with self._lock:
            spec = self._limits.get(op)
            if spec is None:
                return None
            limit, window = spec
            hits = self._hits[op]
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return (hits[0] + window - now) if hits else window
            hits.append(now)
            return None


@dataclass
class Fault:
    """A queued fault for one operation."""

    kind: str
    remaining: int | None  # None = until cleared
    retry_after: int | None = None
    hold_seconds: float = 30.0

    def as_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {"kind": self.kind, "count": self.remaining, "retry_after": self.retry_after,
                "hold_seconds": self.hold_seconds}


class FaultBook:
    """FIFO queues of injected faults per root field."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, list[Fault]] = defaultdict(list)

    def add(self, op: str, kind: str, count: int | None = 1, retry_after: int | None = None,
            hold_seconds: float | None = None) -> Fault:
        """Queue a fault (``count=None`` means until cleared)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {sorted(FAULT_KINDS)}")
        if count is not None and int(count) < 1:
            raise ValueError("count must be >= 1 or null")
        fault = Fault(kind, None if count is None else int(count),
                      None if retry_after is None else int(retry_after),
                      30.0 if hold_seconds is None else float(hold_seconds))
        with self._lock:
            self._queues[op].append(fault)
        return fault

    def take(self, op: str) -> Fault | None:
        """Consume one fault for ``op`` if any is queued."""
        with self._lock:
            queue = self._queues.get(op)
            if not queue:
                return None
            fault = queue[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.pop(0)
            return fault

    def clear(self, op: str | None = None) -> None:
        """Drop all faults (or those of one op)."""
        with self._lock:
            if op is None:
                self._queues.clear()
            else:
                self._queues.pop(op, None)

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Queued faults per op."""
        with self._lock:
            return {op: [f.as_dict() for f in q] for op, q in self._queues.items() if q}


class Stats:
    """Counters for /_sim/stats."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero everything."""
        with self._lock:
            self.calls: dict[str, int] = defaultdict(int)
            self.served: dict[str, int] = defaultdict(int)
            self.rate_limited: dict[str, int] = defaultdict(int)
            self.faults: dict[str, int] = defaultdict(int)
            self.timeline: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            self.details: dict[str, dict[str, Any]] = {}

    def arrival(self, op: str) -> None:
        """Count one arrival (also in the per-second timeline, real clock)."""
        sec = str(int(time.time()))
        with self._lock:
            self.calls[op] += 1
            self.timeline[op][sec] += 1

    def bump(self, counter: str, op: str) -> None:
        """Increment ``served`` / ``rate_limited`` / ``faults`` for ``op``."""
        with self._lock:
            getattr(self, counter)[op] += 1

    def detail(self, sid: int, info: dict[str, Any]) -> None:
        """Remember a served submissionDetails body."""
        with self._lock:
            self.details[str(sid)] = info

    def snapshot(self, world_now: float) -> dict[str, Any]:
        """JSON view."""
        with self._lock:
            return {
                "calls": dict(self.calls), "served": dict(self.served), "rate_limited": dict(self.rate_limited),
                "faults_injected": dict(self.faults),
                "timeline": {op: dict(t) for op, t in self.timeline.items()},
                "served_details": dict(self.details), "world_now": int(world_now),
            }


def ceil_seconds(x: float) -> int:
    """Whole seconds, at least 1."""
    return max(1, math.ceil(x - 1e-9))
