"""Log lines: key=value fields, secrets scrubbed from messages and tracebacks."""

from __future__ import annotations

import io
import logging

from codebloom.logs import fields, install_redaction
from codebloom.secrets import Secret, scrub


def _logger() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    logger = logging.getLogger("codebloom.test_logs")
    logger.handlers = [logging.StreamHandler(stream)]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    install_redaction(logger)
    return logger, stream


def test_fields_quote_values_with_spaces() -> None:
    assert fields(user_id=7, error='bad "x" thing', empty="") == "user_id=7 error=\"bad 'x' thing\" empty=\"\""


def test_known_secrets_are_scrubbed_from_messages_and_tracebacks() -> None:
    secret = Secret("eyJ.very-secret-cookie-1")
    logger, stream = _logger()
    logger.info("cookie is %s", secret.reveal())
    try:
        raise RuntimeError(f"failed with {secret.reveal()}")
    except RuntimeError:
        logger.exception("boom")
    output = stream.getvalue()
    assert "eyJ.very-secret-cookie-1" not in output
    assert output.count("****") >= 2 and "RuntimeError" in output
    assert repr(secret) == "Secret('****')" and "very" not in str(secret)
    assert scrub("x eyJ.very-secret-cookie-1 y") == "x **** y"
