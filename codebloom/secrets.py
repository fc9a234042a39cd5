"""A string that never shows itself, and a log filter that scrubs known secret values."""

from __future__ import annotations

import logging
import threading


class Secret:
    """Holds a credential; ``str``/``repr`` print a mask, ``reveal()`` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        if value:
            register_secret(value)

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('****')" if self._value else "Secret('')"

    __str__ = __repr__


_known: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Remember a value so that ``scrub`` and the log filter remove it wherever it appears."""
    if len(value) >= 4:
        with _lock:
            _known.add(value)


def scrub(text: str) -> str:
    """Replace every known secret value in ``text`` with ``****``."""
    with _lock:
        values = sorted(_known, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, "****")
    return text


class RedactingFilter(logging.Filter):
    """Scrubs secrets from the fully formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True
