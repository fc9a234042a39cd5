"""Rate-limit fidelity: with 1, 2 and 4 detail workers and a backlog of jobs, the detail calls per minute the
simulator sees, against the configured limit, side by side with plain Celery ``rate_limit`` alone (no global
limiter) in the same run. The simulator enforces the same limit, so a 429 means the limit was exceeded.

The budget is scaled up from 20 per minute (default 100 per 20 s) so that a run takes about a minute; the
backlog (300 jobs) outlasts the windows that are measured, so the workers are never short of work.

    make bench-rate                                  # 300 jobs, limit 100 per 20 s, 1/2/4 workers, 3 runs
    python -m bench.rate_fidelity --runs 1 --workers 1 --modes ours,guard-1x
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import text

from bench.harness import bench_services, machine, make_backlog, max_calls_in_window, median, table, wait
from codebloom.processes import codebloom_command

# name -> (label, environment for a budget of `limit` calls per `window` seconds)
MODES = {
    # ours as shipped: the Redis limiter holds the fleet budget, Celery's per-worker rate_limit is off.
    "ours": "ours (shipped defaults)",
    # ours plus Celery's per-worker rate_limit at twice the budget (DETAIL_RATE_LIMIT=auto) ...
    "guard-2x": "ours + Celery rate_limit 2x budget",
    # ... or equal to the budget (the default until 2026-12-03).
    "guard-1x": "ours + Celery rate_limit = budget",
    # plain Celery: every worker gets the whole budget as its rate_limit, nothing is shared.
    "celery": "plain Celery rate_limit only",
}


def mode_env(mode: str, limit: int, window: int) -> dict[str, str]:
    per_minute = limit * 60 // window
    if mode == "ours":
        return {"DETAIL_RATE": f"{limit}/{window}"}
    if mode == "guard-1x":
        return {"DETAIL_RATE": f"{limit}/{window}", "DETAIL_RATE_LIMIT": f"{per_minute}/m"}
    if mode == "guard-2x":
        return {"DETAIL_RATE": f"{limit}/{window}", "DETAIL_RATE_LIMIT": "auto"}
    return {"DETAIL_RATE": "1000000/60", "DETAIL_RATE_LIMIT": f"{per_minute}/m"}


def measured_rate(timeline: dict[str, int], jobs: int, limit: int, window: int) -> tuple[float, int]:
    """Calls per minute over the whole windows, from the first call, during which the backlog could not run
    dry (``jobs // limit - 1`` windows, at least one), and how many windows that was."""
    if not timeline:
        return 0.0, 0
    seconds = sorted(int(s) for s in timeline)
    span = seconds[-1] - seconds[0] + 1
    windows = max(1, min(span // window, jobs // limit - 1))
    end = seconds[0] + windows * window
    calls = sum(v for s, v in timeline.items() if int(s) < end)
    return calls / (windows * window) * 60, windows


def run_once(mode: str, workers: int, jobs: int, limit: int, window: int) -> dict[str, float]:
    per_minute = limit * 60 // window
    env = mode_env(mode, limit, window)
    env.update({"BRIDGE_POLL_INTERVAL": "1", "DETAIL_MAX_IN_FLIGHT": "40", "DETAIL_DEFAULT_RETRY_AFTER": "5"})
    with bench_services("rate", **env) as b:
        b.start_simulator("--users", "10", "--seed", "5", "--rate-limit",
                          f"submissionDetails={limit}/{window}")
        make_backlog(b.database_url, b.sim_url, jobs)
        b.workers("leetcode-details", workers, 2, "detail-worker")
        b.sim("/_sim/stats/reset", {})
        from codebloom.db import get_engine

        engine = get_engine(b.database_url)
        b.supervisor.start("bridge", codebloom_command("bridge"))

        def done() -> bool:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM job WHERE status = 'COMPLETE'")).scalar() == jobs

        # Only the first `measured` windows count (the backlog lasts that long at the full budget), so a slow
        # configuration is stopped after them instead of draining at its own pace.
        measured = max(1, jobs // limit - 1)
        started = time.monotonic()
        finished = wait(done, measured * window + 20, 0.5)
        elapsed = time.monotonic() - started
        stats = b.sim("/_sim/stats")
    timeline = stats["timeline"].get("submissionDetails", {})
    rate, windows = measured_rate(timeline, jobs, limit, window)
    return {"finished": float(finished), "elapsed": elapsed, "calls": sum(timeline.values()),
            "per_min": rate, "windows": windows, "usage": rate / per_minute * 100,
            "max_window": max_calls_in_window(timeline, window),
            "429s": stats["rate_limited"].get("submissionDetails", 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4", help="comma-separated detail worker counts (2 processes each)")
    parser.add_argument("--modes", default="ours,celery", help=f"comma-separated, of: {', '.join(MODES)}")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]
    modes = [m.strip() for m in args.modes.split(",")]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s) {', '.join(unknown)}; choose from {', '.join(MODES)}")
    per_minute = args.limit * 60 // args.window
    print(f"machine: {machine()}")
    print(f"rate fidelity: {args.jobs} jobs, limit {args.limit} per {args.window}s ({per_minute}/min) for ours "
          f"and for the simulator; {args.runs} runs per cell, medians; configurations alternate run by run")
    results: dict[tuple[int, str], list[dict[str, float]]] = {}
    for workers in counts:
        for _ in range(args.runs):
            for mode in modes:  # interleaved, so that a noisy minute hits every configuration alike
                run = run_once(mode, workers, args.jobs, args.limit, args.window)
                results.setdefault((workers, mode), []).append(run)
                print(f"  {workers} worker(s), {MODES[mode]}: usage {run['usage']:.1f}%, "
                      f"max {run['max_window']:.0f}/{args.limit} in {args.window}s, 429s {run['429s']:.0f}, "
                      f"{'drained' if run['finished'] else 'stopped'} after {run['elapsed']:.0f}s", flush=True)
    rows = []
    for (workers, mode), runs in results.items():
        cell = {k: median([r[k] for r in runs]) for k in runs[0]}
        rows.append([workers, MODES[mode], f"{cell['per_min']:.0f}", f"{cell['usage']:.1f}%",
                     f"{cell['max_window']:.0f} / {args.limit}", f"{cell['429s']:.0f}",
                     " ".join(f"{r['usage']:.0f}%" for r in runs)])
    print(table(["workers", "configuration", "calls/min (median)", "usage of budget", f"max in any {args.window}s",
                 "429s", "usage per run"], rows))
    print(f"goal: ours between 95% and 100% of {per_minute}/min at every worker count, zero 429s")


if __name__ == "__main__":
    main()
