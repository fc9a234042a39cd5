"""LeetCode-compatible GraphQL simulator (standard library only).

Start one in-process with :func:`start_in_thread`, or run ``python -m codebloom.simulator``.
"""

from .cli import build_arg_parser, config_from_args
from .server import RunningSimulator, SimulatorConfig, make_server, serve_forever, start_in_thread
from .world import World

__all__ = [
    "RunningSimulator", "SimulatorConfig", "World", "build_arg_parser", "config_from_args", "make_server",
    "serve_forever", "start_in_thread",
]
