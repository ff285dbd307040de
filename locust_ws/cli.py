"""The ``locust-ws`` command. ``locust-ws examples [DIR]`` copies the example locustfiles that ship
inside the package into ``DIR`` (``./locustfiles`` by default), so an install from a wheel can run
the commands of the README and docs/ as they are written::

    locust-ws examples && locust -f locustfiles/chat.py --headless -u 10 -r 10 -t 10s

It only reads and writes files: no Locust, no gevent, no demo server is imported.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from . import __version__

EXAMPLES_PACKAGE = "locust_ws.examples"
"""Where the examples are installed; in the repository they are ``locustfiles/`` (setup.cfg)."""
DEFAULT_DIRECTORY = Path("locustfiles")
"""The directory the docs' ``locust -f locustfiles/...`` commands expect."""


def example_locustfiles() -> dict[str, bytes]:
    """The example locustfiles of the installed package: file name -> content, by name."""
    examples = resources.files(EXAMPLES_PACKAGE)
    return {
        entry.name: entry.read_bytes()
        for entry in sorted(examples.iterdir(), key=lambda entry: entry.name)
        if entry.name.endswith(".py") and not entry.name.startswith("_")
    }


def copy_examples(directory: Path, overwrite: bool = False) -> list[Path]:
    """Write every example locustfile into ``directory`` (created when missing); return the paths
    written. When some of them exist already and ``overwrite`` is false, nothing is written and
    ``FileExistsError`` names them. Other files in ``directory`` are never touched."""
    targets = {directory / name: content for name, content in example_locustfiles().items()}
    existing = [path for path in targets if path.exists()]
    if existing and not overwrite:
        names = ", ".join(str(path) for path in existing)
        raise FileExistsError(f"{names} already exist{'s' if len(existing) == 1 else ''}")
    directory.mkdir(parents=True, exist_ok=True)
    for path, content in targets.items():
        path.write_bytes(content)
    return list(targets)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="locust-ws", description="Tools for locust-ws, WebSocket and Socket.IO load testing for Locust."
    )
    parser.add_argument("--version", action="version", version=f"locust-ws {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    examples = commands.add_parser(
        "examples",
        help="copy the example locustfiles into a directory",
        description="Copy the example locustfiles into DIR. They run against the embedded demo server "
        "when no --host is given.",
    )
    examples.add_argument(
        "directory",
        nargs="?",
        type=Path,
        default=DEFAULT_DIRECTORY,
        metavar="DIR",
        help=f"where to write them (default: {DEFAULT_DIRECTORY})",
    )
    examples.add_argument("--force", action="store_true", help="overwrite example files that exist in DIR")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``locust-ws`` console script; returns the exit status."""
    arguments = _parser().parse_args(argv)
    try:
        written = copy_examples(arguments.directory, overwrite=arguments.force)
    except FileExistsError as error:
        print(f"locust-ws: {error}; nothing was copied (--force overwrites them)", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"locust-ws: cannot write the examples to {arguments.directory}: {error}", file=sys.stderr)
        return 1
    print(f"Copied {len(written)} example locustfiles to {arguments.directory}:")
    for path in written:
        print(f"  {path}")
    # chat.py shows the most; a shape file (breakpoint.py) would ignore -u and -r.
    suggested = next((path for path in written if os.path.basename(path) == "chat.py"), written[0])
    print(f"Run one against the embedded demo server: locust -f {suggested} --headless -u 10 -r 10 -t 10s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
