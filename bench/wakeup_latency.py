"""Wake-up latency: from the commit of a Job insert to the start of its detail task (no rate limit), p50/p95/p99
over N jobs inserted at a steady rate and in bursts; side by side, in the same run and on the same
database, procrastinate (a PostgreSQL LISTEN/NOTIFY task queue) doing the same insert-to-start.

Both systems do the same work per job: procrastinate's task calls the very service our Celery task calls
(``codebloom.services.details.fetch_submission_details``: claim the Job, take a limiter token, fetch the
details from the simulator, write them back), so a burst costs both the same to drain. Ours: the job's
created_at (the inserting transaction; one row per transaction) to its claimed_at (the detail task's first
statement), both PostgreSQL clock. Procrastinate: time.time() just before defer (which commits) to
time.time() at the start of the task, both this machine's clock. Our bridge is stopped while procrastinate
runs, so only procrastinate's worker takes those Jobs.

    make bench-latency                       # 2,000 jobs per pattern, 3 runs
    python -m bench.wakeup_latency --jobs 500 --runs 1
    python -m bench.wakeup_latency --jobs 500 --runs 1 --breakdown   # where our time goes, leg by leg

With ``--breakdown`` a bench-only trigger records when the bridge's feed query marked each Job enqueued, which
splits our latency in two legs: insert commit -> feed query (NOTIFY delivery, the bridge waking up) and feed
query -> task start (the claim's commit, the Redis publish, the worker's fetch and Celery's dispatch). The
trigger adds a little to our figures, so the main table is best read from a run without it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time

from sqlalchemy import text

from bench.harness import bench_services, machine, make_backlog, median, percentile, table, wait
from codebloom.processes import codebloom_command

PATTERNS = {"steady 50/s": (1, 0.02), "bursts of 100 every 2 s": (100, 2.0)}
# Jobs run through each system before it is measured, so that neither system's first tasks (connections,
# clients, imports in fresh worker processes or threads: ~300 ms each here) count as wake-up latency.
WARMUP = 40

BREAKDOWN_SQL = """
CREATE TABLE IF NOT EXISTS bench_enqueued (job_id bigint PRIMARY KEY, at timestamptz NOT NULL);
CREATE OR REPLACE FUNCTION bench_note_enqueued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bench_enqueued VALUES (NEW.id, NEW.enqueued_at) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER bench_note_enqueued AFTER UPDATE OF enqueued_at ON job FOR EACH ROW
    WHEN (NEW.enqueued_at IS NOT NULL) EXECUTE FUNCTION bench_note_enqueued();
"""
LEGS_SQL = """
SELECT EXTRACT(EPOCH FROM (e.at - j.created_at)) * 1000, EXTRACT(EPOCH FROM (j.claimed_at - e.at)) * 1000
FROM job j JOIN bench_enqueued e ON e.job_id = j.id WHERE j.claimed_at IS NOT NULL AND j.id > :w
"""


def insert_pattern(insert_one, jobs: int, pattern: str) -> None:  # type: ignore[no-untyped-def]
    size, pause = PATTERNS[pattern]
    sent = 0
    while sent < jobs:
        started = time.monotonic()
        for _ in range(min(size, jobs - sent)):
            insert_one(sent)
            sent += 1
        time.sleep(max(0.0, pause - (time.monotonic() - started)))


def ours(b, jobs: int, pattern: str, submission_ids: list[int], breakdown: bool  # type: ignore[no-untyped-def]
         ) -> tuple[list[float], list[tuple[float, float]]]:
    """Our insert-to-start latencies (ms) and, with ``breakdown``, each job's two legs (ms)."""
    import psycopg

    from codebloom.db import get_engine, libpq_url

    engine = get_engine(b.database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM job"))
        if breakdown:
            conn.exec_driver_sql(BREAKDOWN_SQL)
            conn.execute(text("DELETE FROM bench_enqueued"))
    with psycopg.connect(libpq_url(b.database_url), autocommit=True) as raw:  # one commit per insert
        for submission_id in submission_ids[jobs:jobs + WARMUP]:
            raw.execute("INSERT INTO job (submission_id) VALUES (%s)", (submission_id,))
        wait(lambda: count_of(engine, "SELECT count(*) FROM job WHERE status = 'COMPLETE'") == WARMUP, 60)
        warmed_up = count_of(engine, "SELECT COALESCE(max(id), 0) FROM job")

        def insert_one(i: int) -> None:
            raw.execute("INSERT INTO job (submission_id) VALUES (%s)", (submission_ids[i],))

        insert_pattern(insert_one, jobs, pattern)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM job WHERE claimed_at IS NULL AND status = 'INCOMPLETE'")
                            ).scalar() == 0:
                break
        time.sleep(0.5)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT EXTRACT(EPOCH FROM (claimed_at - created_at)) FROM job "
                                 "WHERE claimed_at IS NOT NULL AND id > :w"), {"w": warmed_up}).scalars().all()
        legs = conn.execute(text(LEGS_SQL), {"w": warmed_up}).all() if breakdown else []
    return [float(r) * 1000 for r in rows], [(float(a), float(c)) for a, c in legs]


