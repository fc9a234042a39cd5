"""Freshness at a fixed LeetCode budget: simulated hours for 1,000 users with the simulator's realistic activity
(a few very active, many idle), the clock sped up; median and p95 time from a submission on the simulator to
its points in the database, in simulated minutes. The budget is one list call per user per SYNC_INTERVAL
(30 simulated minutes), so this is the baseline that smarter scheduling should beat.

    make bench-freshness                      # 1,000 users, 6 simulated hours at 120x
    python -m bench.freshness --hours 2 --users 300
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import text

from bench.harness import bench_services, machine, percentile, table
from bench.sync_throughput import register
from codebloom.processes import celery_command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--hours", type=float, default=6.0, help="simulated hours")
    parser.add_argument("--speed", type=float, default=120.0, help="simulated seconds per real second")
    parser.add_argument("--interval", type=float, default=1800.0, help="SYNC_INTERVAL in simulated seconds")
    args = parser.parse_args()
    real_interval = args.interval / args.speed
    print(f"machine: {machine()}")
    print(f"freshness: {args.users} users, {args.hours:g} simulated hours at {args.speed:g}x "
          f"({args.hours * 3600 / args.speed / 60:.1f} real minutes); one sync per user every "
          f"{args.interval / 60:g} simulated minutes ({real_interval:.1f} s real), spread over 90% of it")
    env = {"SYNC_INTERVAL": f"{real_interval}", "SYNC_SPREAD": f"{real_interval * 0.9}",
           "POTD_INTERVAL": "100000", "SWEEP_INTERVAL": "100000", "DETAIL_MAX_IN_FLIGHT": "0"}
    with bench_services("freshness", **env) as b:
        b.start_simulator("--users", str(args.users), "--seed", "17", "--speed", str(args.speed))
        register(b, args.users)
        b.workers("sync", 2, 4, "sync-worker")
        stats = b.sim("/_sim/stats")
        anchor_real, anchor_world = time.time(), float(stats["world_now"])
        start_world = anchor_world
        b.supervisor.start("beat", celery_command("beat", "-s", str(b.home / "beat-schedule"), "-l", "INFO"))
        from tasks.sync import plan_sync

        plan_sync.delay()  # the first cycle now; beat plans the next ones every interval
        time.sleep(args.hours * 3600 / args.speed)  # the simulated period is the measurement window
        b.supervisor.stop("beat")
        from codebloom.db import get_engine

        with get_engine(b.database_url).connect() as conn:
            rows = conn.execute(text(
                "SELECT EXTRACT(EPOCH FROM created_at), EXTRACT(EPOCH FROM submitted_at) FROM submission")).all()
            cycles = conn.execute(text("SELECT count(DISTINCT slot) FROM sync_run")).scalar()
            failed = conn.execute(text("SELECT count(*) FROM sync_run WHERE status = 'failed'")).scalar()
    delays = []
    for created_real, submitted_world in rows:
        if float(submitted_world) < start_world:
            continue  # history from before the run
        ingested_world = anchor_world + (float(created_real) - anchor_real) * args.speed
        delays.append((ingested_world - float(submitted_world)) / 60)
    print(table(["submissions made during the run", "sync cycles", "failed syncs", "median minutes",
                 "p95 minutes", "max minutes"],
                [[len(delays), cycles, failed, f"{percentile(delays, 0.5):.1f}", f"{percentile(delays, 0.95):.1f}",
                  f"{max(delays) if delays else float('nan'):.1f}"]]))
    print(f"budget: {args.users} recentAcSubmissionList calls per {args.interval / 60:g} simulated minutes")


if __name__ == "__main__":
    main()
