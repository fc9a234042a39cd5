"""Shared set-up for the benchmarks: embedded services (or DATABASE_URL/REDIS_URL), a fresh database, the
simulator as its own process, real Celery processes, and small statistics helpers."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codebloom import embedded  # noqa: E402
from codebloom.db import dispose_engines  # noqa: E402
from codebloom.processes import Supervisor, codebloom_command, worker_command  # noqa: E402

SESSION = "eyJ.bench-session"
CSRF = "bench-csrf"


@dataclass
class Bench:
    database_url: str
    redis_url: str
    admin_url: str
    home: Path
    supervisor: Supervisor
    sim_url: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def start_simulator(self, *args: str) -> str:
        port = embedded.free_port()
        self.supervisor.start("simulator", codebloom_command(
            "simulate-leetcode", "--port", str(port), f"--session-token={SESSION}", f"--csrf-token={CSRF}", *args))
        self.supervisor.wait_for_log("simulator", "listening", 30)
        self.sim_url = f"http://127.0.0.1:{port}"
        self.env["LEETCODE_BASE_URL"] = self.sim_url
        self.supervisor.env.update(self.env)
        return self.sim_url

    def workers(self, queue: str, count: int, concurrency: int, prefix: str, **env: str) -> list[str]:
        names = [f"{prefix}-{i}" for i in range(count)]
        for name in names:
            self.supervisor.start(name, worker_command(queue, name, concurrency), env or None)
        for name in names:
            self.supervisor.wait_for_log(name, "ready.", 90)
        return names

    def rss_mb(self, name: str) -> float:
        """Resident memory of a process tree (the worker and its pool), in MB."""
        try:
            root = psutil.Process(self.supervisor.children[name].pid)
            procs = [root, *root.children(recursive=True)]
            return sum(p.memory_info().rss for p in procs if p.is_running()) / 1e6
        except psutil.Error:
            return 0.0

    def sim(self, path: str, body: Any = None) -> Any:
        if body is None:
            return requests.get(self.sim_url + path, timeout=30).json()
        return requests.post(self.sim_url + path, json=body, timeout=30).json()


@contextmanager
def bench_services(name: str, **env: str) -> Iterator[Bench]:
    """Embedded PostgreSQL and Redis under .codebloom/bench (unless DATABASE_URL and REDIS_URL are set),
    a fresh database for this run, and a supervisor that stops every process at the end."""
    home = ROOT / ".codebloom" / "bench"
    with ExitStack() as stack:
        admin = os.environ.get("DATABASE_URL")
        if not admin:
            pg = embedded.EmbeddedPostgres(home / "pg")
            admin = pg.start()
            stack.callback(pg.stop)
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            server = embedded.EmbeddedRedis(home / "redis")
            redis_url = server.start()
            stack.callback(server.stop)
        from codebloom.db import libpq_url

        admin = libpq_url(admin)
        database = f"bench_{name}_{uuid.uuid4().hex[:6]}"
        embedded.create_database(admin, database)
        base, _, query = admin.partition("?")
        database_url = base.rsplit("/", 1)[0] + "/" + database + (("?" + query) if query else "")
        stack.callback(embedded.drop_database, admin, database)
        stack.callback(dispose_engines)
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        from codebloom.migrate import upgrade

        upgrade(database_url)
        run_env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url,
                   "LEETCODE_SESSION": SESSION, "LEETCODE_CSRF_TOKEN": CSRF, "CODEBLOOM_HOME": str(home),
                   "LOG_LEVEL": "WARNING", **env}
        saved = dict(os.environ)
        stack.callback(lambda: (os.environ.clear(), os.environ.update(saved)))
        os.environ.update(run_env)
        from codebloom.settings import settings

        settings.cache_clear()
        supervisor = Supervisor(log_dir=home / "logs" / name, env=dict(run_env), cwd=ROOT)
        stack.callback(supervisor.stop_all)
        yield Bench(database_url=database_url, redis_url=redis_url, admin_url=admin, home=home,
                    supervisor=supervisor, env=dict(run_env))


def make_backlog(database_url: str, sim_url: str, jobs: int, prefix: str = "backlog") -> list[int]:
    """``jobs`` real INCOMPLETE Jobs: scripted simulator users with 20 submissions each, synced in-process
    (opens a leaderboard if none is open). Returns the new job ids."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from codebloom import store
    from codebloom.db import get_engine, session_scope
    from codebloom.leetcode import LeetCodeClient
    from codebloom.services.sync import sync_user

    with get_engine(database_url).connect() as conn:
        has_board = conn.execute(text("SELECT count(*) FROM leaderboard WHERE ended_at IS NULL")).scalar()
        before = conn.execute(text("SELECT COALESCE(max(id), 0) FROM job")).scalar()
    catalogue = requests.get(sim_url + "/_sim/catalogue", timeout=30).json()
    slugs = [p["titleSlug"] for p in catalogue if not p["titleSlug"].startswith("sim-")]
    now = int(time.time())
    names, made = [], 0
    while made < jobs:
        count = min(20, jobs - made)
        name = f"{prefix}_{len(names):04d}"
        requests.post(sim_url + "/_sim/users", timeout=30, json={"username": name, "submissions": [
            {"titleSlug": slugs[(made + i) % len(slugs)], "lang": "python3", "timestamp": now - 3600 + i}
            for i in range(count)]}).raise_for_status()
        names.append(name)
        made += count
    with session_scope(database_url) as session:
        if not has_board:
            store.open_leaderboard(session, "Backlog", datetime.now(UTC) - timedelta(days=10))
        user_ids = [store.add_user(session, name)[0] for name in names]
    client = LeetCodeClient(sim_url, 30)
    for user_id in user_ids:
        sync_user(database_url, client, user_id)
    with get_engine(database_url).connect() as conn:
        ids = conn.execute(text("SELECT id FROM job WHERE id > :b ORDER BY id"), {"b": before}).scalars().all()
    assert len(ids) == jobs, (len(ids), jobs)
    return list(ids)