def count_of(engine, sql: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar() or 0)


def real_submissions(b, jobs: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Submissions the simulator knows (so each detail task makes one ordinary call), without their Jobs."""
    from codebloom.db import get_engine

    make_backlog(b.database_url, b.sim_url, jobs + WARMUP)
    with get_engine(b.database_url).begin() as conn:
        conn.execute(text("DELETE FROM job"))
        return list(conn.execute(text("SELECT id FROM submission ORDER BY id")).scalars())


PROCRASTINATE_WORKER = """
import sys, threading, time
sys.path.insert(0, sys.argv[2])
import procrastinate
from codebloom.lane import DetailLane
from codebloom.leetcode.client import LeetCodeClient
from codebloom.services.details import fetch_submission_details
from codebloom.settings import settings

s = settings()
lane = DetailLane(s.redis_url, *s.detail_rate, s.detail_rate_margin)
local = threading.local()  # one keep-alive client per worker thread, as ours has one per process
app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=sys.argv[1]))

@app.task(name="detail", queue="lat")
def detail(t: float, n: int, job_id: int) -> None:
    print(f"{n} {(time.time() - t) * 1000:.3f}", flush=True)
    if not hasattr(local, "client"):
        local.client = LeetCodeClient(s.leetcode_base_url, s.leetcode_timeout, session=s.leetcode_session,
                                      csrf=s.leetcode_csrf)
    fetch_submission_details(s, job_id, local.client, lane)

