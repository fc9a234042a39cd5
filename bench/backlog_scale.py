"""Backlog scale: 100,000 due Jobs in the table. Redis memory and each worker's memory stay flat because the
bridge and sweep enqueue no more than the lane has room for; the feed and sweep queries stay fast (EXPLAIN).

    make bench-backlog
    python -m bench.backlog_scale --jobs 20000 --seconds 30
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import redis
from sqlalchemy import text

from bench.harness import bench_services, machine, median, table
from codebloom.processes import codebloom_command
from codebloom.store import CLAIM_FOR_ENQUEUE_SQL, RECLAIM_EXPIRED_SQL

FEED_SQL = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + CLAIM_FOR_ENQUEUE_SQL
RECLAIM_SQL = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + RECLAIM_EXPIRED_SQL
PARAMS = {"cap": 40, "stale": 600, "max": 5}


def fill(database_url: str, jobs: int) -> None:
    from codebloom.db import get_engine

    with get_engine(database_url).begin() as conn:
        conn.execute(text("INSERT INTO problem (slug, title, difficulty, ac_rate) VALUES ('p', 'P', 'Easy', 0.5)"))
        user = conn.execute(text("INSERT INTO users (leetcode_username) VALUES ('backlog') RETURNING id")).scalar()
        conn.execute(text(
            "INSERT INTO submission (id, user_id, slug, title, difficulty, ac_rate, submitted_at, points) "
            "SELECT 8000000000 + g, :u, 'p', 'P', 'Easy', 0.5, now(), 0 FROM generate_series(1, :n) g"),
            {"u": user, "n": jobs})
        conn.execute(text("ALTER TABLE job DISABLE TRIGGER job_inserted_notify"))  # 100k NOTIFYs at once: no
        conn.execute(text("INSERT INTO job (submission_id) SELECT 8000000000 + g FROM generate_series(1, :n) g"),
                     {"n": jobs})
        conn.execute(text("ALTER TABLE job ENABLE TRIGGER job_inserted_notify"))
        conn.execute(text("ANALYZE job"))


def explain(database_url: str, sql: str, repeats: int = 20) -> tuple[float, str]:
    """Median execution time (ms) over ``repeats`` rolled-back runs, and one plan."""
    from codebloom.db import get_engine

    times, plan = [], ""
    for _ in range(repeats):
        with get_engine(database_url).connect() as conn:
            lines = conn.execute(text(sql), PARAMS).scalars().all()
            conn.rollback()
        plan = "\n".join(lines)
        times.append(float(next(line for line in lines if line.startswith("Execution Time")).split()[2]))
    return statistics.median(times), plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    env = {"DETAIL_RATE": "50/10", "DETAIL_RATE_LIMIT": "300/m", "DETAIL_MAX_IN_FLIGHT": "40",
           "BRIDGE_POLL_INTERVAL": "1",
           "SWEEP_INTERVAL": "5", "DETAIL_BACKOFF_BASE": "3600"}
    with bench_services("backlog", **env) as b:
        b.start_simulator("--users", "10")
        started = time.monotonic()
        fill(b.database_url, args.jobs)
        print(f"backlog: {args.jobs} due jobs inserted in {time.monotonic() - started:.1f}s; "
              f"lane {env['DETAIL_RATE']}, at most {env['DETAIL_MAX_IN_FLIGHT']} in flight")
        feed_ms, feed_plan = explain(b.database_url, FEED_SQL)
        reclaim_ms, reclaim_plan = explain(b.database_url, RECLAIM_SQL)
        workers = b.workers("leetcode-details", 2, 2, "detail-worker")
        b.supervisor.start("bridge", codebloom_command("bridge"), {"LOG_LEVEL": "INFO"})
        client = redis.Redis.from_url(b.redis_url)
        samples: dict[str, list[float]] = {"redis": [], **{w: [] for w in workers}}
        queue: list[int] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples["redis"].append(int(client.info("memory")["used_memory"]) / 1e6)
                queue.append(int(client.llen("leetcode-details")))
                for w in workers:
                    samples[w].append(b.rss_mb(w))
                stop.wait(1.0)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        time.sleep(args.seconds)  # a benchmark's measuring window, not a test's wait
        stop.set()
        thread.join(5)
        from codebloom.db import get_engine

        with get_engine(b.database_url).connect() as conn:
            done = conn.execute(text("SELECT count(*) FROM job WHERE status <> 'INCOMPLETE' "
                                     "OR attempts > 0")).scalar()
    rows = []
    for name, values in samples.items():
        third = max(1, len(values) // 3)
        rows.append([name, f"{values[0]:.1f}", f"{median(values[:third]):.1f}", f"{median(values[-third:]):.1f}",
                     f"{max(values):.1f}"])
    print(f"over {args.seconds}s with the backlog draining ({done} jobs touched):")
    print(table(["process", "MB at start", "median MB, first third", "median MB, last third", "max MB"], rows))
    print(f"broker queue length: max {max(queue)}, median {median(queue):.0f} (cap {env['DETAIL_MAX_IN_FLIGHT']})")
    print(f"feed query (claim_for_enqueue) on {args.jobs} due jobs: median {feed_ms:.2f} ms (goal < 50 ms)")
    print(f"sweep reclaim query: median {reclaim_ms:.2f} ms")
    print("\nEXPLAIN ANALYZE, feed query:\n" + feed_plan)
    print("\nEXPLAIN ANALYZE, reclaim query:\n" + reclaim_plan)


if __name__ == "__main__":
    main()
