"""The NOTIFY bridge: wake-ups, catch-up at start and after a reconnect, clean stop."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from codebloom.bridge import Bridge
from codebloom.db import libpq_url
from codebloom.processes import codebloom_command
from tests.conftest import make_settings, wait_until
from tests.jobs import insert_jobs


class Recorder:
    """Collects what the bridge enqueues (thread-safe)."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, job_id: int) -> None:
        with self.lock:
            self.ids.append(job_id)


@pytest.fixture
def running_bridge(db, services) -> Iterator[tuple[Bridge, Recorder]]:
    recorder = Recorder()
    bridge = Bridge(make_settings(services, bridge_poll_interval=30, detail_max_in_flight=1000), recorder, None)
    thread = threading.Thread(target=bridge.run, daemon=True)
    thread.start()
    wait_until(lambda: bridge.connects >= 1, 10, "the bridge to connect")
    yield bridge, recorder
    bridge.stop_event.set()
    thread.join(10)
    assert not thread.is_alive()


def test_a_new_job_is_enqueued_on_its_notification(db, running_bridge) -> None:
    bridge, recorder = running_bridge
    ids = insert_jobs(db, 20)  # one transaction, 20 notifications: none may be lost or folded into fewer jobs
    wait_until(lambda: sorted(recorder.ids) == sorted(ids), 5, "all 20 jobs enqueued")
    assert bridge.notifications >= 1


def test_jobs_inserted_while_no_bridge_ran_are_caught_up_at_start(db, services) -> None:
    ids = insert_jobs(db, 50)
    recorder = Recorder()
    bridge = Bridge(make_settings(services, bridge_poll_interval=30, detail_max_in_flight=1000), recorder, None)
    thread = threading.Thread(target=bridge.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: sorted(recorder.ids) == sorted(ids), 10, "the catch-up to enqueue all 50")
    finally:
        bridge.stop_event.set()
        thread.join(10)


def test_the_bridge_reconnects_and_catches_up_after_its_connection_is_killed(db, services, running_bridge) -> None:
    bridge, recorder = running_bridge
    with psycopg.connect(libpq_url(db), autocommit=True) as admin:
        killed = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()").fetchall()
        assert killed
        ids = insert_jobs(db, 10)  # inserted while the bridge is deaf
    wait_until(lambda: bridge.connects >= 2, 15, "the bridge to reconnect")
    wait_until(lambda: sorted(recorder.ids) == sorted(ids), 10, "the jobs inserted while it was deaf")


def test_bridge_process_stops_cleanly_on_sigterm(db, services, supervisor) -> None:
    supervisor.start("bridge", codebloom_command("bridge"), {"BRIDGE_POLL_INTERVAL": "30"})
    supervisor.wait_for_log("bridge", "bridge listening", 30)
    started = time.monotonic()
    supervisor.signal("bridge", signal.SIGTERM)
    code = supervisor.children["bridge"].wait(10)
    assert code == 0 and time.monotonic() - started < 5
    assert "bridge stopped" in supervisor.log_path("bridge").read_text()