app.run_worker(queues=["lat"], concurrency=4, wait=True, listen_notify=True, install_signal_handlers=True)
"""


def procrastinate_run(b, jobs: int, pattern: str, tag: str, submission_ids: list[int]  # type: ignore[no-untyped-def]
                      ) -> list[float]:
    import procrastinate
    import psycopg

    from bench.harness import ROOT
    from codebloom.db import get_engine, libpq_url

    conninfo = libpq_url(b.database_url)
    # This process only defers; its app is defined in __main__ on purpose (the worker process has its own).
    logging.getLogger("procrastinate.blueprints").setLevel(logging.ERROR)
    app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo))

    @app.task(name="detail", queue="lat")
    def detail(t: float, n: int, job_id: int) -> None:  # the worker process has its own copy
        return None

    with get_engine(b.database_url).begin() as conn:
        conn.execute(text("DELETE FROM job"))
    with app.open(), psycopg.connect(conninfo, autocommit=True) as raw:
        with contextlib.suppress(Exception):  # already applied for an earlier pattern
            app.schema_manager.apply_schema()
        script = b.home / "procrastinate_worker.py"
        script.write_text(PROCRASTINATE_WORKER)
        name = f"procrastinate-{tag}"
        b.supervisor.start(name, [sys.executable, str(script), conninfo, str(ROOT)])
        time.sleep(3)  # its LISTEN is up once the worker has started; nothing to poll on
        log = b.supervisor.log_path(name)
        for k, submission_id in enumerate(submission_ids[jobs:jobs + WARMUP]):
            row = raw.execute("INSERT INTO job (submission_id) VALUES (%s) RETURNING id", (submission_id,))
            detail.defer(t=time.time(), n=-1 - k, job_id=row.fetchone()[0])  # type: ignore[index]
        wait(lambda: log.read_text().count("\n-") + log.read_text().startswith("-") >= WARMUP, 60)

        def insert_one(i: int) -> None:
            row = raw.execute("INSERT INTO job (submission_id) VALUES (%s) RETURNING id", (submission_ids[i],))
            job_id = row.fetchone()[0]  # type: ignore[index]
            detail.defer(t=time.time(), n=i, job_id=job_id)

        insert_pattern(insert_one, jobs, pattern)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            lines = [line for line in log.read_text().splitlines() if line[:1].isdigit()]
            if len(lines) >= jobs:
                break
            time.sleep(0.5)
        b.supervisor.stop(name)
    return [float(line.split()[1]) for line in lines]


def start_bridge(b) -> None:  # type: ignore[no-untyped-def]
    b.supervisor.start("bridge", codebloom_command("bridge"), {"LOG_LEVEL": "INFO"})
    b.supervisor.wait_for_log("bridge", "bridge listening", 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--breakdown", action="store_true", help="also split our latency into its two legs")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"wake-up latency: {args.jobs} jobs per pattern, {args.runs} runs, medians of per-run percentiles (ms)")
    results: dict[tuple[str, str], list[list[float]]] = {}
    legs: dict[str, list[list[tuple[float, float]]]] = {}
    for run in range(args.runs):
        env = {"DETAIL_RATE": "1000000/60", "DETAIL_RATE_LIMIT": "off", "DETAIL_MAX_IN_FLIGHT": "100000",
               "DETAIL_MAX_ATTEMPTS": "1", "BRIDGE_POLL_INTERVAL": "5"}
        with bench_services("latency", **env) as b:
            b.start_simulator("--users", "10")
            submissions = real_submissions(b, args.jobs)  # before any worker runs: no backlog competes
            b.workers("leetcode-details", 1, 4, "detail-worker")
            for pattern in PATTERNS:
                start_bridge(b)
                latencies, job_legs = ours(b, args.jobs, pattern, submissions, args.breakdown)
                results.setdefault(("codebloom (bridge + Celery)", pattern), []).append(latencies)
                legs.setdefault(pattern, []).append(job_legs)
                b.supervisor.stop("bridge")  # procrastinate's Jobs are its own worker's alone
                results.setdefault(("procrastinate", pattern), []).append(
                    procrastinate_run(b, args.jobs, pattern, f"{run}-{pattern.split()[0]}", submissions))
    rows = []
    summary: dict[tuple[str, str], float] = {}
    for (system, pattern), runs in results.items():
        p = {q: median([percentile(r, q) for r in runs]) for q in (0.5, 0.95, 0.99)}
        summary[(system, pattern)] = p[0.99]
        rows.append([pattern, system, f"{p[0.5]:.1f}", f"{p[0.95]:.1f}", f"{p[0.99]:.1f}",
                     " ".join(str(len(r)) for r in runs)])
    print(table(["pattern", "system", "p50 ms", "p95 ms", "p99 ms", "jobs started per run"], sorted(rows)))
    for pattern in PATTERNS:
        ratio = summary[("codebloom (bridge + Celery)", pattern)] / summary[("procrastinate", pattern)]
        print(f"{pattern}: p99 ratio codebloom/procrastinate = {ratio:.2f} (goal <= 1.00)")
    if args.breakdown:
        print_legs(legs)


def print_legs(legs: dict[str, list[list[tuple[float, float]]]]) -> None:
    rows = []
    for pattern, runs in legs.items():
        for index, leg in enumerate(("insert commit -> bridge's feed query", "feed query -> task start")):
            rows.append([pattern, leg] + [f"{median([percentile([j[index] for j in r], q) for r in runs]):.1f}"
                                          for q in (0.5, 0.95, 0.99)])
    print("codebloom's latency leg by leg (bench-only trigger on job.enqueued_at; PostgreSQL clock):")
    print(table(["pattern", "leg", "p50 ms", "p95 ms", "p99 ms"], rows))


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    main()
