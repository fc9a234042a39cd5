"""Rate-limit fidelity: with 1, 2 and 4 detail workers and a backlog of jobs, the detail calls per minute the
simulator sees, against the configured limit, side by side with plain Celery ``rate_limit`` alone (no global
limiter) in the same run. The simulator enforces the same limit, so a 429 means the limit was exceeded.

    make bench-rate                                  # 300 jobs, limit 60 per 20 s, 3 runs
    python -m bench.rate_fidelity --runs 1 --jobs 120
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import text

from bench.harness import bench_services, machine, make_backlog, max_calls_in_window, median, table, wait
from codebloom.processes import codebloom_command

MODES = {
    # ours: the Redis limiter holds the budget; Celery's per-worker rate_limit is the second guard, set to the
    # budget (the shipped default, DETAIL_RATE_LIMIT=20/m for DETAIL_RATE=20/60) or to twice the budget.
    "ours, guard 1x": (1, True),
    "ours, guard 2x": (2, True),
    # plain Celery: every worker gets the whole budget as its rate_limit, nothing is shared.
    "celery only": (1, False),
}


def run_once(mode: str, workers: int, jobs: int, limit: int, window: int) -> dict[str, float]:
    per_minute = limit * 60 // window
    factor, shared = MODES[mode]
    env = {"DETAIL_RATE": f"{limit}/{window}" if shared else "1000000/60",
           "DETAIL_RATE_LIMIT": f"{per_minute * factor}/m"}
    env.update({"BRIDGE_POLL_INTERVAL": "1", "DETAIL_MAX_IN_FLIGHT": "40", "DETAIL_DEFAULT_RETRY_AFTER": "5"})
    with bench_services("rate", **env) as b:
        b.start_simulator("--users", "10", "--seed", "5", "--rate-limit",
                          f"submissionDetails={limit}/{window}")
        make_backlog(b.database_url, b.sim_url, jobs)
        b.sim("/_sim/stats/reset", {})
        b.workers("leetcode-details", workers, 2, "detail-worker")
        from codebloom.db import get_engine

        engine = get_engine(b.database_url)
        b.supervisor.start("bridge", codebloom_command("bridge"))

        def done() -> bool:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM job WHERE status = 'COMPLETE'")).scalar() == jobs

        started = time.monotonic()
        finished = wait(done, 900, 0.5)
        elapsed = time.monotonic() - started
        stats = b.sim("/_sim/stats")
    timeline = stats["timeline"].get("submissionDetails", {})
    seconds = sorted(int(s) for s in timeline)
    calls = sum(timeline.values())
    span = (seconds[-1] - seconds[0] + 1) if seconds else 1
    # Steady state: whole windows from the first call; the last partial window would understate the rate.
    steady_windows = max(1, span // window)
    steady_calls = sum(v for s, v in timeline.items() if int(s) < seconds[0] + steady_windows * window)
    rate_per_min = steady_calls / (steady_windows * window) * 60
    return {"finished": float(finished), "elapsed": elapsed, "calls": calls,
            "per_min": rate_per_min, "usage": rate_per_min / per_minute * 100,
            "max_window": max_calls_in_window(timeline, window),
            "429s": stats["rate_limited"].get("submissionDetails", 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]
    per_minute = args.limit * 60 // args.window
    print(f"machine: {machine()}")
    print(f"rate fidelity: {args.jobs} jobs, limit {args.limit} per {args.window}s ({per_minute}/min) for ours "
          f"and for the simulator; {args.runs} runs per cell, medians")
    rows = []
    for workers in counts:
        for mode in MODES:
            runs = [run_once(mode, workers, args.jobs, args.limit, args.window) for _ in range(args.runs)]
            cell = {k: median([r[k] for r in runs]) for k in runs[0]}
            rows.append([workers, mode, f"{cell['per_min']:.0f}", f"{cell['usage']:.1f}%",
                         f"{cell['max_window']:.0f} / {args.limit}", f"{cell['429s']:.0f}",
                         " ".join(f"{r['usage']:.0f}%" for r in runs)])
    print(table(["workers", "configuration", "calls/min (median)", "usage of budget", f"max in any {args.window}s",
                 "429s", "usage per run"], rows))
    print(f"goal: ours between 95% and 100% of {per_minute}/min at every worker count, zero 429s")


if __name__ == "__main__":
    main()
