"""The ``codebloom`` command. Every error is one clear line on stderr and exit status 1."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from codebloom import store
from codebloom.db import session_scope
from codebloom.logs import configure_logging
from codebloom.secrets import scrub
from codebloom.settings import Settings, load_settings

console = Console()


NO_REDIS = "no Redis: set REDIS_URL, or run `codebloom services` in another shell for embedded ones"


class UserError(click.ClickException):
    """A mistake the user can fix; printed as one line."""


def _settings(need_db: bool = True) -> Settings:
    s = load_settings()
    if need_db and not s.database_url:
        raise UserError("no database: set DATABASE_URL, or run `codebloom services` in another shell for "
                        "embedded ones")
    return s


def _client(s: Settings) -> Any:
    from codebloom.leetcode.client import LeetCodeClient

    return LeetCodeClient(s.leetcode_base_url, s.leetcode_timeout, session=s.leetcode_session,
                          csrf=s.leetcode_csrf)


@click.group()
def cli() -> None:
    """Codebloom background sync: LeetCode submissions to the leaderboard."""
    configure_logging(load_settings().log_level)


@cli.command()
def migrate() -> None:
    """Upgrade the database to the newest schema."""
    from codebloom.migrate import upgrade

    s = _settings()
    upgrade(s.database_url or "")
    console.print("database is at the newest schema")


# -- users -----------------------------------------------------------------------------------------


@cli.group()
def users() -> None:
    """Register and list LeetCode users."""


@users.command("add")
@click.argument("usernames", nargs=-1, required=True)
@click.option("--check/--no-check", default=True, help="Ask LeetCode that each username exists first.")
def users_add(usernames: tuple[str, ...], check: bool) -> None:
    """Register one or more LeetCode usernames."""
    s = _settings()
    client = _client(s) if check else None
    for name in usernames:
        canonical = name.strip()
        if not canonical:
            raise UserError("empty username")
        if client is not None:
            from codebloom.leetcode.errors import LeetCodeError

            try:
                canonical = client.canonical_username(canonical)
            except LeetCodeError as exc:
                raise UserError(f"{name}: {exc}") from None
        with session_scope(s.database_url or "") as session:
            user_id, created = store.add_user(session, canonical)
        console.print(f"{'added' if created else 'already registered'}: {canonical} (id {user_id})")


@users.command("list")
def users_list() -> None:
    """Every user with their score on the current board and last sync."""
    s = _settings()
    with session_scope(s.database_url or "") as session:
        rows = store.list_users(session)
    table = Table("id", "username", "active", "score", "last synced", "last error")
    for r in rows:
        table.add_row(str(r["id"]), r["leetcode_username"], "yes" if r["active"] else "no", str(r["score"]),
                      _when(r["last_synced_at"]), (r["last_sync_error"] or "")[:60])
    console.print(table)


# -- sync ------------------------------------------------------------------------------------------


@cli.command()
@click.argument("username")
@click.option("--inline", is_flag=True, help="Run the sync in this shell instead of enqueueing it.")
def sync(username: str, inline: bool) -> None:
    """Sync one user now."""
    s = _settings()
    with session_scope(s.database_url or "") as session:
        user_id = store.user_id_by_name(session, username)
    if user_id is None:
        raise UserError(f"unknown user {username!r}: add it with `codebloom users add {username}`")
    if not inline:
        from tasks.sync import sync_user

        result = sync_user.delay(user_id)
        console.print(f"enqueued sync of {username} (user {user_id}), task {result.id}")
        return
    from codebloom.leetcode.errors import LeetCodeError
    from codebloom.services.sync import SyncError, record_failure
    from codebloom.services.sync import sync_user as run_sync

    try:
        outcome = run_sync(s.database_url or "", _client(s), user_id)
    except (LeetCodeError, SyncError) as exc:
        line = record_failure(s.database_url or "", user_id, exc)
        raise UserError(f"sync of {username} failed: {line}") from None
    console.print(f"synced {username}: {outcome.fetched} fetched, {outcome.new_submissions} new, "
                  f"{outcome.points} points, {outcome.jobs} detail jobs")
    for error in outcome.errors:
        console.print(f"  skipped: {error}")


# -- jobs ------------------------------------------------------------------------------------------


@cli.group(invoke_without_command=True)
@click.pass_context
def jobs(ctx: click.Context) -> None:
    """Detail jobs: counts by status, the oldest due job, the lane, last errors."""
    if ctx.invoked_subcommand is not None:
        return
    s = _settings()
    with session_scope(s.database_url or "") as session:
        counts = store.job_counts(session)
        oldest = store.oldest_due_job(session)
        job_errors = store.recent_job_errors(session)
        sync_errors = store.recent_sync_errors(session)
    console.print("jobs: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    console.print("oldest due job: " + (f"{oldest['id']} (submission {oldest['submission_id']}, "
                                        f"due for {oldest['overdue']}, attempts {oldest['attempts']})"
                                        if oldest else "none"))
    console.print("detail lane: " + lane_status(s))
    for e in job_errors:
        console.print(f"  job {e['id']} {e['status']} after {e['attempts']} attempts: {e['last_error']}")
    for e in sync_errors:
        console.print(f"  user {e['leetcode_username']}: {e['last_sync_error']}")


def lane_status(s: Settings) -> str:
    if not s.redis_url:
        return "unknown (no REDIS_URL)"
    from codebloom.lane import DetailLane

    calls, seconds = s.detail_rate
    try:
        pause = DetailLane(s.redis_url, calls, seconds, s.detail_rate_margin).paused()
    except Exception as exc:
        return f"unknown (Redis unreachable: {type(exc).__name__})"
    if pause is None:
        return f"running (global limit {calls} calls per {seconds}s)"
    return f"PAUSED ({pause.kind}) for {pause.remaining:.0f}s more: {pause.reason}"


@jobs.command("retry")
@click.option("--failed", "all_failed", is_flag=True, help="Every FAILED job.")
@click.option("--id", "job_ids", type=int, multiple=True, help="A FAILED job id (repeatable).")
def jobs_retry(all_failed: bool, job_ids: tuple[int, ...]) -> None:
    """Put FAILED jobs back in the queue with fresh attempts."""
    if not all_failed and not job_ids:
        raise UserError("say which: --failed for all FAILED jobs, or --id N")
    s = _settings()
    with session_scope(s.database_url or "") as session:
        count = store.retry_failed_jobs(session, None if all_failed else list(job_ids))
    console.print(f"re-queued {count} failed job(s); the bridge or the sweep will send them")


@cli.command("lane-resume")
def lane_resume() -> None:
    """End a detail-lane pause now (after fixing the session, for example)."""
    s = _settings(need_db=False)
    if not s.redis_url:
        raise UserError(NO_REDIS)
    from codebloom.lane import DetailLane

    calls, seconds = s.detail_rate
    DetailLane(s.redis_url, calls, seconds, s.detail_rate_margin).resume()
    console.print("detail lane resumed")


@cli.group()
def session() -> None:
    """The LeetCode session the detail workers use."""


@session.command("set")
def session_set() -> None:
    """Store a new LEETCODE_SESSION and csrftoken (read from the env vars, else prompted, never echoed)."""
    import os

    s = _settings()
    token = os.environ.get("LEETCODE_SESSION") or click.prompt("LEETCODE_SESSION", hide_input=True)
    csrf = os.environ.get("LEETCODE_CSRF_TOKEN") or click.prompt("csrftoken", hide_input=True, default="",
                                                                  show_default=False)
    with session_scope(s.database_url or "") as db:
        store.set_leetcode_session(db, token.strip(), csrf.strip() or None)
    console.print("LeetCode session stored; detail workers pick it up within 15 seconds")


# -- leaderboard -----------------------------------------------------------------------------------


@cli.group(invoke_without_command=True)
@click.option("--top", default=10, show_default=True)
@click.pass_context
def leaderboard(ctx: click.Context, top: int) -> None:
    """Show the current leaderboard."""
    if ctx.invoked_subcommand is not None:
        return
    s = _settings()
    with session_scope(s.database_url or "") as db:
        board = store.current_leaderboard(db)
        rows = store.leaderboard_top(db, top)
    if board is None:
        raise UserError("no current leaderboard: open one with `codebloom leaderboard open NAME`")
    print_leaderboard(board, rows)


def print_leaderboard(board: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    table = Table("#", "user", "points", "problems scored",
                  title=f"{board['name']} (since {board['started_at']:%Y-%m-%d %H:%M} UTC)")
    for rank, r in enumerate(rows, 1):
        table.add_row(str(rank), r["leetcode_username"], str(r["score"]), str(r["solved"]))
    console.print(table)


@leaderboard.command("open")
@click.argument("name")
@click.option("--days-ago", type=float, default=0.0, help="Start the board this many days in the past.")
def leaderboard_open(name: str, days_ago: float) -> None:
    """End the current board and open a new one."""
    s = _settings()
    started = datetime.now(UTC) - timedelta(days=days_ago)
    with session_scope(s.database_url or "") as db:
        board_id = store.open_leaderboard(db, name, started)
    console.print(f"opened leaderboard {name!r} (id {board_id}), started {started:%Y-%m-%d %H:%M} UTC")


# -- operators -------------------------------------------------------------------------------------


@cli.command()
@click.option("--no-workers", is_flag=True, help="Skip asking the workers (faster when none run).")
def status(no_workers: bool) -> None:
    """One screen for an operator: services, workers, queues, jobs, the lane, the last cycle, the board."""
    from codebloom import ops

    s = _settings(need_db=False)
    o = ops.gather(s, with_workers=not no_workers)
    rows: list[tuple[str, str]] = [
        ("services", " · ".join(f"{k} {v}" for k, v in o.reachable.items()) or "none configured"),
        ("workers", " · ".join(f"{q}: {', '.join(w) if w else 'NONE ONLINE'}" for q, w in o.workers.items())
         if o.workers else ("not asked" if no_workers else "none online")),
        ("queues", " · ".join(f"{q} {'?' if n is None else n}" for q, n in o.queue_lengths.items()) or "-"),
        ("jobs", " · ".join(f"{k} {v}" for k, v in o.jobs.items()) + f" · oldest due {ops.age(o.oldest_due_age)}"),
        ("detail lane", (f"PAUSED ({o.lane.kind}) for {o.lane.remaining:.0f}s more: {o.lane.reason}"
                         if o.lane else "running") + (f" · limit {o.lane_limit}" if o.lane_limit else "")),
        ("last cycle", _cycle_line(o)),
        ("leaderboard", f"{o.leaderboard['name']!r}: {o.leaderboard_size} users" if o.leaderboard else "none open"),
    ]
    calls = {op: n for (op, outcome), n in o.calls.items() if outcome == "ok"}
    limited = {op: n for (op, outcome), n in o.calls.items() if outcome == "rate_limited"}
    if o.calls:
        rows.append(("leetcode calls", " · ".join(f"{op} {n}" for op, n in sorted(calls.items()))
                     + (" · 429s: " + ", ".join(f"{op} {n}" for op, n in limited.items()) if limited else "")))
    table = Table(show_header=False, box=None, title=f"codebloom status ({datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC)")
    for key, value in rows:
        table.add_row(f"[bold]{key}[/]", value)
    console.print(table)
    for failure in o.cycle_failures:
        console.print(f"  failed: {failure['leetcode_username']}: {failure['error']}")


def _cycle_line(o: Any) -> str:
    from codebloom import ops

    c = o.last_cycle
    if not c:
        return "none yet"
    took = ops.cycle_duration(c)
    return (f"{c['users']} users: {c['synced']} synced, {c['failed']} failed, {c['pending']} pending"
            + (f", took {ops.age(took)}" if took is not None and not c['pending'] else ""))


@cli.command()
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=9808, show_default=True)
def metrics(host: str, port: int) -> None:
    """Serve Prometheus metrics on /metrics (jobs, lane, LeetCode calls and 429s, sync cycles)."""
    from codebloom.metrics import serve_metrics

    serve_metrics(_settings(), host, port)


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--port", default=5555, show_default=True)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def flower(port: int, args: tuple[str, ...]) -> None:
    """Flower with persistent state; FLOWER_BASIC_AUTH=user:password turns on basic auth."""
    import os

    s = _settings(need_db=False)
    if not s.broker_url:
        raise UserError(NO_REDIS)
    os.makedirs(s.home, exist_ok=True)
    command = ["celery", "-A", "codebloom", "flower", f"--port={port}", "--persistent=True",
               f"--db={os.path.join(s.home, 'flower.db')}", "--purge_offline_workers=300", *args]
    os.execvp(sys.executable, [sys.executable, "-m", *command])


@cli.command()
def shell() -> None:
    """A Python shell with the Celery app, a DB session, the models and the tasks imported."""
    from codebloom.shell import run_shell

    run_shell()


# -- processes -------------------------------------------------------------------------------------


@cli.command()
@click.option("--health-file", default=None, help="Touch this file on every loop (for a container healthcheck).")
def bridge(health_file: str | None) -> None:
    """LISTEN for new Jobs and feed the detail lane (one is enough; more are harmless)."""
    from codebloom.bridge import run_bridge
    from codebloom.lane import DetailLane
    from tasks.details import enqueue_detail

    s = _settings()
    if not s.redis_url:
        raise UserError(NO_REDIS)
    calls, seconds = s.detail_rate
    run_bridge(s, enqueue_detail, DetailLane(s.redis_url, calls, seconds, s.detail_rate_margin), health_file)


@cli.command("simulate-leetcode", context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                                     "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def simulate_leetcode(args: tuple[str, ...]) -> None:
    """A LeetCode-compatible GraphQL server on a local port (--help for its options)."""
    from codebloom.simulator.__main__ import main as simulator_main

    simulator_main(list(args), prog="codebloom simulate-leetcode")


@cli.command()
@click.option("--simulator/--no-simulator", default=True, show_default=True,
              help="Also run the LeetCode simulator and record its URL for the other shells.")
def services(simulator: bool) -> None:
    """Run embedded PostgreSQL and Redis (and the simulator) until Ctrl-C, for development."""
    from codebloom.devservices import run_services

    run_services(simulator)


@cli.command()
@click.option("--users", "user_count", default=25, show_default=True, help="Simulated users to register.")
@click.option("--detail-rate", default="600/60", show_default=True,
              help="Global detail-call budget for the demo (the simulator enforces the same).")
@click.option("--timeout", default=240.0, show_default=True, help="Seconds before the demo gives up.")
def demo(user_count: int, detail_rate: str, timeout: float) -> None:
    """Run one full sync cycle end to end on embedded services and the simulator."""
    from codebloom.demo import run_demo

    sys.exit(run_demo(user_count=user_count, detail_rate=detail_rate, timeout=timeout))


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else "never"


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        click.echo(f"error: {scrub(exc.format_message())}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # one line, not a traceback
        click.echo(f"error: {type(exc).__name__}: {scrub(str(exc)).strip().splitlines()[0] if str(exc) else ''}",
                   err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
