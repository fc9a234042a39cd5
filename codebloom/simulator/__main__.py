"""``python -m codebloom.simulator``: run the LeetCode-compatible simulator."""

from __future__ import annotations

from .cli import build_arg_parser, config_from_args
from .server import serve_forever

__all__ = ["build_arg_parser", "config_from_args", "main"]


def main(argv: list[str] | None = None, prog: str | None = None) -> None:
    """Parse options and serve until SIGTERM/SIGINT."""
    serve_forever(config_from_args(argv, prog))


if __name__ == "__main__":
    main()
