"""Prometheus endpoint: state read from PostgreSQL and Redis at scrape time, so any number of worker
processes can be counted without prometheus-client's multiprocess mode.

Alert on (see README): oldest due job age, lane paused for long, 429s rising, FAILED jobs rising, a sync
cycle with failures, no detail worker online.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from codebloom import ops
from codebloom.settings import Settings

log = logging.getLogger("codebloom.metrics")


class CodebloomCollector(Collector):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        o = ops.gather(self.settings, with_workers=False, with_leetcode=False)
        up = GaugeMetricFamily("codebloom_dependency_up", "1 when the dependency answers", labels=["dependency"])
        for name, state in o.reachable.items():
            up.add_metric([name], 1.0 if state == "ok" else 0.0)
        yield up
        jobs = GaugeMetricFamily("codebloom_jobs", "Detail jobs by status", labels=["status"])
        for status, count in o.jobs.items():
            jobs.add_metric([status], count)
        yield jobs
        yield GaugeMetricFamily("codebloom_oldest_due_job_age_seconds",
                                "How long the oldest due INCOMPLETE job has been waiting",
                                value=o.oldest_due_age or 0.0)
        calls = CounterMetricFamily("codebloom_leetcode_calls", "LeetCode calls by operation and outcome",
                                    labels=["operation", "outcome"])
        limited = CounterMetricFamily("codebloom_leetcode_rate_limited", "HTTP 429 answers by operation",
                                      labels=["operation"])
        for (operation, outcome), count in sorted(o.calls.items()):
            calls.add_metric([operation, outcome], count)
            if outcome == "rate_limited":
                limited.add_metric([operation], count)
        yield calls
        yield limited
        paused = GaugeMetricFamily("codebloom_detail_lane_paused", "1 while the detail lane is paused",
                                   labels=["kind"])
        paused.add_metric([o.lane.kind if o.lane else ""], 1.0 if o.lane else 0.0)
        yield paused
        queue = GaugeMetricFamily("codebloom_queue_length", "Messages waiting in a Celery queue", labels=["queue"])
        for name, length in o.queue_lengths.items():
            if length is not None:
                queue.add_metric([name], length)
        yield queue
        cycle = o.last_cycle or {}
        users = GaugeMetricFamily("codebloom_sync_cycle_users", "Users of the last sync cycle by result",
                                  labels=["result"])
        for result in ("synced", "failed", "pending"):
            users.add_metric([result], int(cycle.get(result, 0) or 0))
        yield users
        yield GaugeMetricFamily("codebloom_sync_cycle_duration_seconds",
                                "From the first queued to the last finished sync of the last cycle",
                                value=ops.cycle_duration(cycle) or 0.0)
        yield GaugeMetricFamily("codebloom_leaderboard_users", "Users on the current leaderboard",
                                value=o.leaderboard_size)


def serve_metrics(settings: Settings, host: str, port: int) -> None:
    """Serve /metrics until SIGTERM or SIGINT."""
    registry = CollectorRegistry()
    registry.register(CodebloomCollector(settings))
    server, thread = start_http_server(port, addr=host, registry=registry)
    log.info("metrics listening on http://%s:%d/metrics", host, port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.shutdown()
    thread.join(5)
