"""The NOTIFY bridge: LISTEN for new Jobs and feed the detail lane.

A dedicated autocommit psycopg 3 connection with TCP keepalives LISTENs on the trigger's channel. Any
notification means "feed": the payload (a job id) is only a wake-up, the Job table says what is due, so
folded, lost or out-of-order notifications cannot lose work. It also feeds at start, after every
reconnect (catch-up), and every BRIDGE_POLL_INTERVAL seconds when nothing arrives, which doubles as a
liveness check of the connection. SIGTERM/SIGINT stop it cleanly within one poll interval.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

import psycopg
from psycopg.conninfo import make_conninfo

from codebloom.db import libpq_url
from codebloom.lane import DetailLane
from codebloom.logs import fields
from codebloom.services.feed import feed_lane
from codebloom.settings import Settings
from models import JOB_CHANNEL

log = logging.getLogger("codebloom.bridge")

# libpq TCP keepalives: a half-open LISTEN socket is noticed in about 25 s instead of hours.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}


class Bridge:
    def __init__(self, settings: Settings, enqueue: Callable[[int], None], lane: DetailLane | None,
                 stop_event: threading.Event | None = None, health_file: str | None = None) -> None:
        self.health_file = health_file
        assert settings.database_url is not None, "DATABASE_URL is not set"
        self.settings = settings
        self.enqueue = enqueue
        self.lane = lane
        self.stop_event = stop_event or threading.Event()
        self.feeds = 0
        self.notifications = 0
        self.connects = 0

    def feed(self) -> int:
        sent = feed_lane(self.settings, self.lane, self.enqueue)
        self.feeds += 1
        if sent:
            log.info("fed the detail lane %s", fields(enqueued=sent))
        return sent

    def run(self) -> None:
        backoff = 0.5
        while not self.stop_event.is_set():
            try:
                with self._connect() as conn:
                    backoff = 0.5
                    self._listen(conn)
            except (psycopg.Error, OSError) as exc:
                if self.stop_event.is_set():
                    break
                log.warning("bridge connection lost; reconnecting %s",
                            fields(delay=backoff, error=f"{type(exc).__name__}: {str(exc).strip()[:200]}"))
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, 30.0)
            except Exception:
                log.exception("bridge loop error; restarting the loop")
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, 30.0)
        log.info("bridge stopped")

    def _connect(self) -> psycopg.Connection:
        dsn = make_conninfo(libpq_url(self.settings.database_url or ""), connect_timeout=10, **KEEPALIVES)
        conn = psycopg.connect(dsn, autocommit=True)
        conn.execute(f'LISTEN "{JOB_CHANNEL}"')
        self.connects += 1
        log.info("bridge listening %s", fields(channel=JOB_CHANNEL, connects=self.connects))
        return conn

    def _listen(self, conn: psycopg.Connection) -> None:
        self._last_feed = time.monotonic()
        self._feed_safely()  # catch-up: whatever was inserted while nobody listened
        poll = self.settings.bridge_poll_interval
        while not self.stop_event.is_set():
            woke = False
            for _note in conn.notifies(timeout=min(poll, 1.0), stop_after=1):
                woke = True
                self.notifications += 1
            if woke:
                # Coalesce a burst: take whatever else already arrived, then feed once. timeout=0 reads what
                # is buffered and returns; any positive timeout would wait that long on every wake-up.
                for _note in conn.notifies(timeout=0):
                    self.notifications += 1
                self._feed_safely()
            elif time.monotonic() - self._last_feed >= poll:
                conn.execute("SELECT 1")  # liveness: raises if the server side is gone
                self._feed_safely()

    _last_feed: float = 0.0

    def _feed_safely(self) -> None:
        self._last_feed = time.monotonic()
        if self.health_file:  # a container healthcheck looks at this file's age
            with open(self.health_file, "w") as handle:
                handle.write(str(time.time()))
        try:
            self.feed()
        except Exception as exc:  # the database or broker is away: the next tick tries again
            log.warning("feed failed %s", fields(error=f"{type(exc).__name__}: {str(exc)[:200]}"))


def run_bridge(settings: Settings, enqueue: Callable[[int], None], lane: DetailLane | None,
               health_file: str | None = None) -> None:
    """Run until SIGTERM or SIGINT."""
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        log.info("bridge stopping %s", fields(signal=signal.Signals(signum).name))
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    Bridge(settings, enqueue, lane, stop, health_file).run()
