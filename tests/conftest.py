"""Shared fixtures: real PostgreSQL and Redis (embedded by default), the simulator, real worker processes.

TEST_DATABASE_URL / TEST_REDIS_URL point the suite at other servers; TEST_BROKER_URL (e.g. amqp://...) runs the
Celery parts on another broker, Redis staying as the limiter's store. Either way the suite creates a fresh
database and drops it at the end. A missing service is an error, never a skip.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import text

from codebloom import embedded
from codebloom.db import dispose_engines, get_engine, libpq_url, session_scope
from codebloom.processes import Supervisor
from codebloom.settings import Settings, load_settings, settings
from codebloom.simulator import SimulatorConfig, start_in_thread
from codebloom.simulator.server import RunningSimulator

ROOT = Path(__file__).resolve().parent.parent
SESSION_TOKEN = "eyJ.test-session-5f2b9c71a0"
CSRF_TOKEN = "csrf-test-8d41e7c3b2"
TABLES = ("job", "submission", "user_problem", "leaderboard_score", "sync_run", "leaderboard", "users",
          "problem", "problem_of_day", "leetcode_session")


@dataclass
class Services:
    database_url: str
    redis_url: str
    admin_url: str
    database: str
    broker_url: str
    pg: embedded.EmbeddedPostgres | None = None
    redis_server: embedded.EmbeddedRedis | None = None


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what} (last value: {last!r})")


@pytest.fixture(scope="session")
def services() -> Iterator[Services]:
    home = ROOT / ".codebloom" / "test"
    pg = redis_server = None
    admin = os.environ.get("TEST_DATABASE_URL")
    if not admin:
        pg = embedded.EmbeddedPostgres(home / "pg")
        admin = pg.start()
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        redis_server = embedded.EmbeddedRedis(home / "redis")
        redis_url = redis_server.start()
    admin = libpq_url(admin)
    name = f"codebloom_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    embedded.create_database(admin, name)
    base, _, query = admin.partition("?")
    database_url = base.rsplit("/", 1)[0] + "/" + name + (("?" + query) if query else "")
    redis.Redis.from_url(redis_url).flushdb()
    broker_url = os.environ.get("TEST_BROKER_URL") or redis_url
    purge_broker(broker_url)
    from codebloom.migrate import upgrade

    upgrade(database_url)
    _point_env_at(database_url, redis_url, broker_url)
    try:
        yield Services(database_url=database_url, redis_url=redis_url, admin_url=admin, database=name,
                       broker_url=broker_url, pg=pg, redis_server=redis_server)
    finally:
        dispose_engines()
        embedded.drop_database(admin, name)
        if redis_server is not None:
            redis_server.stop()
        if pg is not None:
            pg.stop()


def _point_env_at(database_url: str, redis_url: str, broker_url: str) -> None:
    """The pytest process enqueues real tasks too: aim its settings and Celery app at the test services."""
    os.environ.update({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "CELERY_BROKER_URL": broker_url,
                       "LEETCODE_SESSION": SESSION_TOKEN, "LEETCODE_CSRF_TOKEN": CSRF_TOKEN})
    settings.cache_clear()
    from codebloom.celery import app

    app.conf.broker_url = broker_url


QUEUES = ("sync", "leetcode-details")


def purge_broker(broker_url: str) -> None:
    """Drop every message waiting in our queues (on Redis, flushing the db already did)."""
    from kombu import Connection

    with Connection(broker_url, connect_timeout=10) as conn:
        channel = conn.channel()
        for queue in QUEUES:
            try:
                channel.queue_purge(queue)
            except Exception:  # the queue does not exist yet
                channel = conn.channel()


def queue_length(broker_url: str, queue: str) -> int:
    from kombu import Connection

    with Connection(broker_url, connect_timeout=10) as conn:
        try:
            return int(conn.channel().queue_declare(queue, passive=True).message_count)
        except Exception:
            return 0


SECRETS = (SESSION_TOKEN, CSRF_TOKEN)


def assert_no_secrets(where: str, content: str) -> None:
    for value in SECRETS:
        assert value not in content, f"a LeetCode secret leaked into {where}"


@pytest.fixture
def db(services: Services) -> Iterator[str]:
    """A clean database (every table emptied) and a clean Redis; yields the database URL.

    Afterwards, every error stored on a job, a user or a sync run is checked for the session secrets.
    """
    with get_engine(services.database_url).begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    redis.Redis.from_url(services.redis_url).flushdb()
    if services.broker_url != services.redis_url:
        purge_broker(services.broker_url)
    yield services.database_url
    with get_engine(services.database_url).connect() as conn:
        stored = conn.execute(text(
            "SELECT string_agg(e, ' ') FROM (SELECT last_error AS e FROM job UNION ALL "
            "SELECT last_sync_error FROM users UNION ALL SELECT error FROM sync_run) x")).scalar() or ""
    assert_no_secrets("a stored error", stored)


@pytest.fixture
def simulator(request: pytest.FixtureRequest) -> Iterator[RunningSimulator]:
    """A simulator on a free port; tests can pass a SimulatorConfig with @pytest.mark.parametrize(indirect)."""
    config = getattr(request, "param", None) or SimulatorConfig(port=0, users=50, seed=11)
    config.port = 0
    config.session_token = SESSION_TOKEN
    config.csrf_token = CSRF_TOKEN
    sim = start_in_thread(config)
    try:
        yield sim
    finally:
        sim.stop()


def make_settings(services: Services, simulator_url: str | None = None, **overrides: Any) -> Settings:
    """Settings for in-process service calls, as a worker would load them."""
    env = {"DATABASE_URL": services.database_url, "REDIS_URL": services.redis_url,
           "LEETCODE_BASE_URL": simulator_url or "http://127.0.0.1:9", "LEETCODE_SESSION": SESSION_TOKEN,
           "LEETCODE_CSRF_TOKEN": CSRF_TOKEN, **{k.upper(): str(v) for k, v in overrides.items()}}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return load_settings()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def supervisor(tmp_path: Path, services: Services) -> Iterator[Supervisor]:
    """Real child processes (Celery workers, beat, bridge) with their logs under tmp_path; all stopped after."""
    sup = Supervisor(log_dir=tmp_path / "logs", env={
        "DATABASE_URL": services.database_url, "REDIS_URL": services.redis_url,
        "CELERY_BROKER_URL": services.broker_url, "LEETCODE_SESSION": SESSION_TOKEN,
        "LEETCODE_CSRF_TOKEN": CSRF_TOKEN, "CODEBLOOM_HOME": str(tmp_path / "home"),
        "PYTHONUNBUFFERED": "1"}, cwd=ROOT)
    try:
        yield sup
    finally:
        sup.stop_all(timeout=15)
    for log in sorted((tmp_path / "logs").glob("*.log")):
        assert_no_secrets(f"the log {log.name}", log.read_text(errors="replace"))


def open_board(database_url: str, days_ago: float = 30.0) -> int:
    from datetime import UTC, datetime, timedelta

    from codebloom import store

    with session_scope(database_url) as session:
        return store.open_leaderboard(session, "Test board", datetime.now(UTC) - timedelta(days=days_ago))


def add_users(database_url: str, names: list[str]) -> list[int]:
    from codebloom import store

    with session_scope(database_url) as session:
        return [store.add_user(session, name)[0] for name in names]