def max_calls_in_window(timeline: dict[str, int], window: int) -> int:
    """Most calls in any ``window`` consecutive one-second buckets of the simulator's timeline."""
    seconds = {int(k): v for k, v in timeline.items()}
    if not seconds:
        return 0
    return max(sum(seconds.get(s, 0) for s in range(start, start + window))
               for start in range(min(seconds) - window + 1, max(seconds) + 1))


COMPONENTS = (("postgres", "postgres"), ("simulator", "simulate-leetcode"), ("celery workers", "celery"),
              ("redis", "redis-server"), ("bridge", "codebloom.cli bridge"))


def cpu_seconds() -> dict[str, float]:
    """CPU seconds (user + system) used so far by each component's processes on this machine. Take two
    snapshots and subtract: processes that live through the interval are counted exactly."""
    totals = dict.fromkeys((name for name, _ in COMPONENTS), 0.0)
    for process in psutil.process_iter(["cmdline", "cpu_times"]):
        command = " ".join(process.info["cmdline"] or [])
        times = process.info["cpu_times"]
        if times is None:
            continue
        for name, marker in COMPONENTS:
            if marker in command:
                totals[name] += times.user + times.system
                break
    return totals


def cpu_share(before: dict[str, float], after: dict[str, float], seconds: float) -> str:
    """'postgres 41% · simulator 20% · ...' of the machine's capacity (all cores) over ``seconds``."""
    capacity = seconds * (os.cpu_count() or 1)
    used = {name: after[name] - before.get(name, 0.0) for name in after}
    parts = [f"{name} {value / capacity * 100:.0f}%" for name, value in sorted(used.items(), key=lambda kv: -kv[1])
             if value > 0.005 * capacity]
    return " · ".join(parts)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> str:
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True,
                         text=True).stdout.strip()
    memory = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {sys.version.split()[0]}"


def table(headers: list[str], rows: list[list[Any]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join([line, sep, *body])


def wait(predicate: Any, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
