"""Embedded services for a laptop: `codebloom services` keeps them up; the demo starts its own."""

from __future__ import annotations

import os
import shutil
import signal
import threading
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console

from codebloom import embedded

console = Console()


def start_embedded(home: Path, stack: ExitStack, database: str, *, reset: bool,
                   extra_env: dict[str, str] | None = None) -> tuple[str, str]:
    """Explicit DATABASE_URL / REDIS_URL win; otherwise start embedded PostgreSQL and Redis under ``home``.

    Registers their shutdown on ``stack`` and records the URLs in ``home/services.env`` while they run.
    """
    explicit_db, explicit_redis = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if explicit_db and explicit_redis:
        console.print("using DATABASE_URL and REDIS_URL from the environment")
        return explicit_db, explicit_redis
    reused = (home / "pg" / "PG_VERSION").exists()
    home.mkdir(parents=True, exist_ok=True)
    if (home / "logs").exists():
        shutil.rmtree(home / "logs")
    note = f" (PostgreSQL data kept; database {database} {'reset' if reset else 'kept'})" if reused else ""
    console.print(f"{'reusing' if reused else 'creating'} {home} for the embedded services{note}")
    database_url = explicit_db
    if not database_url:
        pg = embedded.EmbeddedPostgres(home / "pg")
        admin = pg.start()
        stack.callback(pg.stop)
        embedded.create_database(admin, database, drop_first=reset)
        database_url = pg.url_for(database)
    redis_url = explicit_redis
    if not redis_url:
        redis = embedded.EmbeddedRedis(home / "redis")
        redis_url = redis.start()
        stack.callback(redis.stop)
    embedded.write_env_file(home, {"DATABASE_URL": database_url, "REDIS_URL": redis_url, **(extra_env or {})})
    stack.callback(embedded.remove_env_file, home)
    console.print("embedded PostgreSQL and Redis are up")
    return database_url, redis_url


def run_services(simulator: bool) -> None:
    """Start embedded PostgreSQL, Redis (and the simulator), migrate, and wait for Ctrl-C or SIGTERM."""
    from codebloom.migrate import upgrade
    from codebloom.processes import Supervisor, codebloom_command

    home = Path(os.environ.get("CODEBLOOM_HOME", ".codebloom")).resolve()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with ExitStack() as stack:
        extra = {}
        supervisor = Supervisor(log_dir=home / "logs", env={})
        if simulator:
            port = embedded.free_port()
            extra = {"LEETCODE_BASE_URL": f"http://127.0.0.1:{port}", "LEETCODE_SESSION": "sim-session-token",
                     "LEETCODE_CSRF_TOKEN": "sim-csrf-token"}
        database_url, redis_url = start_embedded(home, stack, "codebloom", reset=False, extra_env=extra)
        if simulator:
            stack.callback(supervisor.stop_all)
            supervisor.start("simulator", codebloom_command("simulate-leetcode", "--port",
                                                            extra["LEETCODE_BASE_URL"].rsplit(":", 1)[1]))
            supervisor.wait_for_log("simulator", "listening", 30)
        upgrade(database_url)
        console.print(f"DATABASE_URL={database_url}\nREDIS_URL={redis_url}")
        if simulator:
            console.print(f"LEETCODE_BASE_URL={extra['LEETCODE_BASE_URL']} (the simulator; its session token is "
                          "sim-session-token)")
        console.print(f"other shells in this folder find them through {home / embedded.ENV_FILE}; "
                      "Ctrl-C stops everything")
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
    console.print("embedded services stopped")
