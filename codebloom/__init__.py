"""Codebloom's background sync. ``celery -A codebloom`` finds the Celery app here (loaded lazily, so that
plain services can be imported without Celery)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "app":
        from codebloom.celery import app

        return app
    raise AttributeError(name)
