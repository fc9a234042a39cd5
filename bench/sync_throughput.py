"""Sync throughput: one full cycle for N simulated users, from plan_sync to every user scored and every Job
inserted, on real sync workers. Prints users per second, SQL statements per user (SQLAlchemy events, counted
in-process on a sample), and the peak RSS of each worker.

    make bench-sync              # 10,000 users, 3 runs
    python bench/sync_throughput.py --users 2000 --runs 1
"""

from __future__ import annotations

import argparse
import multiprocessing
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, text

from bench.harness import Bench, bench_services, machine, median, table, wait


def register(b: Bench, users: int) -> None:
    from codebloom import store
    from codebloom.db import get_engine, session_scope

    width = max(4, len(str(users)))
    with get_engine(b.database_url).begin() as conn:
        conn.execute(text(
            "INSERT INTO users (leetcode_username) SELECT 'sim_user_' || lpad(g::text, :w, '0') "
            "FROM generate_series(1, :n) g"), {"n": users, "w": width})
    with session_scope(b.database_url) as session:
        store.open_leaderboard(session, "Bench", datetime.now(UTC) - timedelta(days=7))


def statements_per_user(b: Bench, sample: int) -> tuple[float, float, int]:
    """(statements per user with a warm problem cache, with a cold one, submissions in the sample)."""
    from codebloom.db import get_engine
    from codebloom.leetcode import LeetCodeClient
    from codebloom.services.sync import sync_user

    engine = get_engine(b.database_url)
    client = LeetCodeClient(b.sim_url, 10)
    counts: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SELECT 1")):
            counts.append(statement)

    results = []
    for _ in ("cold", "warm"):
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE job, submission, user_problem, leaderboard_score, sync_run"))
        counts.clear()
        event.listen(engine, "before_cursor_execute", count)
        new = 0
        try:
            for user_id in range(1, sample + 1):
                new += sync_user(b.database_url, client, user_id).new_submissions
        finally:
            event.remove(engine, "before_cursor_execute", count)
        results.append((len(counts) / sample, new))
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE job, submission, user_problem, leaderboard_score, sync_run"))
    (cold, _), (warm, new) = results
    return warm, cold, new


def run_once(users: int, workers: int, concurrency: int, sample: int) -> dict[str, float]:
    with bench_services("sync", SYNC_SPREAD="0", DETAIL_MAX_IN_FLIGHT="0") as b:
        b.start_simulator("--users", str(users), "--seed", "3", "--frozen-at", str(time.time()))
        register(b, users)
        warm, cold, sample_new = statements_per_user(b, sample)
        names = b.workers("sync", workers, concurrency, "sync-worker")
        peak = {n: 0.0 for n in names}
        done = threading.Event()

        def sample_rss() -> None:
            while not done.is_set():
                for n in names:
                    peak[n] = max(peak[n], b.rss_mb(n))
                done.wait(0.5)

        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()
        from codebloom.db import get_engine
        from tasks.sync import plan_sync

        engine = get_engine(b.database_url)

        def finished() -> bool:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM sync_run WHERE finished_at IS NOT NULL")
                                    ).scalar() == users

        started = time.monotonic()
        plan_sync.delay()
        ok = wait(finished, 1800, 0.5)
        elapsed = time.monotonic() - started
        done.set()
        sampler.join(5)  # before the supervisor stops the workers it samples
        with engine.connect() as conn:
            jobs = conn.execute(text("SELECT count(*) FROM job")).scalar() or 0
            failed = conn.execute(text("SELECT count(*) FROM sync_run WHERE status = 'failed'")).scalar() or 0
        if not ok:
            raise SystemExit("the cycle did not finish in 30 minutes")
        return {"seconds": elapsed, "users_per_s": users / elapsed, "jobs": jobs, "failed": failed,
                "stmt_warm": warm, "stmt_cold": cold, "sample_new": sample_new,
                "peak_rss_mb": max(peak.values()), "rss": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--sample", type=int, default=200, help="users whose statements are counted")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"sync throughput: {args.users} users, {args.workers} sync workers x {args.concurrency} processes, "
          f"simulator with no added latency, {args.runs} runs")
    # Each run in a fresh process: the Celery app binds its broker URL once per process.
    context = multiprocessing.get_context("spawn")
    runs = []
    for _ in range(args.runs):
        with context.Pool(1) as pool:
            runs.append(pool.apply(run_once, (args.users, args.workers, args.concurrency, args.sample)))
    rows = [[i + 1, f"{r['seconds']:.1f}", f"{r['users_per_s']:.0f}", r["jobs"], r["failed"],
             f"{r['stmt_warm']:.2f}", f"{r['stmt_cold']:.2f}",
             ", ".join(f"{v:.0f}" for v in r["rss"].values())] for i, r in enumerate(runs)]
    print(table(["run", "cycle s", "users/s", "jobs inserted", "failed users", "SQL/user (warm cache)",
                 "SQL/user (cold cache)", "peak RSS MB per worker"], rows))
    print(f"median: {median([r['users_per_s'] for r in runs]):.0f} users/s (goal >= 300), "
          f"{median([r['stmt_warm'] for r in runs]):.2f} SQL statements per user (goal <= 4), "
          f"peak worker RSS {max(r['peak_rss_mb'] for r in runs):.0f} MB")


if __name__ == "__main__":
    main()
