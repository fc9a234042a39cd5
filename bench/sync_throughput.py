"""Sync throughput: one full cycle for N simulated users, from plan_sync to every user scored and every Job
inserted, on real sync workers. Prints users per second, SQL statements per user (SQLAlchemy events, counted
in-process on a sample), and the peak RSS of each worker. Batches of 50 users per message (the default) and
one user per message are measured side by side, interleaved run by run.

    make bench-sync              # 10,000 users, 3 runs of each batch size
    python -m bench.sync_throughput --users 2000 --runs 1 --batch-sizes 50
"""

from __future__ import annotations

import argparse
import multiprocessing
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, text

from bench.harness import Bench, bench_services, cpu_seconds, cpu_share, machine, median, table, wait


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


def statements_per_user(b: Bench, sample: int, batch_size: int) -> dict[str, float]:
    """Statements per user, counted with SQLAlchemy events on ``sample`` users synced in-process: in batches as
    the beat sends them (cold problem cache, then warm), and one user at a time as from the shell (warm)."""
    from codebloom.db import get_engine
    from codebloom.leetcode import LeetCodeClient
    from codebloom.services.plan import batches
    from codebloom.services.sync import sync_user, sync_users

    engine = get_engine(b.database_url)
    client = LeetCodeClient(b.sim_url, 10)
    counts: list[str] = []
    user_ids = list(range(1, sample + 1))

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SELECT 1")):
            counts.append(statement)

    def reset() -> None:
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE job, submission, user_problem, leaderboard_score, sync_run"))

    def per_user(sync_all) -> float:  # noqa: ANN001
        reset()
        counts.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            sync_all()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(counts) / sample

    figures = {
        "batch_cold": per_user(lambda: [sync_users(b.database_url, client, g) for g in batches(user_ids, batch_size)]),
        "batch_warm": per_user(lambda: [sync_users(b.database_url, client, g) for g in batches(user_ids, batch_size)]),
        "single_warm": per_user(lambda: [sync_user(b.database_url, client, u) for u in user_ids]),
    }
    reset()
    return figures


def run_once(users: int, workers: int, concurrency: int, sample: int, batch_size: int) -> dict[str, Any]:
    with bench_services("sync", SYNC_SPREAD="0", DETAIL_MAX_IN_FLIGHT="0", SYNC_BATCH_SIZE=str(batch_size)) as b:
        b.start_simulator("--users", str(users), "--seed", "3", "--frozen-at", str(time.time()))
        register(b, users)
        statements = statements_per_user(b, sample, batch_size)
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

        cpu_before = cpu_seconds()
        started = time.monotonic()
        plan_sync.delay()
        ok = wait(finished, 1800, 0.5)
        elapsed = time.monotonic() - started
        cpu = cpu_share(cpu_before, cpu_seconds(), elapsed)
        done.set()
        sampler.join(5)  # before the supervisor stops the workers it samples
        with engine.connect() as conn:
            jobs = conn.execute(text("SELECT count(*) FROM job")).scalar() or 0
            failed = conn.execute(text("SELECT count(*) FROM sync_run WHERE status = 'failed'")).scalar() or 0
        if not ok:
            raise SystemExit("the cycle did not finish in 30 minutes")
        return {"seconds": elapsed, "users_per_s": users / elapsed, "jobs": jobs, "failed": failed,
                **statements, "cpu": cpu,
                "peak_rss_mb": max(peak.values()), "rss": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--sample", type=int, default=200, help="users whose statements are counted")
    parser.add_argument("--batch-sizes", default="50,1",
                        help="SYNC_BATCH_SIZE values measured side by side (1 = one message per user)")
    args = parser.parse_args()
    sizes = [int(x) for x in args.batch_sizes.split(",")]
    print(f"machine: {machine()}")
    print(f"sync throughput: {args.users} users, {args.workers} sync workers x {args.concurrency} processes, "
          f"simulator with no added latency, {args.runs} runs of each batch size {sizes}, interleaved")
    # Each run in a fresh process: the Celery app binds its broker URL once per process.
    context = multiprocessing.get_context("spawn")
    runs: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
    rows = []
    for i in range(args.runs):
        for size in sizes:
            with context.Pool(1) as pool:
                r = pool.apply(run_once, (args.users, args.workers, args.concurrency, args.sample, size))
            runs[size].append(r)
            rows.append([i + 1, size, f"{r['seconds']:.1f}", f"{r['users_per_s']:.0f}", r["jobs"], r["failed"],
                         f"{r['batch_warm']:.2f}", f"{r['batch_cold']:.2f}", f"{r['single_warm']:.2f}",
                         ", ".join(f"{v:.0f}" for v in r["rss"].values())])
            print(f"  run {i + 1}, batch size {size}: {r['users_per_s']:.0f} users/s; CPU of the machine during the "
                  f"cycle: {r['cpu']}", flush=True)
    print(table(["run", "batch size", "cycle s", "users/s", "jobs inserted", "failed users",
                 "SQL/user (batches, warm)", "SQL/user (batches, cold)", "SQL/user (one by one)",
                 "peak RSS MB per worker"], rows))
    medians = {size: median([r["users_per_s"] for r in rs]) for size, rs in runs.items()}
    for size in sizes:
        print(f"median, batch size {size}: {medians[size]:.0f} users/s (goal >= 300), "
              f"{median([r['batch_warm'] for r in runs[size]]):.2f} SQL statements per user in batches of "
              f"{size} (goal <= 4), peak worker RSS {max(r['peak_rss_mb'] for r in runs[size]):.0f} MB")
    if len(sizes) > 1:
        print(f"ratio batch {sizes[0]} / batch {sizes[1]}: {medians[sizes[0]] / medians[sizes[1]]:.2f}x")


if __name__ == "__main__":
    main()
