"""Start and stop the real processes of a run (workers, beat, bridge, simulator) for the demo and tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PYTHON = sys.executable


def celery_command(*args: str) -> list[str]:
    return [PYTHON, "-m", "celery", "-A", "codebloom", *args]


def worker_command(queue: str, name: str, concurrency: int = 2, *extra: str) -> list[str]:
    return celery_command("worker", "-Q", queue, "-n", f"{name}@%h", "-c", str(concurrency),
                          "--without-mingle", "--without-gossip", "-l", "INFO", *extra)


def codebloom_command(*args: str) -> list[str]:
    return [PYTHON, "-m", "codebloom.cli", *args]


@dataclass
class Supervisor:
    """Owns child processes: each in its own session (so a stop reaches its children), logs to a file."""

    log_dir: Path
    env: dict[str, str]
    cwd: Path = field(default_factory=Path.cwd)
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: list[str], extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - the child owns it
        env = {**os.environ, **self.env, **(extra_env or {})}
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.cwd,
                                   start_new_session=True)
        self.children[name] = process
        return process

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def alive(self, name: str) -> bool:
        process = self.children.get(name)
        return process is not None and process.poll() is None

    def signal(self, name: str, signum: int, group: bool = False) -> None:
        process = self.children[name]
        if process.poll() is None:
            if group:
                os.killpg(process.pid, signum)
            else:
                process.send_signal(signum)

    def stop(self, name: str, timeout: float = 20.0) -> int | None:
        process = self.children.pop(name, None)
        if process is None:
            return None
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        else:
            # The leader exited; make sure no child it left behind keeps running.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        return process.returncode

    def stop_all(self, timeout: float = 20.0) -> None:
        for name in reversed(list(self.children)):
            self.stop(name, timeout)

    def wait_for_log(self, name: str, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        path = self.log_path(name)
        while time.monotonic() < deadline:
            if path.exists() and text in path.read_text(errors="replace"):
                return
            if not self.alive(name):
                break
            time.sleep(0.1)
        tail = path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"
        raise RuntimeError(f"{name} did not print {text!r} within {timeout:g}s; log tail:\n{tail}")
